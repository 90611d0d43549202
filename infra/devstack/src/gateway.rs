//! The WebSocket side of API Gateway: `$connect` (authorizer, then `ws-connect`),
//! `$default` for every frame (`ws-message`), `$disconnect` (`ws-disconnect`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value};
use sideline_lambda::{AuthorizerRequest, WebSocketContext, WebSocketEvent};
use sideline_ports::{Clock, Store};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tracing::{debug, info, warn};

use crate::{registry_lock, App, Outbound, Socket};

/// Stage name devstack reports in events.
pub(crate) const STAGE: &str = "local";

fn event(
    app_addr: SocketAddr,
    route_key: &str,
    event_type: &str,
    connection_id: &str,
    connected_at_ms: i64,
    authorizer: Map<String, Value>,
    now_ms: i64,
) -> WebSocketEvent {
    WebSocketEvent {
        request_context: WebSocketContext {
            route_key: route_key.to_owned(),
            event_type: Some(event_type.to_owned()),
            connection_id: connection_id.to_owned(),
            request_id: Some(uuid::Uuid::now_v7().simple().to_string()),
            domain_name: Some(app_addr.to_string()),
            stage: Some(STAGE.to_owned()),
            connected_at: Some(connected_at_ms),
            request_time_epoch: Some(now_ms),
            authorizer: Some(authorizer),
            disconnect_status_code: None,
            disconnect_reason: None,
        },
        body: None,
        is_base64_encoded: false,
        query_string_parameters: None,
    }
}

/// `GET /?token=…`: authorize, record, then upgrade. Refusals are plain HTTP
/// answers before the upgrade, as API Gateway gives.
pub(crate) async fn upgrade<S: Store + 'static>(
    State(app): State<Arc<App<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let header_map: HashMap<String, String> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let request = AuthorizerRequest {
        kind: Some("REQUEST".into()),
        method_arn: format!("arn:aws:execute-api:local:000000000000:devstack/{STAGE}/$connect"),
        query_string_parameters: Some(query.clone()),
        headers: Some(header_map),
    };
    let context = match authorizer::handle(request, &app.verifier).await {
        Err(_) => return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response(),
        Ok(policy) if !policy.allows() => {
            return (StatusCode::FORBIDDEN, "Forbidden").into_response()
        }
        Ok(policy) => {
            let mut context = policy.context;
            context.insert("principalId".into(), Value::String(policy.principal_id));
            context
        }
    };

    let connection_id = uuid::Uuid::now_v7().simple().to_string();
    let connected_at_ms = app.message.clock.now_ms();
    let mut connect = event(
        app.addr,
        "$connect",
        "CONNECT",
        &connection_id,
        connected_at_ms,
        context.clone(),
        connected_at_ms,
    );
    connect.query_string_parameters = Some(query);
    let response = ws_connect::handle(connect, &app.message.store, &app.message.clock).await;
    if response.status_code != 200 {
        let status =
            StatusCode::from_u16(response.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, response.body.unwrap_or_default()).into_response();
    }

    // Registered before the 101 goes out, so a post right after connect arrives.
    let (tx, rx) = mpsc::unbounded_channel();
    let sever = Arc::new(Notify::new());
    let last_active_ms = Arc::new(AtomicI64::new(connected_at_ms));
    registry_lock(&app.registry).insert(
        connection_id.clone(),
        Socket {
            outbound: tx,
            connected_at_ms,
            last_active_ms: last_active_ms.clone(),
            source_ip: peer.ip().to_string(),
            user_agent: headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            sever: sever.clone(),
            drop_posts: Arc::default(),
        },
    );
    info!(connection_id = %connection_id, "websocket connected");
    let failed_app = app.clone();
    let failed_id = connection_id.clone();
    let failed_context = context.clone();
    // tungstenite allocates (and zero-fills on every read) a 128 KiB read buffer
    // per socket by default: 1.3 GB for 10,000 idle connections. Frames are
    // small; larger ones are assembled beyond the buffer anyway.
    ws.read_buffer_size(4 * 1024)
        .max_frame_size(app.config.frame_limit)
        .max_message_size(app.config.message_limit)
        .on_failed_upgrade(move |err| {
            warn!(error = %err, "websocket upgrade failed");
            tokio::spawn(async move {
                registry_lock(&failed_app.registry).remove(&failed_id);
                run_disconnect(
                    &failed_app,
                    &failed_id,
                    connected_at_ms,
                    failed_context,
                    1006,
                )
                .await;
            });
        })
        .on_upgrade(move |socket| {
            serve_socket(
                app,
                socket,
                connection_id,
                connected_at_ms,
                context,
                rx,
                sever,
                last_active_ms,
            )
        })
}

async fn run_disconnect<S: Store>(
    app: &App<S>,
    connection_id: &str,
    connected_at_ms: i64,
    context: Map<String, Value>,
    code: u16,
) {
    let mut disconnect = event(
        app.addr,
        "$disconnect",
        "DISCONNECT",
        connection_id,
        connected_at_ms,
        context,
        app.message.clock.now_ms(),
    );
    disconnect.request_context.disconnect_status_code = Some(i64::from(code));
    ws_disconnect::handle(
        disconnect,
        &app.message.store,
        &app.message.connections,
        &app.message.limits,
    )
    .await;
}

fn is_too_big(err: axum::Error) -> bool {
    matches!(
        err.into_inner().downcast::<WsError>().map(|e| *e),
        Ok(WsError::Capacity(CapacityError::MessageTooLong { .. }))
    )
}

#[allow(clippy::too_many_arguments)]
async fn serve_socket<S: Store + 'static>(
    app: Arc<App<S>>,
    socket: WebSocket,
    connection_id: String,
    connected_at_ms: i64,
    context: Map<String, Value>,
    mut outbound: mpsc::UnboundedReceiver<Outbound>,
    sever: Arc<Notify>,
    last_active_ms: Arc<AtomicI64>,
) {
    let (mut sink, mut stream) = socket.split();
    let writer = tokio::spawn(async move {
        while let Some(out) = outbound.recv().await {
            match out {
                Outbound::Text(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Outbound::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    let _ = sink.close().await;
                    break;
                }
            }
        }
    });
    // Our own handle to this socket's queue, for closes decided here.
    let own = registry_lock(&app.registry)
        .get(&connection_id)
        .map(|s| s.outbound.clone());
    let close = |code: u16, reason: &'static str| {
        if let Some(tx) = &own {
            let _ = tx.send(Outbound::Close(code, reason));
        }
    };

    let max_age = tokio::time::sleep(app.config.max_connection_age);
    tokio::pin!(max_age);
    let mut severed = false;
    let mut code = 1000u16;
    loop {
        let next = tokio::time::timeout(app.config.idle_timeout, stream.next());
        tokio::select! {
            _ = sever.notified() => {
                severed = true;
                break;
            }
            _ = &mut max_age => {
                debug!(connection_id = %connection_id, "maximum connection age reached");
                close(1001, "Going away");
                code = 1001;
                break;
            }
            received = next => match received {
                Err(_) => {
                    debug!(connection_id = %connection_id, "idle timeout");
                    close(1001, "Going away");
                    code = 1001;
                    break;
                }
                Ok(None) => {
                    code = 1006;
                    break;
                }
                Ok(Some(Err(err))) => {
                    if is_too_big(err) {
                        close(1009, "Message too big");
                        code = 1009;
                    } else {
                        code = 1006;
                    }
                    break;
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    last_active_ms.store(app.message.clock.now_ms(), Ordering::Relaxed);
                    let mut frame = event(app.addr, "$default", "MESSAGE", &connection_id, connected_at_ms, context.clone(), app.message.clock.now_ms());
                    frame.body = Some(text.as_str().to_owned());
                    let _busy = app.pipeline.frame();
                    invoke_message(&app, frame).await;
                }
                Ok(Some(Ok(Message::Binary(_)))) => {
                    last_active_ms.store(app.message.clock.now_ms(), Ordering::Relaxed);
                    let mut frame = event(app.addr, "$default", "MESSAGE", &connection_id, connected_at_ms, context.clone(), app.message.clock.now_ms());
                    frame.is_base64_encoded = true;
                    frame.body = Some(String::new());
                    let _busy = app.pipeline.frame();
                    invoke_message(&app, frame).await;
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    code = frame.map(|f| f.code).unwrap_or(1005);
                    break;
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }
    if severed {
        writer.abort();
        info!(connection_id = %connection_id, "websocket severed without $disconnect");
        return;
    }
    registry_lock(&app.registry).remove(&connection_id);
    drop(own);
    // Let a close frame already queued go out before the socket is dropped.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer).await;
    run_disconnect(&app, &connection_id, connected_at_ms, context, code).await;
    info!(connection_id = %connection_id, code, "websocket disconnected");
}

/// Runs `ws-message` on one frame, unless a timeout fault cuts it short.
async fn invoke_message<S: Store + 'static>(app: &Arc<App<S>>, frame: WebSocketEvent) {
    let cut = app.timeout.stop_invocations.notified();
    tokio::pin!(cut);
    cut.as_mut().enable();
    tokio::select! {
        _ = ws_message::handle(frame, &app.message) => {}
        _ = cut => warn!("ws-message invocation timed out half-way (a fault asked for)"),
    }
}
