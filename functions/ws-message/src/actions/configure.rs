//! `configure`: admins set a room's mode (moderators may too, with `moderate`
//! `mode`); everyone in the room gets a `room` frame so clients can recompute what
//! they may do. The change is recorded as a decision.

use sideline_domain::connection::Member;
use sideline_domain::ids::RoomId;
use sideline_domain::moderation::{Decision, DecisionKind};
use sideline_domain::room::{Capability, RoomInfo, RoomMode};
use sideline_ports::{DecisionLog, Ports, RoomStore};
use sideline_protocol::{Configure, FrameError, ServerFrame};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Configure {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Configure { room, mode } = self;

        let (member, info) = ctx.member_may(&room, Capability::Configure).await?;
        set_mode(ctx, &member, info, room, mode).await
    }
}

/// Sets the mode, records it, tells the room.
pub async fn set_mode<P: Ports>(
    ctx: &Context<'_, P>,
    member: &Member,
    info: RoomInfo,
    room: RoomId,
    mode: RoomMode,
) -> Result<(), FrameError> {
    let store = ctx.store();
    store
        .set_room_mode(&ctx.identity.tenant, &room, mode)
        .await
        .map_err(client_error)?;
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
        .map_err(client_error)?;
    announce(ctx, room, RoomInfo { mode, ..info }).await
}

/// Sends the room's settings to the requester (with its `requestId`) and to
/// everyone else in the room: the mode in force (`readonly` outside the host's
/// schedule, whatever mode is set).
pub async fn announce<P: Ports>(
    ctx: &Context<'_, P>,
    room: RoomId,
    info: RoomInfo,
) -> Result<(), FrameError> {
    let info = RoomInfo {
        mode: info.mode_at(ctx.now_ms),
        ..info
    };
    ctx.reply(&ServerFrame::Room {
        room: room.clone(),
        mode: info.mode,
        slow_mode_s: info.slow_mode_s,
        request_id: ctx.request_id.clone(),
    })
    .await;
    let members = ctx
        .store()
        .room_members(&ctx.identity.tenant, &room)
        .await
        .map_err(client_error)?;
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
