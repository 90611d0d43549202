//! `configure`: admins set a room's mode; everyone in the room gets a `room` frame
//! so clients can recompute what they may do.

use sideline_shared::ports::{Clock, CommunityStore, Connections};
use sideline_shared::protocol::{FrameError, ServerFrame};
use sideline_shared::room::{Capability, RoomId, RoomMode};

use crate::{store_error, Context};

pub async fn apply<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    room: RoomId,
    mode: RoomMode,
) -> Result<(), FrameError>
where
    S: CommunityStore,
    C: Connections,
    K: Clock,
{
    let store = &ctx.deps.store;
    let tenant = &ctx.identity.tenant;
    let (member, info) = ctx.joined(&room).await?;
    Context::<S, C, K>::require(&member, &info, Capability::Configure)?;
    store
        .set_room_mode(tenant, &room, mode)
        .await
        .map_err(store_error)?;
    ctx.reply(&ServerFrame::Room {
        room: room.clone(),
        mode,
        request_id: ctx.request_id.clone(),
    })
    .await;
    let members = store
        .room_members(tenant, &room)
        .await
        .map_err(store_error)?;
    let for_room = ServerFrame::Room {
        room,
        mode,
        request_id: None,
    };
    ctx.broadcaster()
        .to_members(&members, &for_room, Some(ctx.connection))
        .await;
    Ok(())
}
