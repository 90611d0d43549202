//! Erasure (GDPR Art. 17): taking a request, and running it to a chained receipt.
//!
//! A request ([`request_erasure`]) is stored at once with a mark that refuses the
//! user's new connections; the retention function's runs ([`run_erasures`]) then
//! close their live connections, count what there is to erase, erase it in
//! bounded steps — tombstones for messages, the keyed hash for the subject of
//! decisions, removal for the rest — and complete the request with a receipt that
//! holds counts and times only, chained to the tenant's previous receipt. A run
//! that dies half-way leaves the request `running`; the next finds what is left
//! (what is erased is no longer found) and finishes it, with the same receipt: its
//! counts are those taken before the first item was erased.
//!
//! The user's id is kept sealed (AES-256-GCM under a key derived from the tenant's
//! secret) until the re-check a day after completion, then dropped.

use aws_lc_rs::{aead, digest, hmac, rand};
use serde::Serialize;
use sideline_domain::erasure::{
    erasure_id, ErasureRequest, ErasureStatus, Receipt, GENESIS_HASH, MAX_ATTEMPTS, MAX_GENERATIONS,
};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::moderation::DecisionKind;
use sideline_domain::outbox::Stored;
use sideline_domain::time::format_time;
use sideline_ports::{
    ConfigStoreError, ConnectionRegistry, Connections, DecisionLog, Erasure, ErasureError,
    ExportFiles, PostError, Pseudonyms, RegistryError, StoredPseudonym, TenantConfigs, UserData,
};
use tracing::{info, warn};

use crate::audit::{self, host_decision};

/// What one run may erase (items), across requests. A user with 10,000
/// messages takes a few runs.
pub const DEFAULT_RUN_ITEMS: usize = 4_000;
/// Requests one run lists (those blocked or waiting for their re-check are
/// passed over quickly).
const REQUESTS_LISTED: usize = 1_000;

/// Why erasure could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ErasureRunError {
    #[error("erasure storage")]
    Store(#[from] ErasureError),
    #[error("settings")]
    Settings(#[from] ConfigStoreError),
    #[error("connections")]
    Registry(#[from] RegistryError),
    #[error("the sealed user id cannot be opened")]
    Seal,
    #[error("the moderation record")]
    Audit(#[from] sideline_ports::DecisionError),
    #[error("the user's items")]
    Items(#[from] sideline_ports::UserDataError),
    #[error("export files")]
    Files(#[from] sideline_ports::ExportFileError),
}

/// The keyed hash of a user id that the ledger, the audit and the request keep:
/// `h_` and 32 hex digits of HMAC-SHA-256 under the tenant's secret.
pub fn subject_of(secret: &[u8], user: &UserId) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, user.as_str().as_bytes());
    format!("h_{}", hex(&tag.as_ref()[..16]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(raw: &str) -> Option<Vec<u8>> {
    if !raw.len().is_multiple_of(2) {
        return None;
    }
    (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The tenant's secret (made on first use).
pub async fn tenant_secret<S: Erasure>(
    store: &S,
    tenant: &TenantId,
) -> Result<Vec<u8>, ErasureError> {
    let mut candidate = [0u8; 32];
    rand::fill(&mut candidate)
        .map_err(|_| sideline_ports::BackendError::Unavailable("no randomness".into()))?;
    store.tenant_secret(tenant, &candidate).await
}

fn seal_key(secret: &[u8]) -> Option<aead::LessSafeKey> {
    let derive = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let key = hmac::sign(&derive, b"sideline erasure seal");
    aead::UnboundKey::new(&aead::AES_256_GCM, key.as_ref())
        .ok()
        .map(aead::LessSafeKey::new)
}

/// The user id sealed for the request: hex of nonce and ciphertext.
fn seal(secret: &[u8], user: &UserId) -> Option<String> {
    let key = seal_key(secret)?;
    let mut nonce = [0u8; aead::NONCE_LEN];
    rand::fill(&mut nonce).ok()?;
    let mut data = user.as_str().as_bytes().to_vec();
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::empty(),
        &mut data,
    )
    .ok()?;
    Some(format!("{}{}", hex(&nonce), hex(&data)))
}

fn unseal(secret: &[u8], sealed: &str) -> Option<UserId> {
    let key = seal_key(secret)?;
    let bytes = unhex(sealed)?;
    if bytes.len() <= aead::NONCE_LEN {
        return None;
    }
    let (nonce, data) = bytes.split_at(aead::NONCE_LEN);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut data = data.to_vec();
    let plain = key
        .open_in_place(nonce, aead::Aad::empty(), &mut data)
        .ok()?;
    UserId::parse(std::str::from_utf8(plain).ok()?).ok()
}

/// The user a request is about: in clear while it is open, sealed until the
/// re-check.
async fn user_of<S: Erasure>(
    store: &S,
    request: &ErasureRequest,
) -> Result<Option<UserId>, ErasureRunError> {
    if let Some(user) = &request.user {
        return Ok(Some(user.clone()));
    }
    let Some(sealed) = &request.sealed_user else {
        return Ok(None);
    };
    let secret = tenant_secret(store, &request.tenant).await?;
    unseal(&secret, sealed)
        .map(Some)
        .ok_or(ErasureRunError::Seal)
}

/// The pseudonym events name `user` by, made on first use (for an event at
/// `at_ms`); `None` when the event must not be published — the user's erasure
/// is under way, or completed after the event happened (a late or replayed
/// record). An event before the answer's `not_before_ms` is not published
/// either (a returning user's new pseudonym does not reach back).
pub async fn event_pseudonym<S: Erasure + Pseudonyms>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    at_ms: i64,
) -> Result<Option<StoredPseudonym>, ErasureError> {
    let stored = match store.stored_pseudonym(tenant, user).await? {
        Some(stored) => Some(stored),
        None => {
            let secret = tenant_secret(store, tenant).await?;
            let mut fresh = [0u8; 16];
            rand::fill(&mut fresh)
                .map_err(|_| sideline_ports::BackendError::Unavailable("no randomness".into()))?;
            let candidate = format!("p_{}", hex(&fresh));
            store
                .create_pseudonym(tenant, user, &subject_of(&secret, user), &candidate, at_ms)
                .await?
        }
    };
    Ok(stored)
}

/// What [`request_erasure`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Requested {
    /// A new request.
    Created(ErasureRequest),
    /// The same request, made before.
    Existing(ErasureRequest),
    /// The store holds nothing of the user: no request stored.
    UnknownUser,
}

/// The legal hold that blocks erasing `user` (whose items are in `rooms`), if
/// any: on the tenant, the user, or one of the rooms.
async fn hold_on<S: TenantConfigs>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    rooms: &[String],
) -> Result<Option<String>, ConfigStoreError> {
    let hold = store
        .tenant_config(tenant, None)
        .await?
        .map(|stored| stored.config.retention.legal_hold)
        .unwrap_or_default();
    Ok(if hold.tenant {
        Some("legal hold on the tenant".to_owned())
    } else if hold.users.contains(user.as_str()) {
        Some("legal hold on the user".to_owned())
    } else {
        rooms
            .iter()
            .find(|room| hold.rooms.contains(room.as_str()))
            .map(|room| format!("legal hold on room {room}"))
    })
}

/// Whether the store holds anything of `user`, and the rooms of their items
/// (counted once, on first need).
async fn held_of<S: Erasure>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    found: &mut Option<(bool, Vec<String>)>,
) -> Result<(bool, Vec<String>), ErasureError> {
    if let Some(found) = found {
        return Ok(found.clone());
    }
    let (counts, rooms) = store.erasure_inventory(tenant, user).await?;
    let made = (
        counts.values().any(|&n| n > 0),
        rooms.iter().map(|r| r.as_str().to_owned()).collect(),
    );
    Ok(found.insert(made).clone())
}

/// Takes an erasure request for `user`: the same request if one was made, none
/// for a user the store holds nothing of.
pub async fn request_erasure<S>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    now_ms: i64,
) -> Result<Requested, ErasureRunError>
where
    S: Erasure + TenantConfigs,
{
    let secret = tenant_secret(store, tenant).await?;
    let subject = subject_of(&secret, user);
    // Asked again while open, or after completion with nothing new held: the
    // same request. A user who came back since gets a new one.
    let mut generation = 0;
    let mut found: Option<(bool, Vec<String>)> = None;
    loop {
        let id = erasure_id(tenant, &subject, generation);
        let Some(existing) = store.erasure_request(tenant, &id).await? else {
            break;
        };
        if existing.status.is_open() || generation + 1 >= MAX_GENERATIONS {
            return Ok(Requested::Existing(existing));
        }
        if !held_of(store, tenant, user, &mut found).await?.0 {
            return Ok(Requested::Existing(existing));
        }
        generation += 1;
    }
    let (held, rooms) = held_of(store, tenant, user, &mut found).await?;
    if !held {
        return Ok(Requested::UnknownUser);
    }
    let hold = hold_on(store, tenant, user, &rooms).await?;
    let request = ErasureRequest::new(
        tenant.clone(),
        user.clone(),
        subject,
        generation,
        now_ms,
        hold,
    );
    match store.open_erasure(&request).await {
        Ok(stored) => {
            info!(%tenant, request_id = %stored.request_id, status = stored.status.as_str(), "erasure requested");
            Ok(Requested::Created(stored))
        }
        Err(ErasureError::Conflict) => Ok(store
            .erasure_request(tenant, &request.request_id)
            .await?
            .map_or(Requested::UnknownUser, Requested::Existing)),
        Err(err) => Err(err.into()),
    }
}

/// What a run did, for its answer and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureReport {
    pub requests: u64,
    pub started: u64,
    pub completed: u64,
    pub rechecked: u64,
    pub blocked: u64,
    pub items: u64,
    pub failed: u64,
    /// Requests left for the next run (budget spent, or failing).
    pub unfinished: u64,
}

/// Where one request's step stops: a crash injected by tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    None,
    /// Stop (as a crash would) after this many items of the request are erased.
    AfterItems(usize),
}

/// Runs due erasure requests (of `only` that tenant, if given) within `items`
/// erased in all; a user's kept export file goes with the rest.
pub async fn run_erasures<S, C, F>(
    store: &S,
    connections: &C,
    files: &F,
    now_ms: i64,
    items: usize,
    only: Option<&TenantId>,
) -> Result<ErasureReport, ErasureRunError>
where
    S: Erasure + ConnectionRegistry + TenantConfigs + DecisionLog + UserData,
    C: Connections,
    F: ExportFiles,
{
    run_erasures_until(
        store,
        connections,
        files,
        now_ms,
        items,
        only,
        Interrupt::None,
    )
    .await
}

/// [`run_erasures`], stopping where `interrupt` says (for crash tests).
pub async fn run_erasures_until<S, C, F>(
    store: &S,
    connections: &C,
    files: &F,
    now_ms: i64,
    items: usize,
    only: Option<&TenantId>,
    interrupt: Interrupt,
) -> Result<ErasureReport, ErasureRunError>
where
    S: Erasure + ConnectionRegistry + TenantConfigs + DecisionLog + UserData,
    C: Connections,
    F: ExportFiles,
{
    let mut report = ErasureReport::default();
    let mut budget = RunBudget {
        left: items,
        interrupt,
    };
    for (tenant, id) in store.due_erasures(REQUESTS_LISTED).await? {
        if only.is_some_and(|only| only != &tenant) {
            continue;
        }
        let Some(request) = store.erasure_request(&tenant, &id).await? else {
            continue;
        };
        if !request.due(now_ms) {
            continue;
        }
        report.requests += 1;
        match advance(
            store,
            connections,
            files,
            request,
            now_ms,
            &mut budget,
            &mut report,
        )
        .await
        {
            Ok(()) => {}
            // Another run saved it meanwhile: it goes on from there next time.
            Err(ErasureRunError::Store(ErasureError::Conflict)) => report.unfinished += 1,
            Err(err) => {
                warn!(%tenant, request_id = %id, error = %err, cause = ?std::error::Error::source(&err), "erasure step failed; the next run tries again");
                report.unfinished += 1;
            }
        }
    }
    Ok(report)
}

/// What a run may still erase, and where a crash test stops it.
struct RunBudget {
    left: usize,
    interrupt: Interrupt,
}

fn next(mut request: ErasureRequest) -> ErasureRequest {
    request.version += 1;
    request
}

async fn advance<S, C, F>(
    store: &S,
    connections: &C,
    files: &F,
    request: ErasureRequest,
    now_ms: i64,
    budget: &mut RunBudget,
    report: &mut ErasureReport,
) -> Result<(), ErasureRunError>
where
    S: Erasure + ConnectionRegistry + TenantConfigs + DecisionLog + UserData,
    C: Connections,
    F: ExportFiles,
{
    let tenant = request.tenant.clone();
    if request.status == ErasureStatus::Completed {
        // An export file written while the erasure ran goes by the re-check.
        files.forget(&tenant, &request.subject).await?;
    }
    let Some(user) = user_of(store, &request).await? else {
        // Completed without a sealed id to re-check by: nothing to look for.
        if request.status == ErasureStatus::Completed {
            let mut done = next(request);
            done.rechecked_at_ms = Some(now_ms);
            done.pseudonym = None;
            store.save_erasure(&done).await?;
            report.rechecked += 1;
        }
        return Ok(());
    };
    let mut request = request;
    if request.status == ErasureStatus::Completed {
        return recheck(store, request, &user, now_ms, report).await;
    }
    // A hold put on since the request (or still on) stops it where it is.
    if let Some(reason) = hold_on(store, &tenant, &user, &request.rooms).await? {
        report.blocked += 1;
        if request.status != ErasureStatus::Blocked {
            request = next(request);
            request.status = ErasureStatus::Blocked;
            request.reason = Some(reason);
            store.save_erasure(&request).await?;
        }
        return Ok(());
    }
    if request.status == ErasureStatus::Blocked {
        request = next(request);
        request.status = if request.started_at_ms.is_some() {
            ErasureStatus::Running
        } else {
            ErasureStatus::Pending
        };
        request.reason = None;
        store.save_erasure(&request).await?;
    }
    if request.started_at_ms.is_none() {
        // Live connections closed first (new ones are refused by the mark);
        // then what there is to erase is counted, before any of it is.
        for id in store.user_connections(&tenant, &user).await? {
            match connections.disconnect(&id).await {
                Ok(()) | Err(PostError::Gone) => {}
                Err(err) => {
                    warn!(%tenant, connection_id = %id, error = %err, "could not close a connection of a user being erased")
                }
            }
        }
        let (counts, rooms) = store.erasure_inventory(&tenant, &user).await?;
        request = next(request);
        request.rooms = rooms.iter().map(|r| r.as_str().to_owned()).collect();
        // Items in a held room keep the whole erasure waiting (before any goes).
        if let Some(reason) = hold_on(store, &tenant, &user, &request.rooms).await? {
            request.status = ErasureStatus::Blocked;
            request.reason = Some(reason);
            store.save_erasure(&request).await?;
            report.blocked += 1;
            return Ok(());
        }
        request.status = ErasureStatus::Running;
        request.started_at_ms = Some(now_ms);
        request.counts = counts;
        store.save_erasure(&request).await?;
        report.started += 1;
    }
    let rooms: Vec<_> = request
        .rooms
        .iter()
        .filter_map(|r| sideline_domain::ids::RoomId::parse(r).ok())
        .collect();
    let mut erased_here = 0usize;
    loop {
        if budget.left == 0 {
            report.unfinished += 1;
            return Ok(());
        }
        let mut limit = budget.left;
        if let Interrupt::AfterItems(n) = budget.interrupt {
            if erased_here >= n {
                report.unfinished += 1;
                return Ok(());
            }
            limit = limit.min(n - erased_here);
        }
        let step = store
            .erase_items(&tenant, &user, &request.subject, &rooms, limit)
            .await?;
        let done = usize::try_from(step.total()).unwrap_or(usize::MAX);
        erased_here += done;
        budget.left = budget.left.saturating_sub(done);
        report.items += step.total();
        if step.failed > 0 {
            let reason = format!("{} items kept failing; retried by every run", step.failed);
            return failing(store, request, step.failed, reason, report).await;
        }
        if step.more {
            continue;
        }
        // Nothing left as listed: anything written since the count (a send that
        // raced the mark) is counted and erased before completing.
        let (late, _) = store.erasure_inventory(&tenant, &user).await?;
        if late.values().any(|&n| n > 0) {
            // Saved before any of it goes, so a crash keeps the receipt's counts.
            request = next(request);
            for (kind, n) in late {
                *request.counts.entry(kind).or_insert(0) += n;
            }
            store.save_erasure(&request).await?;
            continue;
        }
        break;
    }
    // The user's export file, if one was kept, before the receipt says done.
    if let Err(err) = files.forget(&tenant, &request.subject).await {
        warn!(%tenant, request_id = %request.request_id, error = %err, cause = ?std::error::Error::source(&err), "could not remove an erased user's export file; the next run tries again");
        let reason = "the user's export file could not be removed; retried by every run";
        return failing(store, request, 1, reason.to_owned(), report).await;
    }
    complete(store, request, &user, now_ms).await?;
    report.completed += 1;
    Ok(())
}

/// Records a step that left `failed` items behind: retried by the next run, and
/// marked `failed` (with `reason`) once it has failed [`MAX_ATTEMPTS`] times.
async fn failing<S: Erasure>(
    store: &S,
    request: ErasureRequest,
    failed: u64,
    reason: String,
    report: &mut ErasureReport,
) -> Result<(), ErasureRunError> {
    report.failed += failed;
    report.unfinished += 1;
    let mut request = next(request);
    request.attempts += 1;
    request.failed = failed;
    if request.attempts >= MAX_ATTEMPTS {
        request.status = ErasureStatus::Failed;
        request.reason = Some(reason);
    }
    store.save_erasure(&request).await?;
    Ok(())
}

/// Seals the receipt onto the tenant's chain and completes the request.
async fn complete<S: Erasure + DecisionLog>(
    store: &S,
    request: ErasureRequest,
    user: &UserId,
    now_ms: i64,
) -> Result<(), ErasureRunError> {
    let secret = tenant_secret(store, &request.tenant).await?;
    // The audit keeps the fact (before completing: a retry records it again,
    // under the same id, as a no-op).
    let decision = host_decision(
        &request.tenant,
        DecisionKind::UserErased,
        &format!("erasure\u{1f}{}", request.request_id),
        now_ms,
        format!("erasure request {}", request.request_id),
    );
    audit::record(store, &decision).await?;
    // The chain head may move under a concurrent completion: read it again.
    for _ in 0..5 {
        let head = store.chain_head(&request.tenant).await?;
        let mut done = next(request.clone());
        let mut receipt = Receipt {
            request_id: done.request_id.clone(),
            tenant_id: done.tenant.as_str().to_owned(),
            seq: head.as_ref().map_or(1, |h| h.seq + 1),
            requested_at: format_time(done.requested_at_ms),
            started_at: format_time(done.started_at_ms.unwrap_or(now_ms)),
            completed_at: format_time(now_ms),
            counts: done.counts.clone(),
            previous_hash: head
                .as_ref()
                .map_or_else(|| GENESIS_HASH.to_owned(), |h| h.hash.clone()),
            hash: String::new(),
        };
        receipt.hash = receipt_hash(&receipt);
        done.receipt = Some(receipt);
        done.status = ErasureStatus::Completed;
        done.reason = None;
        done.failed = 0;
        done.completed_at_ms = Some(now_ms);
        done.user = None;
        done.sealed_user = seal(&secret, user);
        match store.complete_erasure(&done, user, head.as_ref()).await {
            Ok(()) => {
                info!(tenant = %done.tenant, request_id = %done.request_id, "erasure completed");
                return Ok(());
            }
            Err(ErasureError::Conflict) => {
                // Our own request moved (another run): give way.
                let stored = store
                    .erasure_request(&done.tenant, &done.request_id)
                    .await?;
                if stored.is_none_or(|s| s.version != request.version) {
                    return Err(ErasureError::Conflict.into());
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ErasureError::Conflict.into())
}

/// The check a day after completion: what of the user's, from before the
/// completion, is found again (a late write, a restore) — counted and logged,
/// not erased here: a user who came back since has new data that is theirs, and
/// a finding is for an operator (or a new request) to act on.
async fn recheck<S: Erasure + UserData>(
    store: &S,
    request: ErasureRequest,
    user: &UserId,
    now_ms: i64,
    report: &mut ErasureReport,
) -> Result<(), ErasureRunError> {
    let completed = request.completed_at_ms.unwrap_or(now_ms);
    let found = store
        .owned_by(&request.tenant, user)
        .await?
        .iter()
        .filter(|item| stored_time(item).is_some_and(|at| at < completed))
        .count() as u64;
    if found > 0 {
        warn!(tenant = %request.tenant, request_id = %request.request_id, found, "the re-check found items of an erased user from before the erasure");
    }
    let mut done = next(request);
    done.rechecked_at_ms = Some(now_ms);
    done.recheck_found = Some(found);
    done.sealed_user = None;
    done.pseudonym = None;
    store.save_erasure(&done).await?;
    report.rechecked += 1;
    Ok(())
}

/// When a stored record was made.
fn stored_time(item: &Stored) -> Option<i64> {
    match item {
        Stored::Message(m) => Some(m.created_at_ms),
        Stored::Reaction(r) => Some(r.at_ms),
        Stored::Report(r) => Some(r.at_ms),
        Stored::Decision(d) => Some(d.at_ms),
        _ => None,
    }
}

/// SHA-256 (hex) of a receipt's canonical form.
pub fn receipt_hash(receipt: &Receipt) -> String {
    hex(digest::digest(&digest::SHA256, &receipt.canonical()).as_ref())
}

/// Checks a tenant's receipts, in chain order: each hash is its content's, and
/// each links to the one before. The first receipt whose check fails, by seq.
pub fn verify_chain(receipts: &[Receipt]) -> Result<(), u64> {
    let mut previous = GENESIS_HASH.to_owned();
    let mut sorted: Vec<&Receipt> = receipts.iter().collect();
    sorted.sort_by_key(|r| r.seq);
    for (i, receipt) in sorted.iter().enumerate() {
        let expected_seq = u64::try_from(i).unwrap_or(u64::MAX) + 1;
        if receipt.seq != expected_seq
            || receipt.previous_hash != previous
            || receipt_hash(receipt) != receipt.hash
        {
            return Err(expected_seq);
        }
        previous = receipt.hash.clone();
    }
    Ok(())
}

/// A request as the server API shows it: no user id, sealed or not.
pub fn public_view(request: &ErasureRequest) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut view = Map::new();
    view.insert("requestId".into(), json!(request.request_id));
    view.insert("status".into(), json!(request.status.as_str()));
    view.insert(
        "requestedAt".into(),
        json!(format_time(request.requested_at_ms)),
    );
    let times = [
        ("startedAt", request.started_at_ms),
        ("completedAt", request.completed_at_ms),
    ];
    for (key, at) in times {
        if let Some(at) = at {
            view.insert(key.into(), json!(format_time(at)));
        }
    }
    if let Some(reason) = &request.reason {
        view.insert("reason".into(), json!(reason));
    }
    if request.status.is_open() && !request.counts.is_empty() {
        view.insert("counts".into(), json!(request.counts));
    }
    if request.failed > 0 {
        view.insert("failedItems".into(), json!(request.failed));
    }
    if let Some(receipt) = &request.receipt {
        view.insert("receipt".into(), json!(receipt));
    }
    if let Some(at) = request.rechecked_at_ms {
        view.insert(
            "recheck".into(),
            json!({"at": format_time(at), "found": request.recheck_found.unwrap_or(0)}),
        );
    }
    Value::Object(view)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use sideline_domain::connection::ConnectionRecord;
    use sideline_domain::identity::Role;
    use sideline_domain::ids::{ConnectionId, RoomId};
    use sideline_domain::message::{Author, ClientMsgId, MessageId, MessageText, StoredMessage};
    use sideline_domain::tenant::TenantConfig;
    use sideline_memory::{MemoryStore, RecordingConnections, RecordingExportFiles};
    use sideline_ports::{MessageStore, UserData};

    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn connect(tenant: &TenantId, sub: &str, id: &str) -> ConnectionRecord {
        ConnectionRecord {
            tenant: tenant.clone(),
            connection_id: ConnectionId::parse(id).expect("id"),
            user: UserId::derive(tenant, sub),
            name: sub.to_owned(),
            role: Role::Member,
            connected_at_ms: NOW,
            expires_at_s: NOW / 1000 + 7800,
            rooms: BTreeSet::new(),
        }
    }

    /// A tenant where `ada` wrote `n` messages in two rooms and `bob` one.
    async fn seeded(n: usize) -> (MemoryStore, TenantId, UserId, UserId) {
        let store = MemoryStore::new();
        let t = TenantId::parse("acme").expect("tenant");
        // One secret for every seeded store, so their requests compare.
        store.tenant_secret(&t, &[9; 32]).await.expect("secret");
        let ada = connect(&t, "ada", "ada-1");
        let bob = connect(&t, "bob", "bob-1");
        store.put_connection(&ada).await.expect("ada");
        store.put_connection(&bob).await.expect("bob");
        for i in 0..=n {
            let author = if i == n { &bob } else { &ada };
            let room = RoomId::parse(if i % 2 == 0 { "a" } else { "b" }).expect("room");
            let message = StoredMessage {
                tenant: t.clone(),
                room,
                id: MessageId::at(NOW + i as i64),
                author: Author {
                    id: author.user.clone(),
                    name: author.name.clone(),
                    role: Role::Member,
                    tier: sideline_domain::scoring::Tier::None,
                },
                text: MessageText::parse(&format!("text {i}"), 2000).expect("text"),
                created_at_ms: NOW + i as i64,
                reply_to: None,
                client_msg_id: ClientMsgId::parse(&format!("c{i}")).expect("cmid"),
                correlation_id: None,
                reactions: Default::default(),
                visibility: Default::default(),
                seq: None,
                batched: false,
            };
            store.put_message(&message).await.expect("put");
        }
        (store, t, ada.user, bob.user)
    }

    async fn run_to_end(store: &MemoryStore, items: usize, interrupt: Interrupt) -> u32 {
        let gateway = RecordingConnections::new();
        let mut runs = 0;
        loop {
            runs += 1;
            let report = run_erasures_until(
                store,
                &gateway,
                &None::<RecordingExportFiles>,
                NOW + 1_000,
                items,
                None,
                interrupt,
            )
            .await
            .expect("run");
            if report.completed > 0 || report.requests == 0 {
                return runs;
            }
            assert!(runs < 100, "erasure does not finish");
        }
    }

    fn id_of(requested: Requested) -> String {
        match requested {
            Requested::Created(r) | Requested::Existing(r) => r.request_id,
            Requested::UnknownUser => panic!("unknown user"),
        }
    }

    #[tokio::test]
    async fn a_request_is_taken_once_and_unknown_users_are_refused() {
        let (store, t, ada, _) = seeded(3).await;
        let first = request_erasure(&store, &t, &ada, NOW)
            .await
            .expect("request");
        assert!(matches!(first, Requested::Created(ref r) if r.status == ErasureStatus::Pending));
        let again = request_erasure(&store, &t, &ada, NOW + 5)
            .await
            .expect("again");
        assert!(matches!(again, Requested::Existing(_)));
        assert_eq!(id_of(first), id_of(again));
        let nobody = UserId::derive(&t, "nobody");
        assert_eq!(
            request_erasure(&store, &t, &nobody, NOW)
                .await
                .expect("unknown"),
            Requested::UnknownUser
        );
        assert_eq!(store.due_erasures(10).await.expect("due").len(), 1);
    }

    #[tokio::test]
    async fn a_crash_half_way_is_finished_by_the_next_run_with_the_same_receipt() {
        let (clean, t, ada, bob) = seeded(40).await;
        let id = id_of(
            request_erasure(&clean, &t, &ada, NOW)
                .await
                .expect("request"),
        );
        let clean_runs = run_to_end(&clean, 15, Interrupt::None).await;
        assert!(clean_runs > 2, "a budget of 15 takes several runs");
        let done = clean
            .erasure_request(&t, &id)
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(done.status, ErasureStatus::Completed);
        assert_eq!(done.user, None);
        let receipt = done.receipt.clone().expect("receipt");
        assert_eq!(receipt.counts.get("messages"), Some(&40));
        assert_eq!(receipt.seq, 1);
        assert_eq!(receipt.previous_hash, GENESIS_HASH);
        assert!(verify_chain(std::slice::from_ref(&receipt)).is_ok());
        assert!(!serde_json::to_string(&public_view(&done))
            .expect("json")
            .contains(ada.as_str()));
        assert!(clean.owned_by(&t, &ada).await.expect("ada").is_empty());
        assert_eq!(clean.owned_by(&t, &bob).await.expect("bob").len(), 1);

        // The same, with every run dying after 7 items.
        let (crashy, t2, ada2, _) = seeded(40).await;
        let id2 = id_of(
            request_erasure(&crashy, &t2, &ada2, NOW)
                .await
                .expect("request"),
        );
        assert_eq!(id2, id);
        run_to_end(&crashy, 15, Interrupt::AfterItems(7)).await;
        let crashed = crashy
            .erasure_request(&t2, &id2)
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(
            crashed.receipt,
            Some(receipt),
            "same receipt despite the crashes"
        );
    }

    #[tokio::test]
    async fn receipts_chain_and_a_changed_one_shows() {
        let (store, t, ada, bob) = seeded(2).await;
        let first = id_of(request_erasure(&store, &t, &ada, NOW).await.expect("ada"));
        run_to_end(&store, 100, Interrupt::None).await;
        let second = id_of(request_erasure(&store, &t, &bob, NOW).await.expect("bob"));
        run_to_end(&store, 100, Interrupt::None).await;
        let mut receipts = Vec::new();
        for id in [&first, &second] {
            receipts.push(
                store
                    .erasure_request(&t, id)
                    .await
                    .expect("read")
                    .and_then(|r| r.receipt)
                    .expect("receipt"),
            );
        }
        assert_eq!(receipts[1].previous_hash, receipts[0].hash);
        assert_eq!(verify_chain(&receipts), Ok(()));
        let mut altered = receipts.clone();
        altered[0].counts.insert("messages".into(), 0);
        assert_eq!(verify_chain(&altered), Err(1));
        assert_eq!(
            verify_chain(&receipts[1..]),
            Err(1),
            "a removed receipt shows"
        );
    }

    #[tokio::test]
    async fn a_hold_blocks_until_lifted_and_the_recheck_comes_a_day_later() {
        let (store, t, ada, _) = seeded(2).await;
        let mut config = TenantConfig::default();
        config
            .retention
            .legal_hold
            .users
            .insert(ada.as_str().into());
        store
            .put_tenant_config(&t, 0, &config, NOW)
            .await
            .expect("hold");
        let id = match request_erasure(&store, &t, &ada, NOW)
            .await
            .expect("request")
        {
            Requested::Created(r) => {
                assert_eq!(r.status, ErasureStatus::Blocked);
                assert_eq!(r.reason.as_deref(), Some("legal hold on the user"));
                r.request_id
            }
            other => panic!("{other:?}"),
        };
        let gateway = RecordingConnections::new();
        gateway.open(&ConnectionId::parse("ada-1").expect("id"));
        // An export of Ada's kept as a file (too large to answer whole).
        let files = RecordingExportFiles::new();
        let subject = subject_of(&[9; 32], &ada);
        files.keep(&t, &subject, b"{}", NOW).await.expect("kept");
        let report = run_erasures(&store, &gateway, &files, NOW + 10, 100, None)
            .await
            .expect("run");
        assert_eq!(report.blocked, 1);
        assert_eq!(store.owned_by(&t, &ada).await.expect("kept").len(), 2);
        config.retention.legal_hold.users.clear();
        store
            .put_tenant_config(&t, 1, &config, NOW + 20)
            .await
            .expect("lift");
        assert!(files.kept(&t, &subject).is_some(), "kept while blocked");
        let report = run_erasures(&store, &gateway, &files, NOW + 30, 100, None)
            .await
            .expect("run");
        assert_eq!(report.completed, 1, "{report:?}");
        assert_eq!(gateway.closed().len(), 1, "ada's live connection closed");
        assert!(files.is_empty(), "the export file goes with the rest");
        // One written in a race with the completion goes by the re-check.
        files
            .keep(&t, &subject, b"{}", NOW + 35)
            .await
            .expect("kept");
        // Not re-checked before the day is out; then once.
        let early = run_erasures(&store, &gateway, &files, NOW + 40, 100, None)
            .await
            .expect("run");
        assert_eq!(early.rechecked, 0);
        let later = run_erasures(&store, &gateway, &files, NOW + 30 + 86_400_000, 100, None)
            .await
            .expect("run");
        assert_eq!(later.rechecked, 1);
        assert!(files.is_empty());
        let stored = store
            .erasure_request(&t, &id)
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(stored.recheck_found, Some(0));
        assert_eq!(
            stored.sealed_user, None,
            "the sealed id goes with the re-check"
        );
        assert!(store.due_erasures(10).await.expect("due").is_empty());
    }

    #[tokio::test]
    async fn a_held_room_the_user_wrote_in_blocks_the_erasure() {
        let (store, t, ada, bob) = seeded(2).await;
        let mut config = TenantConfig::default();
        // Ada wrote in rooms a and b (bob in a); b is held.
        config.retention.legal_hold.rooms.insert("b".into());
        store
            .put_tenant_config(&t, 0, &config, NOW)
            .await
            .expect("hold");
        match request_erasure(&store, &t, &ada, NOW)
            .await
            .expect("request")
        {
            Requested::Created(r) => {
                assert_eq!(r.status, ErasureStatus::Blocked);
                assert_eq!(r.reason.as_deref(), Some("legal hold on room b"));
            }
            other => panic!("{other:?}"),
        }
        // Bob wrote only in room a: his goes on.
        match request_erasure(&store, &t, &bob, NOW)
            .await
            .expect("request")
        {
            Requested::Created(r) => assert_eq!(r.status, ErasureStatus::Pending),
            other => panic!("{other:?}"),
        }
        let gateway = RecordingConnections::new();
        let report = run_erasures(
            &store,
            &gateway,
            &None::<RecordingExportFiles>,
            NOW + 10,
            100,
            None,
        )
        .await
        .expect("run");
        assert_eq!((report.blocked, report.completed), (1, 1), "{report:?}");
        assert_eq!(store.owned_by(&t, &ada).await.expect("kept").len(), 2);
    }

    #[test]
    fn sealing_round_trips_and_needs_the_secret() {
        let t = TenantId::parse("acme").expect("tenant");
        let user = UserId::derive(&t, "ada");
        let sealed = seal(&[7; 32], &user).expect("seal");
        assert!(!sealed.contains(user.as_str()));
        assert_eq!(unseal(&[7; 32], &sealed), Some(user.clone()));
        assert_eq!(unseal(&[8; 32], &sealed), None);
        assert_eq!(unseal(&[7; 32], "zz"), None);
        assert_ne!(subject_of(&[7; 32], &user), subject_of(&[8; 32], &user));
        assert!(subject_of(&[7; 32], &user).starts_with("h_"));
    }
}
