//! Host product events over HTTP (`POST /events`, API Gateway HTTP API payload 2.0),
//! so product usage such as `video_watched` lines up with community behaviour.
//!
//! Requests are signed: `X-Sideline-Timestamp: <unix seconds>` and
//! `X-Sideline-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, with at
//! most five minutes of clock skew. A batch holds up to 100 events; the valid ones
//! are published even when others are refused, and the answer says which were.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sideline_app::publish::publish;
use sideline_domain::events::{derived_id, Actor, Envelope, SCHEMA_VERSION};
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::time::format_time;
use sideline_ports::{EventSink, PutEntry};
use sideline_token::signing::{self, Scheme};
use tracing::{error, info, warn};

use crate::{IngestConfig, Stamp};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most events in one request.
pub const MAX_EVENTS: usize = 100;
/// Largest `data` object of one event, serialised.
pub const MAX_DATA_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on the signature's timestamp.
pub const MAX_SKEW_SECS: i64 = signing::MAX_SKEW_SECS;

/// An HTTP API (payload 2.0) request; only what is read here.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub headers: HashMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
}

/// An HTTP API response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status_code: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

fn respond(status_code: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status_code,
        headers: HashMap::from([("content-type".to_owned(), "application/json".to_owned())]),
        body: body.to_string(),
    }
}

fn refuse(status: u16, reason: &str) -> HttpResponse {
    respond(status, json!({ "error": reason }))
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The signature header value for `body` at `timestamp` (for clients and tests).
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    signing::sign(secret, timestamp, Scheme::V1 { body })
}

fn verify(
    secret: &[u8],
    request: &HttpRequest,
    body: &str,
    now_s: i64,
) -> Result<(), &'static str> {
    signing::verify(
        secret,
        header(request, "x-sideline-timestamp"),
        header(request, "x-sideline-signature"),
        Scheme::V1 { body },
        now_s,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HostEvent {
    name: String,
    tenant: String,
    user_id: String,
    #[serde(default)]
    room_id: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    occurred_at: Option<i64>,
    #[serde(default)]
    data: Option<Map<String, Value>>,
    #[serde(default)]
    meta: Option<Map<String, Value>>,
}

/// Validates one host event into an envelope.
fn envelope(raw: &Value, now_ms: i64) -> Result<Envelope, String> {
    let e: HostEvent = serde_json::from_value(raw.clone()).map_err(|e| e.to_string())?;
    if e.name.is_empty()
        || e.name.len() > 64
        || !e
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err("name must be 1 to 64 of a-z, 0-9 and _".into());
    }
    let tenant = TenantId::parse(&e.tenant).map_err(|e| e.to_string())?;
    if e.user_id.is_empty() || e.user_id.len() > 256 {
        return Err("userId must be 1 to 256 bytes".into());
    }
    let room = e
        .room_id
        .as_deref()
        .map(RoomId::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    let data = e.data.unwrap_or_default();
    let data_text = serde_json::to_string(&data).unwrap_or_default();
    if data_text.len() > MAX_DATA_BYTES {
        return Err(format!("data is over {MAX_DATA_BYTES} bytes"));
    }
    if let Some(id) = &e.event_id {
        if id.is_empty() || id.len() > 128 {
            return Err("eventId must be 1 to 128 characters".into());
        }
    }
    let occurred_ms = match e.occurred_at {
        Some(ms) if ms > 0 && ms <= now_ms.saturating_add(MAX_SKEW_SECS * 1000) => ms,
        Some(_) => return Err("occurredAt must be epoch milliseconds, not in the future".into()),
        None => now_ms,
    };
    let mut meta = Map::new();
    for (key, value) in e.meta.unwrap_or_default() {
        if matches!(key.as_str(), "device" | "lang" | "appVersion" | "platform")
            && value.is_string()
        {
            meta.insert(key, value);
        }
    }
    meta.insert("source".into(), json!("host"));
    let user = UserId::derive(&tenant, &e.user_id);
    // The same host event sent twice (a retry) gets the same id.
    let id_name = match &e.event_id {
        Some(id) => format!("host\u{1f}{tenant}\u{1f}{id}"),
        None => format!(
            "host\u{1f}{tenant}\u{1f}{}\u{1f}{}\u{1f}{occurred_ms}\u{1f}{data_text}",
            e.name, e.user_id
        ),
    };
    let event_id = derived_id(&id_name);
    Ok(Envelope {
        correlation_id: e.event_id.clone().unwrap_or_else(|| event_id.clone()),
        event_id,
        event_type: format!("product.{}", e.name),
        analytics_name: e.name,
        schema_version: SCHEMA_VERSION,
        occurred_at: format_time(occurred_ms),
        tenant_id: tenant.to_string(),
        room_id: room.map(|r| r.to_string()),
        actor: Actor {
            canonical_id: user.to_string(),
            role: "host".into(),
        },
        data: Value::Object(data),
        meta,
    })
}

/// Reads a signed request's body: the batch's events, each an envelope or the
/// reason it is refused; the error is the reason the whole batch is refused.
pub fn read_batch(body: &str, now_ms: i64) -> Result<Vec<Result<Envelope, String>>, &'static str> {
    let parsed: Value = serde_json::from_str(body).map_err(|_| "body is not valid JSON")?;
    let events = parsed
        .get("events")
        .and_then(Value::as_array)
        .ok_or("body must be {\"events\": [...]}")?;
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err("events must hold 1 to 100 events");
    }
    Ok(events.iter().map(|raw| envelope(raw, now_ms)).collect())
}

/// Handles `POST /events`.
pub async fn handle_host_events<E: EventSink>(
    request: HttpRequest,
    sink: &E,
    config: &IngestConfig,
    now_ms: i64,
    stamp: &impl Stamp,
) -> HttpResponse {
    let Some(secret) = config.host_secret.as_deref() else {
        return refuse(403, "host events are not enabled (no secret configured)");
    };
    if request.is_base64_encoded {
        return refuse(415, "send the batch as application/json");
    }
    let body = request.body.as_deref().unwrap_or_default();
    if body.len() > MAX_BODY_BYTES {
        return refuse(413, "body is over 256 KB");
    }
    if let Err(reason) = verify(secret, &request, body, now_ms / 1000) {
        warn!(reason, "host events refused");
        return refuse(401, reason);
    }
    let events = match read_batch(body, now_ms) {
        Ok(events) => events,
        Err(reason) => return refuse(400, reason),
    };
    let mut entries = Vec::new();
    let mut origin = Vec::new();
    let mut rejected = Vec::new();
    for (index, mut made) in events.into_iter().enumerate() {
        if let Ok(env) = &mut made {
            match stamp.stamp(env).await {
                Ok(true) => {}
                // Accepted and dropped: an erased user's events go nowhere.
                Ok(false) => continue,
                Err(err) => {
                    error!(error = %err, "could not read the tenant's experiment or a pseudonym");
                    return refuse(503, "settings unavailable; send the batch again");
                }
            }
        }
        match made.and_then(|env| {
            serde_json::to_string(&env)
                .map(|detail| (env.event_type, detail))
                .map_err(|e| e.to_string())
        }) {
            Ok((detail_type, detail)) => {
                entries.push(PutEntry {
                    source: config.source.clone(),
                    detail_type,
                    detail,
                    event_bus_name: config.bus.clone(),
                });
                origin.push(index);
            }
            Err(reason) => rejected.push(json!({"index": index, "reason": reason})),
        }
    }
    if entries.is_empty() {
        return respond(400, json!({"accepted": 0, "rejected": rejected}));
    }
    let report = publish(sink, &entries, &config.retry).await;
    let failed: Vec<usize> = report.failed.iter().map(|&i| origin[i]).collect();
    info!(
        accepted = entries.len() - failed.len(),
        rejected = rejected.len(),
        failed = failed.len(),
        "host events"
    );
    if !failed.is_empty() {
        // Retrying the whole batch is safe: event ids are deterministic.
        return respond(
            503,
            json!({"accepted": entries.len() - failed.len(), "rejected": rejected, "failed": failed}),
        );
    }
    respond(
        202,
        json!({"accepted": entries.len(), "rejected": rejected}),
    )
}
