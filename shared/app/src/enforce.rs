//! Carrying out sanctions, shared by moderators' actions (`ws-message`), automatic
//! escalation (inline and asynchronous) and the `moderation` function: record,
//! then act — the sanction and its decision are stored before anyone is told or
//! disconnected, so nothing is done that the record does not show.

use sideline_domain::config::Limits;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::moderation::{
    violation_window_start, Decision, DecisionKind, Sanction, SanctionKind, Scope, Stage,
};
use sideline_domain::time::format_time;
use sideline_ports::{
    ConnectionRegistry, Connections, CounterError, Counters, DecisionError, DecisionLog, Ports,
    PostError, RegistryError, RoomError, RoomStore, SanctionError, Sanctions,
};
use sideline_protocol::ServerFrame;

/// Why a sanction could not be carried out; nothing was announced.
#[derive(Debug, thiserror::Error)]
pub enum EnforceError {
    #[error("sanction not stored")]
    Sanction(#[from] SanctionError),
    #[error("decision not recorded")]
    Decision(#[from] DecisionError),
    #[error("the user's connections could not be found")]
    Registry(#[from] RegistryError),
    #[error("the room's members could not be read")]
    Room(#[from] RoomError),
    #[error("the violation could not be counted")]
    Counter(#[from] CounterError),
}

/// Imposes `sanction` and records `decision`; then a muted or banned user's
/// connections (in the room, or all of them for a tenant-wide sanction) are told
/// with a `sanctioned` frame, and a banned user's are closed. A shadow-ban is never
/// announced.
pub async fn impose<P: Ports>(
    ports: &P,
    tenant: &TenantId,
    sanction: &Sanction,
    decision: &Decision,
) -> Result<(), EnforceError> {
    ports.store().put_sanction(tenant, sanction).await?;
    ports.store().record_decision(decision).await?;
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
    let targets = user_connections_in(
        ports.store(),
        ports.store(),
        tenant,
        &sanction.user,
        &sanction.scope,
    )
    .await?;
    let connections = ports.connections();
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
pub async fn user_connections_in<G: ConnectionRegistry, R: RoomStore>(
    registry: &G,
    rooms: &R,
    tenant: &TenantId,
    user: &UserId,
    scope: &Scope,
) -> Result<Vec<ConnectionId>, EnforceError> {
    Ok(match scope {
        Scope::Tenant => registry.user_connections(tenant, user).await?,
        Scope::Room(room) => rooms
            .room_members(tenant, room)
            .await?
            .into_iter()
            .filter(|m| &m.user == user)
            .map(|m| m.connection_id)
            .collect(),
    })
}

/// Counts one violation by `user` and, every `escalation_violations`-th violation
/// in a window, mutes them tenant-wide for `escalation_mute`. Returns the mute when
/// one was imposed.
pub async fn record_violation<P: Ports>(
    ports: &P,
    limits: &Limits,
    violation: Violation<'_>,
) -> Result<Option<Sanction>, EnforceError> {
    let Violation {
        tenant,
        user,
        room,
        now_ms,
        correlation_id,
    } = violation;
    let every = limits.escalation_violations;
    if every == 0 {
        return Ok(None);
    }
    let window_ms = i64::try_from(limits.escalation_window.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    let start = violation_window_start(limits, now_ms);
    let count = ports
        .store()
        .count_violation(
            tenant,
            user,
            start,
            start.saturating_add(window_ms) / 1000 + 1,
        )
        .await?;
    if count < every || count % every != 0 {
        return Ok(None);
    }
    let mute_s = limits.escalation_mute.as_secs() as i64;
    let until_ms = now_ms + mute_s * 1000;
    // Never shorten a mute a moderator (or an earlier escalation) already gave.
    let longer = ports
        .store()
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
    impose(ports, tenant, &sanction, &decision).await?;
    Ok(Some(sanction))
}

/// One violation: by whom, where, when, and the request that caused it.
#[derive(Debug, Clone, Copy)]
pub struct Violation<'a> {
    pub tenant: &'a TenantId,
    pub user: &'a UserId,
    pub room: Option<&'a RoomId>,
    pub now_ms: i64,
    pub correlation_id: Option<&'a str>,
}
