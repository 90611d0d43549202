//! `typing`: tell the others someone is writing. Ephemeral (never stored) and
//! throttled per connection and room; throttled frames are dropped silently.

use sideline_shared::ports::{Clock, Connections, Store};
use sideline_shared::protocol::{FrameError, ServerFrame, UserView};
use sideline_shared::room::{Capability, RoomId};

use crate::{store_error, Context};

pub async fn apply<S, C, K>(ctx: &Context<'_, S, C, K>, room: RoomId) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    let (member, info) = ctx.joined(&room).await?;
    Context::<S, C, K>::require(&member, &info, Capability::Write)?;
    let gap_ms = ctx.deps.limits.typing_throttle.as_millis() as i64;
    if !ctx
        .deps
        .typing
        .allow(ctx.connection, &room, ctx.now_ms, gap_ms)
    {
        return Ok(());
    }
    let members = ctx
        .deps
        .store
        .room_members(&ctx.identity.tenant, &room)
        .await
        .map_err(store_error)?;
    let frame = ServerFrame::Typing {
        room,
        user: UserView {
            id: ctx.identity.user.clone(),
            name: ctx.identity.name.clone(),
            role: member.role,
        },
    };
    ctx.broadcaster()
        .to_members(&members, &frame, Some(ctx.connection))
        .await;
    Ok(())
}
