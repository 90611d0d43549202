//! `ws-message`: the `$default` route. Every client frame arrives here, is parsed
//! into a [`Command`], checked against the room's role × mode table, and applied.
//! Replies and broadcasts go out through the `@connections` API; a bad frame gets
//! an `error` frame, never a closed connection, and stores nothing.
//!
//! # Layout
//!
//! - [`handle`]: the Lambda handler, a plain async fn over its ports.
//! - [`actions`]: one module and one `apply` per client action.
//! - [`Context`]: what every action gets — identity, connection, ports, clock.
//! - [`errors`]: what clients read when a port fails, written once.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use sideline_app::fanout::Broadcaster;
use sideline_app::standing::{Current, StandingError, TenantSettings};
use sideline_domain::config::Limits;
use sideline_domain::connection::Member;
use sideline_domain::identity::Identity;
use sideline_domain::ids::{ConnectionId, RoomId};
use sideline_domain::message::{MessageId, StoredMessage};
use sideline_domain::moderation::{human_duration, strongest, Sanction, SanctionKind};
use sideline_domain::room::{can, Capability, RoomInfo};
use sideline_domain::scoring::Tier;
use sideline_inline::policy::Policies;
use sideline_lambda::{ProxyResponse, WebSocketEvent};
use sideline_ports::{
    Adapters, Clock, Connections, MessageStore, Ports, PostError, RoomStore, Sanctions, ScoreStore,
};
use sideline_protocol::{parse_frame, ErrorCode, FrameError, ServerFrame};
use tracing::{error, info_span, warn, Instrument};

pub mod actions;
pub mod errors;

pub use errors::client_error;

/// Everything the handler needs, built once per cold start: the ports and the
/// configuration. Derefs to the ports, so `deps.store` reads as it says.
pub struct MessageDeps<P> {
    pub ports: P,
    pub limits: Limits,
    /// The inline moderation stage every `send` goes through, per tenant.
    pub policies: Policies,
    /// Tenants' settings documents (scoring, tiers, privileges), re-read within a
    /// minute of a change.
    pub settings: Arc<TenantSettings>,
    /// Which rooms are hot enough for the coalesced fan-out, as this instance
    /// sees them.
    pub hot: sideline_app::coalesce::HotRooms,
    typing: TypingThrottle,
}

impl<S, C, K> MessageDeps<Adapters<S, C, K>> {
    /// The deps over one store, one `@connections` and one clock.
    pub fn new(store: S, connections: C, clock: K, limits: Limits) -> Self {
        Self::with_ports(
            Adapters {
                store,
                connections,
                clock,
            },
            limits,
        )
    }
}

impl<P> MessageDeps<P> {
    pub fn with_ports(ports: P, limits: Limits) -> Self {
        Self {
            ports,
            limits,
            policies: Policies::default(),
            settings: Arc::new(TenantSettings::default()),
            hot: Default::default(),
            typing: TypingThrottle::default(),
        }
    }
}

impl<P> Deref for MessageDeps<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.ports
    }
}

/// Remembers when each connection last sent `typing` to each room. It lives in the
/// function instance, not the table: typing is never stored, and a second instance
/// letting one extra frame through is harmless.
#[derive(Default)]
struct TypingThrottle {
    last: Mutex<HashMap<(ConnectionId, RoomId), i64>>,
}

/// Entries kept before old ones are pruned.
const TYPING_THROTTLE_ENTRIES: usize = 10_000;

impl TypingThrottle {
    fn allow(&self, connection: &ConnectionId, room: &RoomId, now_ms: i64, gap_ms: i64) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.len() >= TYPING_THROTTLE_ENTRIES {
            last.retain(|_, at| now_ms - *at < gap_ms);
        }
        match last.get(&(connection.clone(), room.clone())) {
            Some(at) if now_ms - *at < gap_ms => false,
            _ => {
                last.insert((connection.clone(), room.clone()), now_ms);
                true
            }
        }
    }
}

/// What every action gets.
pub struct Context<'a, P> {
    pub deps: &'a MessageDeps<P>,
    pub identity: &'a Identity,
    pub connection: &'a ConnectionId,
    pub request_id: Option<String>,
    pub now_ms: i64,
}

impl<P: Ports> Context<'_, P> {
    /// The storage ports.
    pub fn store(&self) -> &P::Store {
        self.deps.ports.store()
    }

    /// Sends a frame to the connection that sent the request. A sender that has
    /// gone meanwhile is not an error.
    pub async fn reply(&self, frame: &ServerFrame) {
        match self
            .deps
            .ports
            .connections()
            .post(self.connection, &frame.to_bytes())
            .await
        {
            Ok(()) | Err(PostError::Gone) => {}
            Err(err) => {
                warn!(error = %err, cause = ?std::error::Error::source(&err), "reply failed")
            }
        }
    }

    pub fn broadcaster(&self) -> Broadcaster<'_, P::Store, P::Store, P::Connections> {
        Broadcaster::of(&self.deps.ports, &self.deps.limits, &self.identity.tenant)
    }

    /// The sender's tier now (decayed to now, as reads show it) and the tenant's
    /// settings in force (what the tier may do, the moderation policy).
    pub async fn tier(&self) -> Result<(Tier, Current), FrameError> {
        let tenant = &self.identity.tenant;
        let (standing, current) = tokio::join!(
            self.store().user_score(tenant, &self.identity.user),
            self.deps
                .settings
                .current(self.store(), tenant, self.now_ms)
        );
        let current = current.map_err(|e| client_error(StandingError::from(e)))?;
        let standing = standing.map_err(|e| client_error(StandingError::from(e)))?;
        let config = &current.config;
        let tier = standing.map_or(Tier::None, |s| {
            s.tier_at(
                self.now_ms,
                &config.scoring,
                config.tiers_for(&self.identity.user),
            )
            .tier
        });
        Ok((tier, current.clone()))
    }

    /// This connection's membership of `room`, or `forbidden` if it has not
    /// joined. The room's mode is the one in force now: `readonly` outside the
    /// host's schedule.
    pub async fn joined(&self, room: &RoomId) -> Result<(Member, RoomInfo), FrameError> {
        let (member, info) = self
            .store()
            .membership(&self.identity.tenant, room, self.connection)
            .await
            .map_err(client_error)?
            .ok_or_else(|| {
                FrameError::new(ErrorCode::Forbidden, format!("join room `{room}` first"))
            })?;
        Ok((
            member,
            RoomInfo {
                mode: info.mode_at(self.now_ms),
                ..info
            },
        ))
    }

    /// This connection's membership of `room`, if its role may do `capability`
    /// there: `forbidden` otherwise, or if it has not joined.
    pub async fn member_may(
        &self,
        room: &RoomId,
        capability: Capability,
    ) -> Result<(Member, RoomInfo), FrameError> {
        let (member, info) = self.joined(room).await?;
        require(&member, &info, capability)?;
        Ok((member, info))
    }

    /// Tells the members of `room` that `message_id` is gone — all of them, or
    /// those `keep` picks.
    pub async fn retract(
        &self,
        room: RoomId,
        message_id: MessageId,
        keep: impl Fn(&Member) -> bool,
    ) -> Result<(), FrameError> {
        let mut members = self
            .store()
            .room_members(&self.identity.tenant, &room)
            .await
            .map_err(client_error)?;
        members.retain(|m| keep(m));
        self.broadcaster()
            .to_members(
                &members,
                &ServerFrame::MessageRemoved { room, message_id },
                None,
            )
            .await;
        Ok(())
    }

    /// The sanctions on the sender in force now.
    pub async fn sanctions(&self) -> Result<Vec<Sanction>, FrameError> {
        self.store()
            .sanctions(&self.identity.tenant, &self.identity.user, self.now_ms)
            .await
            .map_err(client_error)
    }

    /// A message of `room` (whatever its visibility), or `not_found`.
    pub async fn message(
        &self,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<StoredMessage, FrameError> {
        self.find_message(room, id, false).await
    }

    /// A message of `room` the sender may see, or `not_found`.
    pub async fn visible_message(
        &self,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<StoredMessage, FrameError> {
        self.find_message(room, id, true).await
    }

    async fn find_message(
        &self,
        room: &RoomId,
        id: &MessageId,
        visible: bool,
    ) -> Result<StoredMessage, FrameError> {
        self.store()
            .message(&self.identity.tenant, room, id)
            .await
            .map_err(client_error)?
            .filter(|m| !visible || m.visible_to(&self.identity.user))
            .ok_or_else(|| FrameError::new(ErrorCode::NotFound, "message not found"))
    }

    /// `forbidden` (with the time left) if the sender is banned from or muted in
    /// `room`; `kinds` says which sanctions matter to the action.
    pub fn refuse_if_sanctioned(
        &self,
        sanctions: &[Sanction],
        room: &RoomId,
        kinds: &[SanctionKind],
    ) -> Result<(), FrameError> {
        for kind in kinds {
            if let Some(s) = strongest(sanctions, *kind, room, self.now_ms) {
                let what = match (kind, s.scope.room()) {
                    (SanctionKind::Ban, Some(_)) => "you are banned from this room",
                    (SanctionKind::Ban, None) => "you are banned",
                    (_, Some(_)) => "you are muted in this room",
                    (_, None) => "you are muted",
                };
                let mut message = match s.remaining_ms(self.now_ms) {
                    Some(left) => format!("{what} for another {}", human_duration(left)),
                    None => format!("{what} until a moderator lifts it"),
                };
                if let Some(reason) = &s.reason {
                    message.push_str(&format!(" ({reason})"));
                }
                let mut err = FrameError::new(ErrorCode::Forbidden, message);
                err.retry_after_ms = s.remaining_ms(self.now_ms).map(|ms| ms as u64);
                return Err(err);
            }
        }
        Ok(())
    }
}

/// `forbidden` unless the member's role may do `capability` in the room's mode.
pub fn require(member: &Member, info: &RoomInfo, capability: Capability) -> Result<(), FrameError> {
    if can(member.role, info.mode, capability) {
        Ok(())
    } else {
        Err(FrameError::new(
            ErrorCode::Forbidden,
            format!(
                "a {} may not {} in a {} room",
                member.role,
                capability.as_str(),
                info.mode.as_str()
            ),
        ))
    }
}

/// The `$default` route handler. Always answers 200: the outcome of a frame
/// reaches the client as frames.
pub async fn handle<P: Ports>(event: WebSocketEvent, deps: &MessageDeps<P>) -> ProxyResponse {
    let ctx = event.request_context;
    let connection = match ctx.connection_or_400() {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let span = info_span!("ws_message", connection_id = %connection, request_id = ctx.request_id.as_deref().unwrap_or(""));
    async move {
        let identity = match ctx.identity() {
            Ok(identity) => identity,
            Err(err) => {
                error!(error = %err, "no identity; is the authorizer attached?");
                let frame = FrameError::new(ErrorCode::Unauthorized, "no identity for this connection").to_frame();
                let _ = deps.ports.connections().post(&connection, &frame.to_bytes()).await;
                return ProxyResponse::ok();
            }
        };
        let frame = if event.is_base64_encoded {
            Err(FrameError::bad_request("binary frames are not supported; send JSON text"))
        } else {
            parse_frame(event.body.as_deref().unwrap_or_default(), &deps.limits)
        };
        let now_ms = deps.ports.clock().now_ms();
        let (request_id, result) = match frame {
            Ok(frame) => {
                let request_id = frame.request_id.clone();
                let command = frame.command;
                let context = Context {
                    deps,
                    identity: &identity,
                    connection: &connection,
                    request_id: frame.request_id,
                    now_ms,
                };
                let action = command.action();
                let client_msg_id = command.client_msg_id().map(|id| id.as_str().to_owned());
                let result = actions::apply(&context, command).await.map_err(|mut e| {
                    e.action = Some(action.to_owned());
                    e.client_msg_id = client_msg_id;
                    e
                });
                (request_id, result)
            }
            Err(e) => (e.request_id.clone(), Err(e)),
        };
        if let Err(mut err) = result {
            err.request_id = request_id;
            tracing::info!(code = ?err.code, action = err.action.as_deref().unwrap_or(""), message = %err.message, "frame refused");
            let frame = err.to_frame();
            match deps.ports.connections().post(&connection, &frame.to_bytes()).await {
                Ok(()) | Err(PostError::Gone) => {}
                Err(e) => warn!(error = %e, "could not deliver error frame"),
            }
        }
        ProxyResponse::ok()
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests;
