//! The `@connections` management API (as the AWS SDK's `apigatewaymanagementapi`
//! client calls it) and the dev token endpoint.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::json;
use sideline_domain::time::format_time;
use sideline_ports::{Clock, Store, SystemClock};
use sideline_token::{mint_hs256, Claims};
use tracing::info;

use crate::{registry_lock, Admit, App, Outbound};

pub(crate) fn routes<S: Store + 'static>() -> Router<Arc<App<S>>> {
    Router::new()
        .route(
            "/@connections/{id}",
            post(post_to_connection::<S>)
                .get(get_connection::<S>)
                .delete(delete_connection::<S>),
        )
        .route(
            "/{stage}/@connections/{id}",
            post(staged_post::<S>)
                .get(staged_get::<S>)
                .delete(staged_delete::<S>),
        )
        .route("/dev/token", get(dev_token::<S>))
        .route("/dev/faults/@connections/{id}", post(fault::<S>))
        .route("/dev/faults/invocations", post(timeout_fault::<S>))
        .route("/events", post(host_events::<S>))
        .route("/v1/{*rest}", any(server_api::<S>))
}

/// An AWS-style error: the SDK reads the type from `x-amzn-ErrorType`.
fn aws_error(status: StatusCode, kind: &'static str, message: &str) -> Response {
    let mut response = (status, Json(json!({ "message": message }))).into_response();
    response
        .headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static(kind));
    response
}

fn gone() -> Response {
    aws_error(
        StatusCode::GONE,
        "GoneException",
        "Connection does not exist",
    )
}

async fn post_to_connection<S: Store>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if body.len() > app.config.message_limit {
        return aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "Payload too large",
        );
    }
    let text = match String::from_utf8(body.to_vec()) {
        Ok(text) => text,
        Err(_) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "BadRequestException",
                "devstack sends text frames only; data must be UTF-8",
            )
        }
    };
    let admitted = app.timeout.admit();
    if admitted == Admit::Lost {
        info!(connection_id = %id, "post lost: its invocation timed out (a fault asked for)");
        return StatusCode::GATEWAY_TIMEOUT.into_response();
    }
    let registry = registry_lock(&app.registry);
    let delivered = match registry.get(&id) {
        Some(socket) if take_one(&socket.drop_posts) => {
            info!(connection_id = %id, "post lost on purpose (a fault asked for)");
            StatusCode::OK.into_response()
        }
        Some(socket) if socket.outbound.send(Outbound::Text(text)).is_ok() => {
            StatusCode::OK.into_response()
        }
        _ => gone(),
    };
    if admitted == Admit::Last {
        app.timeout.stop();
    }
    delivered
}

/// Takes one from a count above zero.
fn take_one(count: &std::sync::atomic::AtomicU32) -> bool {
    count
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// `POST /dev/faults/@connections/{id}` with `{"dropPosts": n}` (0 to 1,000): the
/// next `n` posts to the connection are answered 200 and never delivered, as when
/// a fan-out dies half-way, so clients' catch-up can be tried. devstack only.
async fn fault<S: Store>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let drop_posts = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("dropPosts").and_then(serde_json::Value::as_u64))
        .filter(|n| *n <= 1000);
    let Some(drop_posts) = drop_posts.and_then(|n| u32::try_from(n).ok()) else {
        return (StatusCode::BAD_REQUEST, "send {\"dropPosts\": 0 to 1000}").into_response();
    };
    let registry = registry_lock(&app.registry);
    match registry.get(&id) {
        Some(socket) => {
            socket.drop_posts.store(drop_posts, Ordering::SeqCst);
            StatusCode::NO_CONTENT.into_response()
        }
        None => gone(),
    }
}

/// `POST /dev/faults/invocations` with `{"timeoutAfterPosts": n}` (1 to 1,000):
/// after the next `n` posts any function delivers, the `ws-message` invocations
/// running are stopped where they are, as at a Lambda timeout; posts they still
/// had in flight (any post in the next 200 ms) are lost (answered 504). A send cut short this way has its
/// message stored and, past the cut, delivered to no one: clients find the gap
/// in the numbers. devstack only.
async fn timeout_fault<S: Store>(State(app): State<Arc<App<S>>>, body: Bytes) -> Response {
    let after = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("timeoutAfterPosts")
                .and_then(serde_json::Value::as_u64)
        })
        .filter(|n| (1..=1000).contains(n))
        .and_then(|n| u32::try_from(n).ok());
    let Some(after) = after else {
        return (
            StatusCode::BAD_REQUEST,
            "send {\"timeoutAfterPosts\": 1 to 1000}",
        )
            .into_response();
    };
    app.timeout.arm(after);
    StatusCode::NO_CONTENT.into_response()
}

async fn get_connection<S: Store>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
) -> Response {
    let registry = registry_lock(&app.registry);
    match registry.get(&id) {
        Some(socket) => Json(json!({
            "connectedAt": format_time(socket.connected_at_ms),
            "lastActiveAt": format_time(socket.last_active_ms.load(Ordering::Relaxed)),
            "identity": {
                "sourceIp": socket.source_ip,
                "userAgent": socket.user_agent,
            },
        }))
        .into_response(),
        None => gone(),
    }
}

async fn delete_connection<S: Store>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
) -> Response {
    // Gone at once for the management API, as in AWS; the socket then closes and
    // `$disconnect` runs.
    let removed = registry_lock(&app.registry).remove(&id);
    match removed {
        Some(socket) => {
            let _ = socket
                .outbound
                .send(Outbound::Close(1000, "Connection deleted"));
            StatusCode::NO_CONTENT.into_response()
        }
        None => gone(),
    }
}

async fn staged_post<S: Store>(
    state: State<Arc<App<S>>>,
    Path((_stage, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    post_to_connection(state, Path(id), body).await
}

async fn staged_get<S: Store>(
    state: State<Arc<App<S>>>,
    Path((_stage, id)): Path<(String, String)>,
) -> Response {
    get_connection(state, Path(id)).await
}

async fn staged_delete<S: Store>(
    state: State<Arc<App<S>>>,
    Path((_stage, id)): Path<(String, String)>,
) -> Response {
    delete_connection(state, Path(id)).await
}

/// `GET /dev/token?tenant=demo&sub=alice&role=member&name=Alice&ttl=3600`: a token
/// signed with devstack's secret. Never part of a deployed stack.
async fn dev_token<S: Store>(
    State(app): State<Arc<App<S>>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).filter(|v| !v.is_empty()).cloned();
    let ttl: i64 = match get("ttl").map(|t| t.parse::<i64>()) {
        None => 3600,
        Some(Ok(t)) if (1..=7 * 24 * 3600).contains(&t) => t,
        Some(_) => {
            return (StatusCode::BAD_REQUEST, "ttl must be 1 to 604800 seconds").into_response()
        }
    };
    let claims = Claims {
        sub: get("sub").unwrap_or_else(|| "alice".into()),
        tenant: get("tenant").unwrap_or_else(|| "demo".into()),
        // Tokens are checked against the machine's clock, whatever devstack's is.
        exp: SystemClock.now_ms() / 1000 + ttl,
        role: get("role"),
        name: get("name").or_else(|| get("sub")),
        provider: get("provider"),
        rooms: None,
        aud: app.config.jwt_audience.clone(),
        iss: None,
    };
    // Refuse what the authorizer would refuse, with its reason.
    if let Err(err) = claims.clone().into_identity() {
        return (StatusCode::BAD_REQUEST, err.to_string()).into_response();
    }
    match mint_hs256(app.config.jwt_secret.as_bytes(), &claims) {
        Ok(token) => token.into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "could not sign").into_response(),
    }
}

/// `POST /events`: signed host product events, as the HTTP API route in AWS.
async fn host_events<S: Store>(
    State(app): State<Arc<App<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "body must be UTF-8 JSON").into_response();
    };
    let request = ingest::host::HttpRequest {
        version: Some("2.0".into()),
        headers: headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body: Some(body),
        is_base64_encoded: false,
    };
    let stamp = ingest::Experiments {
        store: &app.message.ports.store,
        settings: &app.message.settings,
        clock: &app.message.ports.clock,
        pseudonyms: &ingest::PseudonymCache::default(),
    };
    let response = ingest::host::handle_host_events(
        request,
        &*app.bus,
        &app.ingest,
        app.message.clock.now_ms(),
        &stamp,
    )
    .await;
    let status =
        StatusCode::from_u16(response.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        response.body,
    )
        .into_response()
}

/// The server API (`functions/api`), on the same store, settings and secret.
async fn server_api<S: Store>(
    State(app): State<Arc<App<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "body must be UTF-8 JSON").into_response();
    };
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let request = api::ApiRequest::new(
        method.as_str(),
        &path_and_query,
        headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
    );
    let deps = api::ApiDeps {
        ports: &app.message.ports,
        settings: app.message.settings.clone(),
        secret: app
            .config
            .host_events_secret
            .as_ref()
            .map(|s| s.as_bytes().to_vec()),
        files: app.files.as_ref(),
        export_inline_bytes: app.config.export_inline_bytes,
        limits: app.message.limits.clone(),
    };
    let response = api::handle(request, &deps).await;
    let status =
        StatusCode::from_u16(response.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        response.body,
    )
        .into_response()
}
