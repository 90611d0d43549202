//! Carrying out sanctions, shared by moderators' actions (`ws-message`), automatic
//! escalation (inline and asynchronous) and the `moderation` function: record,
//! then act — the sanction and its decision are stored before anyone is told or
//! disconnected, so nothing is done that the record does not show.

use crate::config::Limits;
use crate::identity::{TenantId, UserId};
use crate::moderation::record::{Decision, DecisionKind, Sanction, SanctionKind, Scope, Stage};
use crate::ports::{ConnectionId, Connections, PostError, Store, StoreError};
use crate::protocol::{format_time, ServerFrame};
use crate::room::RoomId;

/// Imposes `sanction` and records `decision`; then a muted or banned user's
/// connections (in the room, or all of them for a tenant-wide sanction) are told
/// with a `sanctioned` frame, and a banned user's are closed. A shadow-ban is never
/// announced.
pub async fn impose<S: Store, C: Connections>(
    store: &S,
    connections: &C,
    tenant: &TenantId,
    sanction: &Sanction,
    decision: &Decision,
) -> Result<(), StoreError> {
    store.put_sanction(tenant, sanction).await?;
    store.record_decision(decision).await?;
    tracing::info!(
        user = %sanction.user,
        sanction = sanction.kind.as_str(),
        room = sanction.scope.room().map(RoomId::as_str).unwrap_or("*"),
        until = ?sanction.until_ms,
        stage = decision.stage.as_str(),
        "sanction imposed"
    );
    if sanction.kind == SanctionKind::ShadowBan {
        return Ok(());
    }
    let targets = user_connections_in(store, tenant, &sanction.user, &sanction.scope).await?;
    let frame = ServerFrame::Sanctioned {
        room: sanction.scope.room().cloned(),
        sanction: sanction.kind,
        until: sanction.until_ms.map(format_time),
        reason: sanction.reason.clone(),
    }
    .to_bytes();
    for id in &targets {
        match connections.post(id, &frame).await {
            Ok(()) | Err(PostError::Gone) => {}
            Err(err) => {
                tracing::warn!(connection_id = %id, error = %err, "could not tell a sanctioned user")
            }
        }
        if sanction.kind == SanctionKind::Ban {
            match connections.disconnect(id).await {
                Ok(()) | Err(PostError::Gone) => {}
                Err(err) => {
                    tracing::warn!(connection_id = %id, error = %err, "could not close a banned user's connection")
                }
            }
        }
    }
    Ok(())
}

/// A user's connections in `scope`: those that joined the room, or all of them.
pub async fn user_connections_in<S: Store>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    scope: &Scope,
) -> Result<Vec<ConnectionId>, StoreError> {
    Ok(match scope {
        Scope::Tenant => store.user_connections(tenant, user).await?,
        Scope::Room(room) => store
            .room_members(tenant, room)
            .await?
            .into_iter()
            .filter(|m| &m.user == user)
            .map(|m| m.connection_id)
            .collect(),
    })
}

/// Where the violation window that contains `now_ms` starts.
pub fn violation_window_start(limits: &Limits, now_ms: i64) -> i64 {
    let window_ms = (limits.escalation_window.as_millis() as i64).max(1);
    now_ms - now_ms.rem_euclid(window_ms)
}

/// An author's reputation from their recent violations: 0.5 (unknown, clean) less
/// 0.1 per violation in the current window, so thresholds tighten for repeat
/// offenders. (Engagement scoring will add the positive side.)
pub fn reputation(recent_violations: u32) -> f32 {
    (0.5 - 0.1 * recent_violations as f32).clamp(0.0, 1.0)
}

/// Counts one violation by `user` and, every `escalation_violations`-th violation
/// in a window, mutes them tenant-wide for `escalation_mute`. Returns the mute when
/// one was imposed.
#[allow(clippy::too_many_arguments)]
pub async fn record_violation<S: Store, C: Connections>(
    store: &S,
    connections: &C,
    limits: &Limits,
    tenant: &TenantId,
    user: &UserId,
    room: Option<&RoomId>,
    now_ms: i64,
    correlation_id: Option<&str>,
) -> Result<Option<Sanction>, StoreError> {
    let every = limits.escalation_violations;
    if every == 0 {
        return Ok(None);
    }
    let window_ms = (limits.escalation_window.as_millis() as i64).max(1);
    let start = violation_window_start(limits, now_ms);
    let count = store
        .count_violation(tenant, user, start, (start + window_ms) / 1000 + 1)
        .await?;
    if count < every || count % every != 0 {
        return Ok(None);
    }
    let mute_s = limits.escalation_mute.as_secs() as i64;
    let until_ms = now_ms + mute_s * 1000;
    // Never shorten a mute a moderator (or an earlier escalation) already gave.
    let longer = store
        .sanctions(tenant, user, now_ms)
        .await?
        .iter()
        .any(|s| {
            s.kind == SanctionKind::Mute
                && s.scope == Scope::Tenant
                && s.until_ms.is_none_or(|until| until >= until_ms)
        });
    if longer {
        return Ok(None);
    }
    let reason = format!(
        "{count} moderated messages in {} min",
        limits.escalation_window.as_secs().div_ceil(60)
    );
    let sanction = Sanction {
        user: user.clone(),
        kind: SanctionKind::Mute,
        scope: Scope::Tenant,
        until_ms: Some(until_ms),
        reason: Some(reason.clone()),
        by: "system".into(),
        by_role: None,
        at_ms: now_ms,
    };
    let mut decision =
        Decision::automatic(tenant, DecisionKind::UserMuted, Stage::Escalation, now_ms);
    decision.room = room.cloned();
    decision.subject = Some(user.clone());
    decision.reason = Some(reason);
    decision.duration_s = Some(mute_s);
    decision.correlation_id = correlation_id.map(str::to_owned);
    impose(store, connections, tenant, &sanction, &decision).await?;
    Ok(Some(sanction))
}
