//! The server API: what the host's backend asks of Sideline, over HTTPS (an API
//! Gateway HTTP API, payload 2.0; devstack serves the same routes).
//!
//! Every request is signed with the host-events secret over the whole request
//! (`X-Sideline-Signature: v2=…`, see [`sideline_token::signing`]), so a signature
//! made for one route cannot be used on another; a signature is accepted once
//! (its replay is refused) and within five minutes of its timestamp.
//!
//! | route | answer |
//! |---|---|
//! | `GET /v1/tenants/{tenant}/users/{user}/score` | score, tier, points to the next tier, privileges, breakdown, last activity, experiment variant, the pseudonym events name the user by |
//! | `GET /v1/tenants/{tenant}/leaderboard?room=&window=&period=&limit=&cursor=&user=` | a page of the tenant's board (no `room`), a room's, or a week's / month's points, and `user`'s place |
//! | `GET /v1/tenants/{tenant}/config[?version=N]` | the settings document in force (version 0: the defaults), or an old version |
//! | `PUT /v1/tenants/{tenant}/config` | stores a new version; `If-Match: <version read>`; 409 if stale, 400 with the field's path if bad |
//! | `POST /v1/tenants/{tenant}/users/{user}/export` | everything held about the user, one JSON document (`docs/user-export.schema.json`); over `EXPORT_INLINE_BYTES`, kept in the export bucket and answered with a presigned link |
//! | `POST /v1/tenants/{tenant}/users/{user}/erasure` | `202 {requestId, status}`: erasure requested (the same request when asked again); 404 for a user of whom nothing is held |
//! | `GET /v1/tenants/{tenant}/erasures/{requestId}` | `pending` / `running` / `completed` / `blocked` / `failed`, counts, and on completion the chained receipt |
//! | `POST /v1/tenants/{tenant}/retention/run` | runs retention for the tenant now (one invocation's budget), and its erasure requests due; what it removed |
//! | `PUT /v1/tenants/{tenant}/rooms/{room}` | sets the room up ahead of time: `title`, `object`, `opensAt` / `closesAt` (read-only outside) |
//! | `GET /v1/tenants/{tenant}/rooms/{room}` | what was set, with the mode and slow mode |
//! | `POST /v1/tenants/{tenant}/rooms/{room}/messages` | a system message to the room now (`text`, `name`?, `clientMsgId`?) |
//! | `POST /v1/tenants/{tenant}/rooms/{room}/polls` | a poll from the backend (the protocol's `create` fields) |
//! | `POST /v1/tenants/{tenant}/rooms/{room}/polls/{pollId}/close` | closes it; the final tally |
//!
//! `{user}` is the host's user id (`sub`, percent-encoded) or a canonical id
//! (`u_…`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sideline_app::audit::{self, hold_changes};
use sideline_app::erasure::{
    public_view, request_erasure, run_erasures, subject_of, tenant_secret, Requested,
};
use sideline_app::export::{export_user, EXPORT_LINK_FORMAT, EXPORT_VERSION};
use sideline_app::retention::{sweep_tenant, Budget, RetentionReport};
use sideline_app::standing::{leaderboard, read_score, BoardError, StandingError, TenantSettings};
use sideline_domain::config::{ConfigError, Env, Limits};
use sideline_domain::erasure::{erased_author, is_erasure_id};
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::message::system_author;
use sideline_domain::scoring::{breakdown, Tier, Window};
use sideline_domain::tenant::{ConfigDocError, TenantConfig, MAX_DOCUMENT_BYTES};
use sideline_domain::time::format_time;
use sideline_inline::policy::{PolicyError, PolicyPatch};
use sideline_inline::ModerationConfig;
use sideline_ports::{
    Board, Clock, ConfigStoreError, ConnectionRegistry, Erasure, ExportFileError, ExportFiles,
    Ports, Pseudonyms, Retention, ScoreStore, SeenEvents, TenantConfigs,
};
use sideline_protocol::{DEFAULT_BOARD_PAGE, MAX_BOARD_PAGE};
use sideline_token::signing::{self, Scheme};
use tracing::{info, warn};

mod rooms;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = MAX_DOCUMENT_BYTES;
/// How long a used signature is remembered: past the skew on either side.
const REPLAY_WINDOW_S: i64 = 2 * signing::MAX_SKEW_SECS + 60;
/// The `SeenEvents` consumer name signatures are remembered under.
const REPLAY_CONSUMER: &str = "api-signature";

/// An HTTP API request (payload 2.0); only what is read here.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRequest {
    #[serde(default)]
    pub raw_path: String,
    #[serde(default)]
    pub raw_query_string: String,
    #[serde(default)]
    pub headers: HashMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
    #[serde(default)]
    pub request_context: RequestContext,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RequestContext {
    #[serde(default)]
    pub http: HttpInfo,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HttpInfo {
    #[serde(default)]
    pub method: String,
}

impl ApiRequest {
    /// A request as devstack and tests make one.
    pub fn new(
        method: &str,
        path_and_query: &str,
        headers: HashMap<String, String>,
        body: String,
    ) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Self {
            raw_path: path.to_owned(),
            raw_query_string: query.to_owned(),
            headers,
            body: Some(body),
            is_base64_encoded: false,
            request_context: RequestContext {
                http: HttpInfo {
                    method: method.to_owned(),
                },
            },
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn path_and_query(&self) -> String {
        if self.raw_query_string.is_empty() {
            self.raw_path.clone()
        } else {
            format!("{}?{}", self.raw_path, self.raw_query_string)
        }
    }

    fn query(&self, name: &str) -> Option<String> {
        self.raw_query_string
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| percent_decode(v))
    }
}

/// An HTTP API response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResponse {
    pub status_code: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl ApiResponse {
    fn json(status_code: u16, body: &Value) -> Self {
        Self {
            status_code,
            headers: HashMap::from([("content-type".to_owned(), "application/json".to_owned())]),
            body: body.to_string(),
        }
    }

    /// A body already serialised.
    fn raw_json(status_code: u16, body: String) -> Self {
        Self {
            status_code,
            headers: HashMap::from([("content-type".to_owned(), "application/json".to_owned())]),
            body,
        }
    }

    fn error(status_code: u16, message: &str) -> Self {
        Self::json(status_code, &json!({ "error": message }))
    }

    /// The body as JSON (for tests and devstack).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// `%XX` decoding of one path segment or query value; `None` if malformed or not
/// UTF-8.
pub(crate) fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = raw.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Exports up to this size are answered whole; larger ones are kept as a file
/// and answered with a link (Lambda answers at most 6 MB).
pub const DEFAULT_EXPORT_INLINE_BYTES: usize = 1 << 20;
/// The most `EXPORT_INLINE_BYTES` may be: under Lambda's 6 MB response.
pub const MAX_EXPORT_INLINE_BYTES: usize = 5 << 20;

/// `EXPORT_INLINE_BYTES`: 1 to [`MAX_EXPORT_INLINE_BYTES`], default
/// [`DEFAULT_EXPORT_INLINE_BYTES`].
pub fn export_inline_bytes(env: &impl Env) -> Result<usize, ConfigError> {
    let bytes = env.number("EXPORT_INLINE_BYTES", DEFAULT_EXPORT_INLINE_BYTES, 1)?;
    if bytes > MAX_EXPORT_INLINE_BYTES {
        return Err(ConfigError::invalid(
            "EXPORT_INLINE_BYTES",
            format!("at most {MAX_EXPORT_INLINE_BYTES} (Lambda answers at most 6 MB)"),
        ));
    }
    Ok(bytes)
}

/// The function's parts.
pub struct ApiDeps<P, F> {
    pub ports: P,
    /// Shared with the process's other readers of tenant settings, so a change
    /// stored here is in force at once in this process (elsewhere within a minute).
    pub settings: Arc<TenantSettings>,
    /// The host-events secret; without it every request is refused (403).
    pub secret: Option<Vec<u8>>,
    /// Where exports larger than `export_inline_bytes` are kept (none: every
    /// export is answered whole).
    pub files: F,
    pub export_inline_bytes: usize,
    /// Message length and fan-out limits, as `ws-message` has them.
    pub limits: Limits,
}

/// Checks a document's `moderation` section as the inline stage will read it.
fn check_moderation(section: &Map<String, Value>) -> Result<(), ConfigDocError> {
    let patch: PolicyPatch = serde_path_to_error::deserialize(Value::Object(section.clone()))
        .map_err(|e| {
            ConfigDocError::at(
                format!("moderation.{}", e.path()),
                e.into_inner().to_string(),
            )
        })?;
    patch
        .apply(&ModerationConfig::default())
        .map(drop)
        .map_err(|e| {
            let field = match &e {
                PolicyError::NotAUnit { field, .. } => *field,
                PolicyError::Region(field, _) => *field,
                PolicyError::BothRegions => "phoneRegions",
                PolicyError::RegionCount(_) => "phoneRegions",
            };
            ConfigDocError::at(format!("moderation.{field}"), e.to_string())
        })
}

/// Reads and checks a settings document, the moderation section included.
pub fn parse_config(text: &str) -> Result<TenantConfig, ConfigDocError> {
    let config = TenantConfig::parse(text)?;
    if let Some(section) = &config.moderation {
        check_moderation(section)?;
    }
    Ok(config)
}

pub(crate) fn backend(err: &dyn std::error::Error) -> ApiResponse {
    warn!(error = %err, cause = ?err.source(), "server API request failed");
    ApiResponse::error(503, "the store is unavailable; try again")
}

/// Handles one request. Never panics on input: every refusal is a status and a
/// JSON `{"error"}` body.
pub async fn handle<P: Ports, F: ExportFiles>(
    request: ApiRequest,
    deps: &ApiDeps<P, F>,
) -> ApiResponse {
    let method = request.request_context.http.method.to_ascii_uppercase();
    let Some(secret) = deps.secret.as_deref() else {
        return ApiResponse::error(403, "the server API is not enabled (no secret configured)");
    };
    if request.is_base64_encoded {
        return ApiResponse::error(415, "send JSON as text (application/json)");
    }
    let body = request.body.clone().unwrap_or_default();
    if body.len() > MAX_BODY_BYTES {
        return ApiResponse::error(413, "body is over 64 KB");
    }
    let now_ms = deps.ports.clock().now_ms();
    let path_and_query = request.path_and_query();
    if let Err(reason) = signing::verify(
        secret,
        request.header("x-sideline-timestamp"),
        request.header("x-sideline-signature"),
        Scheme::V2 {
            method: &method,
            path_and_query: &path_and_query,
            body: &body,
        },
        now_ms / 1000,
    ) {
        warn!(reason, path = %request.raw_path, "server API request refused");
        return ApiResponse::error(401, reason);
    }
    let segments: Vec<&str> = request.raw_path.trim_end_matches('/').split('/').collect();
    let (tenant_raw, rest) = match segments.as_slice() {
        ["", "v1", "tenants", tenant, rest @ ..] => (*tenant, rest),
        _ => return ApiResponse::error(404, "no such route"),
    };
    let Some(tenant) = percent_decode(tenant_raw).and_then(|t| TenantId::parse(&t).ok()) else {
        return ApiResponse::error(404, "no such tenant");
    };
    // A signature is good once: a captured request cannot be sent again.
    let signature = request
        .header("x-sideline-signature")
        .unwrap_or_default()
        .trim()
        .to_owned();
    match deps
        .ports
        .store()
        .first_sighting(
            &tenant,
            REPLAY_CONSUMER,
            &signature,
            now_ms / 1000,
            REPLAY_WINDOW_S,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => return ApiResponse::error(401, "this signature was already used"),
        Err(err) => return backend(&err),
    }
    let response = match (method.as_str(), rest) {
        ("GET", ["users", user, "score"]) => score(deps, &tenant, user, now_ms).await,
        ("GET", ["config"]) => get_config(deps, &tenant, &request).await,
        ("GET", ["leaderboard"]) => board(deps, &tenant, &request).await,
        ("PUT", ["config"]) => put_config(deps, &tenant, &request, &body, now_ms).await,
        ("POST", ["retention", "run"]) => run_retention(deps, &tenant, now_ms).await,
        ("POST", ["users", user, "export"]) => export(deps, &tenant, user, now_ms).await,
        ("POST", ["users", user, "erasure"]) => erase(deps, &tenant, user, now_ms).await,
        ("GET", ["erasures", id]) => erasure_status(deps, &tenant, id).await,
        (method, ["rooms", room, rest @ ..]) => match rooms::room_of(room) {
            Err(refusal) => refusal,
            Ok(room) => match (method, rest) {
                ("PUT", []) => rooms::put_room(deps, &tenant, &room, &body, now_ms).await,
                ("GET", []) => rooms::get_room(deps, &tenant, &room).await,
                ("POST", ["messages"]) => {
                    rooms::post_message(deps, &tenant, &room, &body, now_ms).await
                }
                ("POST", ["polls"]) => rooms::post_poll(deps, &tenant, &room, &body, now_ms).await,
                ("POST", ["polls", id, "close"]) => {
                    rooms::close_poll(deps, &tenant, &room, id, now_ms).await
                }
                (_, [] | ["messages"] | ["polls"] | ["polls", _, "close"]) => {
                    ApiResponse::error(405, "method not allowed")
                }
                _ => ApiResponse::error(404, "no such route"),
            },
        },
        (
            _,
            ["users", _, "score"]
            | ["config"]
            | ["leaderboard"]
            | ["retention", "run"]
            | ["users", _, "export"]
            | ["users", _, "erasure"]
            | ["erasures", _],
        ) => ApiResponse::error(405, "method not allowed"),
        _ => ApiResponse::error(404, "no such route"),
    };
    info!(method = %method, path = %request.raw_path, status = response.status_code, "server API");
    response
}

/// What one on-demand retention run may do: well within the HTTP API's 30 s
/// (conditional deletes are one call each). `more` in the answer says to call
/// again.
const ON_DEMAND_BUDGET: Budget = Budget {
    items: 500,
    pages: 500,
};

/// Runs retention for one tenant now, within [`ON_DEMAND_BUDGET`] (the schedule
/// runs it for every tenant). 404 for a tenant that holds nothing.
async fn run_retention<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    now_ms: i64,
) -> ApiResponse {
    let store = deps.ports.store();
    let known = match store.known_tenant(tenant).await {
        Ok(Some(known)) => known,
        Ok(None) => return ApiResponse::error(404, "no such tenant"),
        Err(err) => return backend(&err),
    };
    let mut report = RetentionReport {
        tenants: 1,
        ..RetentionReport::default()
    };
    match sweep_tenant(
        store,
        &deps.settings,
        tenant,
        known.since_ms,
        now_ms,
        ON_DEMAND_BUDGET,
        &mut report,
    )
    .await
    {
        Ok(()) => {}
        Err(err) => return backend(&err),
    }
    // The tenant's erasure requests due go on too.
    let erasures = match run_erasures(
        store,
        deps.ports.connections(),
        &deps.files,
        now_ms,
        ON_DEMAND_BUDGET.items,
        Some(tenant),
    )
    .await
    {
        Ok(erasures) => erasures,
        Err(err) => return backend(&err),
    };
    let mut body = serde_json::to_value(&report).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        map.insert(
            "erasures".into(),
            serde_json::to_value(&erasures).unwrap_or(Value::Null),
        );
    }
    ApiResponse::json(200, &body)
}

/// Everything held about a user, as one JSON document (`sideline.user-export`);
/// one too large to answer is kept as a file and answered with a link
/// (`sideline.user-export-link`). 404 for a user of whom nothing is held.
async fn export<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    user_raw: &str,
    now_ms: i64,
) -> ApiResponse {
    let Some(user) = user_of(tenant, user_raw) else {
        return ApiResponse::error(400, "malformed user id");
    };
    let store = deps.ports.store();
    let document = match export_user(store, tenant, &user, now_ms).await {
        Ok(Some(document)) => document.to_string(),
        Ok(None) => return ApiResponse::error(404, "no such user"),
        Err(err) => return backend(&err),
    };
    if document.len() <= deps.export_inline_bytes {
        return ApiResponse::raw_json(200, document);
    }
    // Kept under the user's keyed hash, so the file's name holds no id and
    // their erasure finds it.
    let subject = match tenant_secret(store, tenant).await {
        Ok(secret) => subject_of(&secret, &user),
        Err(err) => return backend(&err),
    };
    match deps
        .files
        .keep(tenant, &subject, document.as_bytes(), now_ms)
        .await
    {
        Ok(kept) => ApiResponse::json(
            200,
            &json!({
                "format": EXPORT_LINK_FORMAT,
                "version": EXPORT_VERSION,
                "url": kept.url,
                "expiresAt": format_time(kept.expires_at_ms),
                "bytes": document.len(),
            }),
        ),
        // Nowhere to keep it (devstack without a bucket): answered whole.
        Err(ExportFileError::NotConfigured) => ApiResponse::raw_json(200, document),
        Err(err) => backend(&err),
    }
}

/// Takes an erasure request: 202 with its id and status (the same request,
/// asked again, answers the same); 404 for a user of whom nothing is held.
async fn erase<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    user_raw: &str,
    now_ms: i64,
) -> ApiResponse {
    let Some(user) = user_of(tenant, user_raw) else {
        return ApiResponse::error(400, "malformed user id");
    };
    match request_erasure(deps.ports.store(), tenant, &user, now_ms).await {
        Ok(Requested::Created(request) | Requested::Existing(request)) => ApiResponse::json(
            202,
            &json!({"requestId": request.request_id, "status": request.status.as_str()}),
        ),
        Ok(Requested::UnknownUser) => ApiResponse::error(404, "no such user"),
        Err(err) => backend(&err),
    }
}

/// An erasure request's status, and its receipt once completed.
async fn erasure_status<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    id: &str,
) -> ApiResponse {
    if !is_erasure_id(id) {
        return ApiResponse::error(400, "malformed request id");
    }
    match deps.ports.store().erasure_request(tenant, id).await {
        Ok(Some(request)) => ApiResponse::json(200, &public_view(&request)),
        Ok(None) => ApiResponse::error(404, "no such erasure request"),
        Err(err) => backend(&err),
    }
}

/// The user a path names: a canonical id, or the host's id for it.
fn user_of(tenant: &TenantId, raw: &str) -> Option<UserId> {
    let decoded = percent_decode(raw)?;
    if decoded.is_empty() || decoded.len() > 256 {
        return None;
    }
    Some(UserId::parse(&decoded).unwrap_or_else(|_| UserId::derive(tenant, &decoded)))
        // The host's own author and erasure's tombstone author are nobody.
        .filter(|u| *u != system_author() && *u != erased_author())
}

async fn score<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    user_raw: &str,
    now_ms: i64,
) -> ApiResponse {
    let Some(user) = user_of(tenant, user_raw) else {
        return ApiResponse::error(404, "no such user");
    };
    let store = deps.ports.store();
    let standing = match store.user_score(tenant, &user).await {
        Ok(standing) => standing,
        Err(err) => return backend(&err),
    };
    if standing.is_none() {
        match store.user_profile(tenant, &user).await {
            Ok(Some(_)) => {}
            Ok(None) => return ApiResponse::error(404, "no such user"),
            Err(err) => return backend(&err),
        }
    }
    let view = match read_score(&deps.ports, &deps.settings, tenant, &user).await {
        Ok(view) => view,
        Err(StandingError::Score(err)) => return backend(&err),
        Err(StandingError::Config(err)) => return backend(&err),
    };
    let current = match deps.settings.current(store, tenant, now_ms).await {
        Ok(current) => current,
        Err(err) => return backend(&err),
    };
    let buckets = match store.buckets(tenant, &user).await {
        Ok(buckets) => buckets,
        Err(err) => return backend(&err),
    };
    let config = &current.config;
    let parts: BTreeMap<&str, f64> = breakdown(&buckets, config.scoring_for(&user), now_ms);
    let mut body = serde_json::to_value(&view).unwrap_or_default();
    if let Value::Object(map) = &mut body {
        map.insert("breakdown".into(), json!(parts));
        map.insert(
            "lastActivity".into(),
            json!(standing.map(|s| format_time(s.score.at_ms))),
        );
        map.insert("configVersion".into(), json!(current.version));
        // What the user's events (and so the analytics tools) name them by.
        match store.stored_pseudonym(tenant, &user).await {
            Ok(found) => {
                map.insert("pseudonym".into(), json!(found.map(|p| p.pseudonym)));
            }
            Err(err) => return backend(&err),
        }
        let enrolment = config.enrolment(&user);
        map.insert(
            "experiment".into(),
            json!(enrolment.map(|(experiment, _)| &experiment.name)),
        );
        map.insert(
            "variant".into(),
            json!(enrolment.map(|(_, variant)| &variant.name)),
        );
    }
    ApiResponse::json(200, &body)
}

async fn board<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    request: &ApiRequest,
) -> ApiResponse {
    let window = match request.query("window") {
        None => None,
        Some(raw) => match Window::parse(&raw) {
            Some(window) => Some(window),
            None => return ApiResponse::error(400, "window must be week, month or season"),
        },
    };
    let board = match (request.query("room"), window) {
        (Some(_), Some(_)) => return ApiResponse::error(400, "window and room do not go together"),
        (Some(raw), None) => match RoomId::parse(&raw) {
            Ok(room) => Board::Room(room),
            Err(e) => return ApiResponse::error(400, &format!("room: {e}")),
        },
        (None, Some(window)) => match request.query("period") {
            None => {
                let now_ms = deps.ports.clock().now_ms();
                let current = match deps.settings.current(deps.ports.store(), tenant, now_ms).await {
                    Ok(current) => current,
                    Err(err) => return backend(&err),
                };
                match current.config.period(window, now_ms) {
                    Some(period) => Board::Window { window, period },
                    None => return ApiResponse::error(404, "no season has started yet"),
                }
            }
            Some(period) if window.is_period(&period) => Board::Window { window, period },
            Some(_) => {
                return ApiResponse::error(
                    400,
                    "period must be like 2026-W49 (week), 2026-12 (month), or 2026-Q4 or a season's name (season)",
                )
            }
        },
        (None, None) if request.query("period").is_some() => {
            return ApiResponse::error(400, "period needs a window")
        }
        (None, None) => Board::Tenant,
    };
    let limit = match request.query("limit") {
        None => DEFAULT_BOARD_PAGE,
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=MAX_BOARD_PAGE).contains(&n) => n,
            _ => {
                return ApiResponse::error(
                    400,
                    &format!("limit must be between 1 and {MAX_BOARD_PAGE}"),
                )
            }
        },
    };
    let user = match request.query("user") {
        None => None,
        Some(raw) => match user_of(tenant, &raw) {
            Some(user) => Some(user),
            None => return ApiResponse::error(400, "user: not a user id"),
        },
    };
    let cursor = request.query("cursor");
    match leaderboard(
        &deps.ports,
        &deps.settings,
        tenant,
        &board,
        limit,
        cursor.as_deref(),
        user.as_ref(),
    )
    .await
    {
        Ok(view) => ApiResponse::json(200, &serde_json::to_value(&view).unwrap_or_default()),
        Err(BoardError::BadCursor) => ApiResponse::error(400, "cursor: not one this API made"),
        Err(BoardError::Standing(StandingError::Score(err))) => backend(&err),
        Err(BoardError::Standing(StandingError::Config(err))) => backend(&err),
    }
}

fn config_body(version: u64, config: &TenantConfig, updated_at_ms: Option<i64>) -> Value {
    json!({
        "version": version,
        "updatedAt": updated_at_ms.map(format_time),
        "config": config.to_value(),
    })
}

async fn get_config<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    request: &ApiRequest,
) -> ApiResponse {
    let version = match request.query("version") {
        None => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(v) if v >= 1 => Some(v),
            _ => return ApiResponse::error(400, "version must be a whole number from 1"),
        },
    };
    let store = deps.ports.store();
    match store.tenant_config(tenant, version).await {
        Ok(Some(stored)) => {
            let mut body = config_body(stored.version, &stored.config, Some(stored.updated_at_ms));
            // The current document on percentiles: the thresholds in force now.
            if version.is_none() && stored.config.tiers.percentiles.is_some() {
                let cuts = match store.tier_cuts(tenant).await {
                    Ok(cuts) => cuts,
                    Err(err) => return backend(&err),
                };
                let now_ms = deps.ports.clock().now_ms();
                let in_force = cuts.as_ref().and_then(|c| {
                    let t = stored.config.with_cuts(c, now_ms)?.tiers;
                    let cut = c.in_force(now_ms)?;
                    Some(json!({
                        "silver": t.threshold_at(Tier::Silver, now_ms),
                        "gold": t.threshold_at(Tier::Gold, now_ms),
                        "platinum": t.threshold_at(Tier::Platinum, now_ms),
                        "activeUsers": cut.active_users,
                        "cutAt": format_time(cut.at_ms),
                    }))
                });
                if let Value::Object(map) = &mut body {
                    map.insert("thresholdsInForce".into(), in_force.unwrap_or(Value::Null));
                }
            }
            ApiResponse::json(200, &body)
        }
        Ok(None) if version.is_some() => ApiResponse::error(404, "no such version"),
        Ok(None) => ApiResponse::json(200, &config_body(0, &TenantConfig::default(), None)),
        Err(err) => backend(&err),
    }
}

async fn put_config<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    request: &ApiRequest,
    body: &str,
    now_ms: i64,
) -> ApiResponse {
    let Some(expected) = request.header("if-match") else {
        return ApiResponse::error(
            428,
            "If-Match must name the version the change is based on (0 for the first)",
        );
    };
    let Ok(expected) = expected.trim().trim_matches('"').parse::<u64>() else {
        return ApiResponse::error(400, "If-Match must be a version number");
    };
    let config = match parse_config(body) {
        Ok(config) => config,
        Err(err) => {
            return ApiResponse::json(400, &json!({ "error": err.reason, "path": err.path }))
        }
    };
    match deps
        .ports
        .store()
        .put_tenant_config(tenant, expected, &config, now_ms)
        .await
    {
        Ok(version) => {
            deps.settings.forget(tenant);
            info!(tenant = %tenant, version, "tenant settings stored");
            stored_config(deps, tenant, expected, version, &config, now_ms).await
        }
        // The same change, stored by a try whose answer was lost or whose
        // decisions failed (503): answered as then, the decisions recorded now.
        Err(ConfigStoreError::Stale { current }) if current == expected + 1 => {
            match deps
                .ports
                .store()
                .tenant_config(tenant, Some(current))
                .await
            {
                Ok(Some(stored)) if stored.config == config => {
                    stored_config(
                        deps,
                        tenant,
                        expected,
                        current,
                        &config,
                        stored.updated_at_ms,
                    )
                    .await
                }
                Ok(_) => stale(current),
                Err(err) => backend(&err),
            }
        }
        Err(ConfigStoreError::Stale { current }) => stale(current),
        Err(err @ ConfigStoreError::Backend(_)) => backend(&err),
    }
}

/// Answers a stored settings version once the legal holds it put on or lifted
/// are decisions in the moderation record (recorded once each, whoever asks).
async fn stored_config<P: Ports, F: ExportFiles>(
    deps: &ApiDeps<P, F>,
    tenant: &TenantId,
    expected: u64,
    version: u64,
    config: &TenantConfig,
    at_ms: i64,
) -> ApiResponse {
    let store = deps.ports.store();
    let before = match store.tenant_config(tenant, Some(expected)).await {
        Ok(previous) => previous
            .map(|p| p.config.retention.legal_hold.clone())
            .unwrap_or_default(),
        Err(err) => return backend(&err),
    };
    for decision in hold_changes(
        tenant,
        &before,
        &config.retention.legal_hold,
        version,
        at_ms,
    ) {
        if let Err(err) = audit::record(store, &decision).await {
            return backend(&err);
        }
    }
    ApiResponse::json(200, &config_body(version, config, Some(at_ms)))
}

fn stale(current: u64) -> ApiResponse {
    ApiResponse::json(
        409,
        &json!({
            "error": format!("the current version is {current}; read it and apply the change to it"),
            "currentVersion": current,
        }),
    )
}

#[cfg(test)]
mod tests;
