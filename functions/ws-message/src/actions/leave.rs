//! `leave`: exit a room. Idempotent; the others get `presence` when the user is no
//! longer there in any tab.

use sideline_shared::ports::{Clock, Connections, Store};
use sideline_shared::protocol::{FrameError, ServerFrame};
use sideline_shared::room::RoomId;

use crate::{store_error, Context};

pub async fn apply<S, C, K>(ctx: &Context<'_, S, C, K>, room: RoomId) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    let store = &ctx.deps.store;
    let tenant = &ctx.identity.tenant;
    let was_member = store
        .leave_room(tenant, &room, ctx.connection, ctx.request_id.as_deref())
        .await
        .map_err(store_error)?;
    ctx.reply(&ServerFrame::Left {
        room: room.clone(),
        request_id: ctx.request_id.clone(),
    })
    .await;
    if was_member {
        let members = store
            .room_members(tenant, &room)
            .await
            .map_err(store_error)?;
        if !members.iter().any(|m| m.user == ctx.identity.user) {
            ctx.broadcaster().presence(&room, &members, None).await;
        }
    }
    Ok(())
}
