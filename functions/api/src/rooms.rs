//! The host's room routes: set a room up ahead of time (title, object,
//! schedule), post a system message into it, create and close polls from the
//! backend. Members present get each change at once (a `room` frame with the mode
//! in force, the message, the `poll` frame); clients switch the mode themselves
//! when the schedule's times pass (`joined` carries them).

use serde::Deserialize;
use serde_json::{json, Map, Value};
use sideline_app::fanout::Broadcaster;
use sideline_app::polls::{AnnounceError, PollRoom};
use sideline_domain::identity::Role;
use sideline_domain::ids::{RoomId, TenantId};
use sideline_domain::message::{
    system_author, Author, ClientMsgId, MessageId, MessageText, StoredMessage, Visibility,
};
use sideline_domain::poll::{PollActor, PollId};
use sideline_domain::room::{RoomInfo, RoomProfile, MAX_OBJECT_CHARS, MAX_TITLE_CHARS};
use sideline_domain::scoring::Tier;
use sideline_domain::time::{format_time, parse_instant};
use sideline_ports::{
    ExportFiles, MessageStore, PollError, PollStore, Ports, PutMessage, RoomStore,
};
use sideline_protocol::{parse_new_poll, MessageView, PollView, ServerFrame};
use tracing::{info, warn};

use crate::{backend, percent_decode, ApiDeps, ApiResponse};

/// Longest display name of a system message's author.
pub const MAX_SYSTEM_NAME_CHARS: usize = 64;

/// The room of a path segment, or the answer refusing it.
pub(crate) fn room_of(raw: &str) -> Result<RoomId, ApiResponse> {
    percent_decode(raw)
        .and_then(|r| RoomId::parse(&r).ok())
        .ok_or_else(|| ApiResponse::error(400, "room must be 1 to 128 of A-Z a-z 0-9 : _ . / @ -"))
}

fn object_of(body: &str) -> Result<Map<String, Value>, ApiResponse> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiResponse::error(400, "body must be a JSON object")),
    }
}

/// A short text field: trimmed, 1 to `max` characters, no control characters.
fn short_text(name: &str, raw: Option<String>, max: usize) -> Result<Option<String>, ApiResponse> {
    match raw.map(|t| t.trim().to_owned()) {
        None => Ok(None),
        Some(t) if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) => {
            Err(ApiResponse::error(
                400,
                &format!("{name} must be 1 to {max} characters without control characters"),
            ))
        }
        Some(t) => Ok(Some(t)),
    }
}

fn time_field(name: &str, raw: Option<String>) -> Result<Option<i64>, ApiResponse> {
    raw.map(|t| {
        parse_instant(&t).ok_or_else(|| {
            ApiResponse::error(
                400,
                &format!("{name} must be a time like 2026-12-03T20:45:00Z"),
            )
        })
    })
    .transpose()
}

/// Sends a change already stored to the room's members present; a failure is
/// logged (they see it in history and on their next join).
async fn tell_room<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    room: &RoomId,
    frame: &ServerFrame,
) {
    if let Err(err) = Broadcaster::of(&deps.ports, &deps.limits, tenant)
        .to_room(room, frame, None)
        .await
    {
        warn!(error = %err, room = %room, "change not sent to the room");
    }
}

fn room_json(room: &RoomId, info: &RoomInfo, profile: &RoomProfile) -> Value {
    json!({
        "room": room.as_str(),
        "title": profile.title,
        "object": profile.object,
        "opensAt": info.opens_at_ms.map(format_time),
        "closesAt": info.closes_at_ms.map(format_time),
        "mode": info.mode.as_str(),
        "slowModeS": info.slow_mode_s,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RoomBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    opens_at: Option<String>,
    #[serde(default)]
    closes_at: Option<String>,
}

/// `PUT /rooms/{room}`: the room's title, object and schedule, replacing what
/// was set before (a field left out is cleared); the room is made if nobody
/// joined it yet. Members present get a `room` frame with the mode in force.
pub(crate) async fn put_room<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    room: &RoomId,
    body: &str,
    now_ms: i64,
) -> ApiResponse {
    let parsed: RoomBody = match serde_json::from_str(body) {
        Ok(parsed) => parsed,
        Err(e) => return ApiResponse::error(400, &e.to_string()),
    };
    let profile = match (|| {
        Ok::<_, ApiResponse>(RoomProfile {
            title: short_text("title", parsed.title, MAX_TITLE_CHARS)?,
            object: short_text("object", parsed.object, MAX_OBJECT_CHARS)?,
            opens_at_ms: time_field("opensAt", parsed.opens_at)?,
            closes_at_ms: time_field("closesAt", parsed.closes_at)?,
        })
    })() {
        Ok(profile) => profile,
        Err(refusal) => return refusal,
    };
    if let (Some(opens), Some(closes)) = (profile.opens_at_ms, profile.closes_at_ms) {
        if closes <= opens {
            return ApiResponse::error(400, "closesAt must be after opensAt");
        }
    }
    match deps
        .ports
        .store()
        .put_room_profile(tenant, room, &profile, now_ms)
        .await
    {
        Ok(info) => {
            info!(room = %room, "room set up");
            let frame = ServerFrame::Room {
                room: room.clone(),
                mode: info.mode_at(now_ms),
                slow_mode_s: info.slow_mode_s,
                request_id: None,
            };
            tell_room(deps, tenant, room, &frame).await;
            ApiResponse::json(200, &room_json(room, &info, &profile))
        }
        Err(err) => backend(&err),
    }
}

/// `GET /rooms/{room}`: what `PUT` set, with the room's mode and slow mode.
pub(crate) async fn get_room<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    room: &RoomId,
) -> ApiResponse {
    match deps.ports.store().room_profile(tenant, room).await {
        Ok(Some((info, profile))) => ApiResponse::json(200, &room_json(room, &info, &profile)),
        Ok(None) => ApiResponse::error(404, "no such room"),
        Err(err) => backend(&err),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MessageBody {
    text: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    client_msg_id: Option<String>,
    #[serde(default)]
    reply_to: Option<String>,
}

/// `POST /rooms/{room}/messages`: a system message ("GOAL! 2–1"), by the
/// `system` author, to the room now. With `clientMsgId` a retried post is the
/// same message (`duplicate: true`).
pub(crate) async fn post_message<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    room: &RoomId,
    body: &str,
    now_ms: i64,
) -> ApiResponse {
    let parsed: MessageBody = match serde_json::from_str(body) {
        Ok(parsed) => parsed,
        Err(e) => return ApiResponse::error(400, &e.to_string()),
    };
    let text = match MessageText::parse(&parsed.text, deps.limits.max_text_chars) {
        Ok(text) => text,
        Err(e) => return ApiResponse::error(400, &format!("text: {e}")),
    };
    let name = match short_text("name", parsed.name, MAX_SYSTEM_NAME_CHARS) {
        Ok(name) => name.unwrap_or_else(|| "system".to_owned()),
        Err(refusal) => return refusal,
    };
    let id = MessageId::at(now_ms);
    let client_msg_id = match ClientMsgId::parse(
        parsed
            .client_msg_id
            .as_deref()
            .unwrap_or(&format!("api-{id}")),
    ) {
        Ok(c) => c,
        Err(e) => return ApiResponse::error(400, &format!("clientMsgId: {e}")),
    };
    let reply_to = match parsed.reply_to.as_deref().map(MessageId::parse).transpose() {
        Ok(r) => r,
        Err(e) => return ApiResponse::error(400, &format!("replyTo: {e}")),
    };
    let store = deps.ports.store();
    // A retry is answered before it takes a number (one it took would show as
    // a gap clients wait out; two retries at once may still burn one).
    if parsed.client_msg_id.is_some() {
        match store
            .stored_client_msg(tenant, room, &system_author(), &client_msg_id)
            .await
        {
            Ok(Some(existing)) => {
                return ApiResponse::json(
                    200,
                    &json!({"messageId": existing.to_string(), "duplicate": true}),
                )
            }
            Ok(None) => {}
            Err(err) => return backend(&err),
        }
    }
    // Numbered like members' public messages, so a client that misses its
    // delivery finds the gap and catches up.
    let seq = match store.next_seq(tenant, room).await {
        Ok(seq) => seq,
        Err(err) => return backend(&err),
    };
    let message = StoredMessage {
        tenant: tenant.clone(),
        room: room.clone(),
        id,
        author: Author {
            id: system_author(),
            name,
            role: Role::Admin,
            tier: Tier::None,
        },
        text,
        created_at_ms: now_ms,
        reply_to,
        client_msg_id,
        correlation_id: None,
        reactions: Default::default(),
        visibility: Visibility::Public,
        seq: Some(seq),
        batched: false,
    };
    match store.put_message(&message).await {
        Ok(PutMessage::Duplicate { existing }) => ApiResponse::json(
            200,
            &json!({"messageId": existing.to_string(), "duplicate": true}),
        ),
        Ok(PutMessage::Created) => {
            let frame = ServerFrame::Message {
                message: MessageView::from(&message),
            };
            tell_room(deps, tenant, room, &frame).await;
            info!(room = %room, message_id = %id, "system message posted");
            ApiResponse::json(
                201,
                &json!({"messageId": id.to_string(), "duplicate": false}),
            )
        }
        Err(err) => backend(&err),
    }
}

fn poll_refusal(err: AnnounceError) -> ApiResponse {
    match err {
        AnnounceError::Poll(PollError::TooMany { max }) => ApiResponse::error(
            409,
            &format!("the room already has {max} open polls; close one first"),
        ),
        AnnounceError::Poll(PollError::Closed) => ApiResponse::error(409, "the poll is closed"),
        AnnounceError::Poll(PollError::NotFound) => ApiResponse::error(404, "no such poll"),
        AnnounceError::Poll(PollError::Contended) => {
            ApiResponse::error(409, "the poll kept changing; try again")
        }
        AnnounceError::Poll(PollError::Backend(e)) => backend(&e),
        AnnounceError::Room(e) => backend(&e),
    }
}

/// `POST /rooms/{room}/polls`: a poll from the backend (creator `system`), with
/// the fields of the protocol's `poll` `create`.
pub(crate) async fn post_poll<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    room: &RoomId,
    body: &str,
    now_ms: i64,
) -> ApiResponse {
    let map = match object_of(body) {
        Ok(map) => map,
        Err(refusal) => return refusal,
    };
    let poll = match parse_new_poll(&map)
        .and_then(|op| op.new_poll(tenant, room, PollActor::System, now_ms, None))
    {
        Ok(poll) => poll,
        Err(e) => return ApiResponse::error(400, &e.message),
    };
    let polls = PollRoom {
        ports: &deps.ports,
        limits: &deps.limits,
        tenant,
    };
    match polls.create(&poll, None).await {
        Ok(()) => ApiResponse::json(201, &json!({"poll": PollView::of(&poll, now_ms, None)})),
        Err(err) => poll_refusal(err),
    }
}

/// `POST /rooms/{room}/polls/{pollId}/close`: closes a poll now (any poll of
/// the room: the backend is the host), answering its final tally.
pub(crate) async fn close_poll<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    room: &RoomId,
    id: &str,
    now_ms: i64,
) -> ApiResponse {
    let Ok(id) = PollId::parse(id) else {
        return ApiResponse::error(404, "no such poll");
    };
    let poll = match deps.ports.store().poll(tenant, room, &id).await {
        Ok(Some(poll)) => poll,
        Ok(None) => return ApiResponse::error(404, "no such poll"),
        Err(err) => return backend(&err),
    };
    let polls = PollRoom {
        ports: &deps.ports,
        limits: &deps.limits,
        tenant,
    };
    match polls.close(&poll, &PollActor::System, None).await {
        Ok(closed) => ApiResponse::json(200, &json!({"poll": PollView::of(&closed, now_ms, None)})),
        Err(err) => poll_refusal(err),
    }
}
