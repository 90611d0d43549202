//! `GET /demo`: the demo page — a simulated live match with the room panel
//! beside it — and `GET /demo/{file}`: the panel's built files. Both are read
//! from the client package (`clients/js`: `demo/index.html` and `dist/`) at
//! request time, so a rebuilt panel shows without restarting devstack.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sideline_ports::Store;

use crate::App;

/// Where the client package is in this checkout (devstack's default).
pub fn default_web_dir() -> PathBuf {
    FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/js")
}

pub(crate) fn routes<S: Store + 'static>() -> Router<Arc<App<S>>> {
    Router::new()
        .route("/demo", get(page::<S>))
        .route("/demo/{file}", get(file::<S>))
}

fn missing(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!(
            "{what} not found: build the panel first (cd clients/js && npm ci && npm run build)\n"
        ),
    )
        .into_response()
}

async fn page<S: Store>(State(app): State<Arc<App<S>>>) -> Response {
    let Some(dir) = &app.config.web_dir else {
        return missing("the demo (no --web-dir)");
    };
    match tokio::fs::read_to_string(dir.join("demo/index.html")).await {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(_) => missing("demo/index.html"),
    }
}

/// A built file by its plain name (letters, digits, `.`, `-`, `_`): nothing
/// outside `dist/` can be named.
async fn file<S: Store>(State(app): State<Arc<App<S>>>, Path(name): Path<String>) -> Response {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    let kind = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("map") => "application/json",
        _ => "",
    };
    let Some(dir) = app
        .config
        .web_dir
        .as_ref()
        .filter(|_| plain && !kind.is_empty())
    else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    match tokio::fs::read(dir.join("dist").join(&name)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        Err(_) => missing(&format!("dist/{name}")),
    }
}
