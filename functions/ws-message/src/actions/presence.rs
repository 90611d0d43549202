//! `presence`: who is in a room now (users, not connections; counts only in large
//! rooms).

use sideline_shared::fanout::presence_view;
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
    ctx.joined(&room).await?;
    let members = ctx
        .deps
        .store
        .room_members(&ctx.identity.tenant, &room)
        .await
        .map_err(store_error)?;
    ctx.reply(&ServerFrame::Presence {
        room,
        presence: presence_view(&members, ctx.deps.limits.presence_list_max),
        request_id: ctx.request_id.clone(),
    })
    .await;
    Ok(())
}
