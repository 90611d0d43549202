//! `configure`: admins set a room's mode (moderators may too, with `moderate`
//! `mode`); everyone in the room gets a `room` frame so clients can recompute what
//! they may do. The change is recorded as a decision.

use sideline_shared::moderation::record::{Decision, DecisionKind};
use sideline_shared::ports::{Clock, Connections, Member, RoomInfo, Store};
use sideline_shared::protocol::{FrameError, ServerFrame};
use sideline_shared::room::{Capability, RoomId, RoomMode};

use crate::{store_error, Context};

pub async fn apply<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    room: RoomId,
    mode: RoomMode,
) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    let (member, info) = ctx.joined(&room).await?;
    Context::<S, C, K>::require(&member, &info, Capability::Configure)?;
    set_mode(ctx, &member, info, room, mode).await
}

/// Sets the mode, records it, tells the room.
pub async fn set_mode<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    member: &Member,
    info: RoomInfo,
    room: RoomId,
    mode: RoomMode,
) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    let store = &ctx.deps.store;
    store
        .set_room_mode(&ctx.identity.tenant, &room, mode)
        .await
        .map_err(store_error)?;
    let mut decision = Decision::human(
        &ctx.identity.tenant,
        DecisionKind::RoomModeSet,
        &ctx.identity.user,
        member.role,
        ctx.now_ms,
    );
    decision.room = Some(room.clone());
    decision.reason = Some(format!("mode {}", mode.as_str()));
    decision.correlation_id = ctx.request_id.clone();
    store
        .record_decision(&decision)
        .await
        .map_err(store_error)?;
    announce(ctx, room, RoomInfo { mode, ..info }).await
}

/// Sends the room's settings to the requester (with its `requestId`) and to
/// everyone else in the room.
pub async fn announce<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    room: RoomId,
    info: RoomInfo,
) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    ctx.reply(&ServerFrame::Room {
        room: room.clone(),
        mode: info.mode,
        slow_mode_s: info.slow_mode_s,
        request_id: ctx.request_id.clone(),
    })
    .await;
    let members = ctx
        .deps
        .store
        .room_members(&ctx.identity.tenant, &room)
        .await
        .map_err(store_error)?;
    let for_room = ServerFrame::Room {
        room,
        mode: info.mode,
        slow_mode_s: info.slow_mode_s,
        request_id: None,
    };
    ctx.broadcaster()
        .to_members(&members, &for_room, Some(ctx.connection))
        .await;
    Ok(())
}
