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

use std::collections::HashMap;
use std::sync::Mutex;

use sideline_shared::config::Limits;
use sideline_shared::fanout::Broadcaster;
use sideline_shared::identity::Identity;
use sideline_shared::lambda::{ProxyResponse, WebSocketEvent};
use sideline_shared::message::{MessageId, StoredMessage};
use sideline_shared::moderation::policy::Policies;
use sideline_shared::moderation::record::{human_duration, strongest, Sanction, SanctionKind};
use sideline_shared::ports::{
    Clock, ConnectionId, Connections, Member, PostError, RoomInfo, Store, StoreError,
};
use sideline_shared::protocol::{parse_frame, Command, ErrorCode, FrameError, ServerFrame};
use sideline_shared::room::{can, Capability, RoomId};
use tracing::{error, info_span, warn, Instrument};

pub mod actions;

/// Everything the handler needs, built once per cold start.
pub struct MessageDeps<S, C, K> {
    pub store: S,
    pub connections: C,
    pub clock: K,
    pub limits: Limits,
    /// The inline moderation stage every `send` goes through, per tenant.
    pub policies: Policies,
    typing: TypingThrottle,
}

impl<S, C, K> MessageDeps<S, C, K> {
    pub fn new(store: S, connections: C, clock: K, limits: Limits) -> Self {
        Self {
            store,
            connections,
            clock,
            limits,
            policies: Policies::default(),
            typing: TypingThrottle::default(),
        }
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
pub struct Context<'a, S, C, K> {
    pub deps: &'a MessageDeps<S, C, K>,
    pub identity: &'a Identity,
    pub connection: &'a ConnectionId,
    pub request_id: Option<String>,
    pub now_ms: i64,
}

impl<S: Store, C: Connections, K: Clock> Context<'_, S, C, K> {
    /// Sends a frame to the connection that sent the request. A sender that has
    /// gone meanwhile is not an error.
    pub async fn reply(&self, frame: &ServerFrame) {
        match self
            .deps
            .connections
            .post(self.connection, &frame.to_bytes())
            .await
        {
            Ok(()) | Err(PostError::Gone) => {}
            Err(err) => {
                warn!(error = %err, cause = ?std::error::Error::source(&err), "reply failed")
            }
        }
    }

    pub fn broadcaster(&self) -> Broadcaster<'_, S, C> {
        Broadcaster {
            store: &self.deps.store,
            connections: &self.deps.connections,
            limits: &self.deps.limits,
            tenant: &self.identity.tenant,
        }
    }

    /// This connection's membership of `room`, or `forbidden` if it has not joined.
    pub async fn joined(&self, room: &RoomId) -> Result<(Member, RoomInfo), FrameError> {
        self.deps
            .store
            .membership(&self.identity.tenant, room, self.connection)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                FrameError::new(ErrorCode::Forbidden, format!("join room `{room}` first"))
            })
    }

    /// `forbidden` unless the member's role may do `capability` in the room's mode.
    pub fn require(
        member: &Member,
        info: &RoomInfo,
        capability: Capability,
    ) -> Result<(), FrameError> {
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
}

impl<S: Store, C: Connections, K: Clock> Context<'_, S, C, K> {
    /// The sanctions on the sender in force now.
    pub async fn sanctions(&self) -> Result<Vec<Sanction>, FrameError> {
        self.deps
            .store
            .sanctions(&self.identity.tenant, &self.identity.user, self.now_ms)
            .await
            .map_err(store_error)
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
        self.deps
            .store
            .message(&self.identity.tenant, room, id)
            .await
            .map_err(store_error)?
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

/// Store errors as clients see them: the cause goes to the log, not the client.
pub fn store_error(err: StoreError) -> FrameError {
    match err {
        StoreError::NotFound { what } => {
            FrameError::new(ErrorCode::NotFound, format!("{what} not found"))
        }
        StoreError::LimitReached(message) => FrameError::new(ErrorCode::Forbidden, message),
        StoreError::Conflict(message) => FrameError::new(ErrorCode::Conflict, message),
        err @ (StoreError::Unavailable(_) | StoreError::Corrupt(_)) => {
            error!(error = %err, cause = ?std::error::Error::source(&err), "store failed");
            FrameError::new(ErrorCode::Internal, "something went wrong; try again")
        }
    }
}

/// The `$default` route handler. Always answers 200: the outcome of a frame
/// reaches the client as frames.
pub async fn handle<S, C, K>(event: WebSocketEvent, deps: &MessageDeps<S, C, K>) -> ProxyResponse
where
    S: Store,
    C: Connections,
    K: Clock,
{
    let ctx = event.request_context;
    let Some(connection) = ctx.connection() else {
        error!(connection_id = %ctx.connection_id, "event without a usable connection id");
        return ProxyResponse::status(400, "bad connection id");
    };
    let span = info_span!("ws_message", connection_id = %connection, request_id = ctx.request_id.as_deref().unwrap_or(""));
    async move {
        let identity = match ctx.identity() {
            Ok(identity) => identity,
            Err(err) => {
                error!(error = %err, "no identity; is the authorizer attached?");
                let frame = FrameError::new(ErrorCode::Unauthorized, "no identity for this connection").to_frame();
                let _ = deps.connections.post(&connection, &frame.to_bytes()).await;
                return ProxyResponse::ok();
            }
        };
        let frame = if event.is_base64_encoded {
            Err(FrameError::bad_request("binary frames are not supported; send JSON text"))
        } else {
            parse_frame(event.body.as_deref().unwrap_or_default(), &deps.limits)
        };
        let now_ms = deps.clock.now_ms();
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
                let client_msg_id = match &command {
                    Command::Send { client_msg_id, .. } => Some(client_msg_id.as_str().to_owned()),
                    _ => None,
                };
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
            match deps.connections.post(&connection, &frame.to_bytes()).await {
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
