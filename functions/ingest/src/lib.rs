//! `ingest`: reads the community table's stream (the outbox), maps item changes to
//! typed, enriched events, and puts them on the EventBridge bus. It also takes host
//! product events over HTTP ([`host`]).
//!
//! Records that are not interactions (connections, rate counters, idempotency
//! keys) are skipped. A record whose event could not be put after the retries, or
//! that cannot be read, is reported as a batch item failure, so Lambda retries the
//! batch from it (and, past the mapping's retry limit, sends it to the on-failure
//! queue). Events of records retried this way keep their `eventId`, so consumers
//! drop the repeats.

use std::collections::HashMap;
use std::future::Future;

use serde_json::Value;
use sideline_app::erasure::event_pseudonym;
use sideline_app::publish::{publish, RetryPolicy};
use sideline_app::standing::TenantSettings;
use sideline_aws::stream::{decode, StreamEvent};
use sideline_domain::config::{ConfigError, Env};
use sideline_domain::erasure::erased_author;
use sideline_domain::events::Envelope;
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::message::system_author;
use sideline_domain::outbox::{event_for, ChangeKind, OutboxRecord, Stored};
use sideline_domain::retention::{Class, RetentionConfig};
use sideline_domain::time::parse_time;
use sideline_lambda::{BatchItemFailure, BatchResponse};
use sideline_ports::{
    BackendError, Clock, ConfigStoreError, Erasure, ErasureError, EventSink, Pseudonyms, PutEntry,
    StoredPseudonym, TenantConfigs,
};
use tracing::{error, info, info_span, Instrument};

pub mod host;
#[cfg(feature = "streams")]
pub mod redrive;

/// Shortest host events secret accepted (bytes).
pub const MIN_HOST_SECRET_LEN: usize = 16;

/// Where events go and how hard to try.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// EventBridge `source` of every event (`SIDELINE_EVENT_SOURCE`, default `sideline`).
    pub source: String,
    /// The bus (`EVENT_BUS_NAME`, from the template).
    pub bus: String,
    pub retry: RetryPolicy,
    /// The HMAC secret host events are signed with (`SIDELINE_HOST_EVENTS_SECRET`);
    /// `None` refuses every host event.
    pub host_secret: Option<Vec<u8>>,
}

impl IngestConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            source: env
                .text("SIDELINE_EVENT_SOURCE")
                .unwrap_or_else(|| "sideline".to_owned()),
            bus: env.required("EVENT_BUS_NAME")?,
            retry: RetryPolicy::from_env(env)?,
            host_secret: match env.var("SIDELINE_HOST_EVENTS_SECRET") {
                Some(s) if s.len() >= MIN_HOST_SECRET_LEN => Some(s.into_bytes()),
                Some(s) if !s.is_empty() => {
                    return Err(ConfigError::invalid(
                        "SIDELINE_HOST_EVENTS_SECRET",
                        format!("must be at least {MIN_HOST_SECRET_LEN} bytes"),
                    ))
                }
                _ => None,
            },
        })
    }
}

/// Marks the events of users enrolled in their tenant's experiment with
/// `meta.experiment` and `meta.variant`, so analytics can compare the arms, and
/// puts each user's pseudonym in place of their id.
pub trait Stamp: Send + Sync {
    /// Stamps `envelope`; false when it must not go out (a user in it is being
    /// erased, or was erased after it happened).
    fn stamp(
        &self,
        envelope: &mut Envelope,
    ) -> impl Future<Output = Result<bool, ConfigStoreError>> + Send;

    /// The tenant's retention windows, to tell retention's removals of messages,
    /// reactions and reports from users' own.
    fn retention(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<RetentionConfig, ConfigStoreError>> + Send;
}

/// No store (the event mapping alone, in tests): no experiment arms, default
/// retention windows, and each user named by [`stand_in`] of their id.
pub struct Unstamped;

/// The pseudonym a store-less stamp gives a user: `p_` and their id's digits.
/// Tests only; deployed, pseudonyms are random and kept in the table.
pub fn stand_in(user: &UserId) -> String {
    format!("p_{}", &user.as_str()[2..])
}

impl Stamp for Unstamped {
    async fn stamp(&self, envelope: &mut Envelope) -> Result<bool, ConfigStoreError> {
        rename_users(envelope, |user, _| {
            let named = stand_in(user);
            async move { Ok::<_, ConfigStoreError>(Some(named)) }
        })
        .await
    }

    async fn retention(&self, _: &TenantId) -> Result<RetentionConfig, ConfigStoreError> {
        Ok(RetentionConfig::default())
    }
}

/// The users an event names, by their place in the envelope: the actor and the
/// user ids `data` may hold. Each is replaced by what `name` answers; `None`
/// from it drops the event (false). The erased author of a tombstone is no one.
async fn rename_users<F, Fut, E>(envelope: &mut Envelope, mut name: F) -> Result<bool, E>
where
    F: FnMut(&UserId, i64) -> Fut,
    Fut: Future<Output = Result<Option<String>, E>>,
{
    let at_ms = parse_time(&envelope.occurred_at).unwrap_or(0);
    let erased = erased_author();
    if let Ok(user) = UserId::parse(&envelope.actor.canonical_id) {
        match name(&user, at_ms).await? {
            Some(named) => envelope.actor.canonical_id = named,
            None => return Ok(false),
        }
    }
    for field in ["authorId", "userId", "subjectId"] {
        let Some(user) = envelope
            .data
            .get(field)
            .and_then(Value::as_str)
            .and_then(|raw| UserId::parse(raw).ok())
        else {
            continue;
        };
        let named = if user == erased {
            Some("erased".to_owned())
        } else if user == system_author() {
            Some("system".to_owned())
        } else {
            name(&user, at_ms).await?
        };
        match (named, envelope.data.as_object_mut()) {
            (Some(named), Some(data)) => {
                data.insert(field.to_owned(), Value::String(named));
            }
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// Pseudonyms read within the last minute, so a busy user costs one read a
/// minute, not one an event; an erasure stops their events within that minute
/// (the mark refuses new pseudonyms at once).
#[derive(Default)]
pub struct PseudonymCache {
    entries: std::sync::Mutex<HashMap<(TenantId, UserId), (StoredPseudonym, i64)>>,
}

/// How long a pseudonym is used without reading it again.
const PSEUDONYM_CACHE_MS: i64 = 60_000;
/// Entries kept before the cache starts afresh.
const PSEUDONYM_CACHE_MAX: usize = 10_000;

impl PseudonymCache {
    fn get(&self, key: &(TenantId, UserId), now_ms: i64) -> Option<StoredPseudonym> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(_, at)| now_ms - at < PSEUDONYM_CACHE_MS)
            .map(|(stored, _)| stored.clone())
    }

    fn put(&self, key: (TenantId, UserId), stored: StoredPseudonym, now_ms: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= PSEUDONYM_CACHE_MAX {
            entries.clear();
        }
        entries.insert(key, (stored, now_ms));
    }
}

/// Stamps from each tenant's settings document, read as the other functions read
/// it (cached, re-read within a minute of a change), and names users by the
/// pseudonyms the store keeps.
pub struct Experiments<'a, S, K> {
    pub store: &'a S,
    pub settings: &'a TenantSettings,
    pub clock: &'a K,
    pub pseudonyms: &'a PseudonymCache,
}

impl<S: TenantConfigs + Erasure + Pseudonyms, K: Clock> Experiments<'_, S, K> {
    /// `meta.experiment` and `meta.variant` for a user enrolled in an arm.
    async fn stamp_arm(&self, envelope: &mut Envelope) -> Result<(), ConfigStoreError> {
        // Events by the system or a moderator's tool name no user.
        let (Ok(tenant), Ok(user)) = (
            TenantId::parse(&envelope.tenant_id),
            UserId::parse(&envelope.actor.canonical_id),
        ) else {
            return Ok(());
        };
        let current = match self
            .settings
            .current(self.store, &tenant, self.clock.now_ms())
            .await
        {
            Ok(current) => current,
            // A document that cannot be read back will not read better on a
            // retry: the event goes without its arm rather than stall the stream.
            Err(ConfigStoreError::Backend(BackendError::Corrupt(why))) => {
                error!(%tenant, %why, "settings document unreadable; event sent without its experiment arm");
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        if let Some((experiment, variant)) = current.config.enrolment(&user) {
            envelope
                .meta
                .insert("experiment".into(), experiment.name.clone().into());
            envelope
                .meta
                .insert("variant".into(), variant.name.clone().into());
        }
        Ok(())
    }

    async fn pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
        at_ms: i64,
    ) -> Result<Option<String>, ConfigStoreError> {
        let now_ms = self.clock.now_ms();
        let key = (tenant.clone(), user.clone());
        let stored = match self.pseudonyms.get(&key, now_ms) {
            Some(stored) => Some(stored),
            None => {
                let found = event_pseudonym(self.store, tenant, user, at_ms)
                    .await
                    .map_err(|err| match err {
                        ErasureError::Backend(b) => ConfigStoreError::Backend(b),
                        ErasureError::Conflict => ConfigStoreError::Backend(
                            BackendError::Unavailable("pseudonym changed meanwhile".into()),
                        ),
                    })?;
                if let Some(stored) = &found {
                    self.pseudonyms.put(key, stored.clone(), now_ms);
                }
                found
            }
        };
        Ok(stored
            .filter(|s| at_ms >= s.not_before_ms)
            .map(|s| s.pseudonym))
    }
}

impl<S: TenantConfigs + Erasure + Pseudonyms, K: Clock> Stamp for Experiments<'_, S, K> {
    async fn stamp(&self, envelope: &mut Envelope) -> Result<bool, ConfigStoreError> {
        self.stamp_arm(envelope).await?;
        let Ok(tenant) = TenantId::parse(&envelope.tenant_id) else {
            return Ok(true);
        };
        rename_users(envelope, |user, at_ms| {
            let user = user.clone();
            let tenant = &tenant;
            async move { self.pseudonym(tenant, &user, at_ms).await }
        })
        .await
    }

    async fn retention(&self, tenant: &TenantId) -> Result<RetentionConfig, ConfigStoreError> {
        // Read fresh, not from the minute-long cache: right after a tenant
        // shortens a window, retention (run on demand) removes by the new one,
        // and its removals must not read as users' by the old.
        match self.store.tenant_config(tenant, None).await {
            Ok(stored) => Ok(stored.map(|s| s.config.retention).unwrap_or_default()),
            // As above: an unreadable document is not retried; its removals are
            // judged by the default windows.
            Err(ConfigStoreError::Backend(BackendError::Corrupt(_))) => {
                Ok(RetentionConfig::default())
            }
            Err(err) => Err(err),
        }
    }
}

/// Whether a removal is retention's: a message (or a reaction or report on one)
/// past its tenant's messages window when it was removed. `windows` holds each
/// tenant's windows as read for this batch: a sweep's removals come in batches
/// of one tenant, read once each.
async fn removed_by_retention(
    record: &OutboxRecord,
    stamp: &impl Stamp,
    windows: &mut HashMap<TenantId, RetentionConfig>,
) -> Result<bool, ConfigStoreError> {
    if record.expired || record.change.kind != ChangeKind::Remove {
        return Ok(false);
    }
    let (tenant, reference_ms) = match &record.change.old {
        Some(Stored::Message(m)) => (&m.tenant, m.created_at_ms),
        Some(Stored::Reaction(r)) => (&r.tenant, r.message.time_ms().unwrap_or(r.at_ms)),
        Some(Stored::Report(r)) => (&r.tenant, r.message.time_ms().unwrap_or(r.at_ms)),
        _ => return Ok(false),
    };
    let Some(at_ms) = record.at_ms else {
        return Ok(false);
    };
    let window = match windows.get(tenant) {
        Some(window) => window,
        None => {
            let read = stamp.retention(tenant).await?;
            windows.entry(tenant.clone()).or_insert(read)
        }
    };
    Ok(window.is_expired(Class::Messages, reference_ms, at_ms))
}

/// A payload `ingest` cannot read (neither a stream batch nor an HTTP request).
#[derive(Debug, thiserror::Error)]
#[error("ingest cannot read this payload")]
pub struct UnreadablePayload(#[from] serde_json::Error);

impl From<UnreadablePayload> for sideline_lambda::Diagnostic {
    fn from(err: UnreadablePayload) -> Self {
        Self {
            error_type: "UnreadablePayload".into(),
            error_message: format!("{err}: {}", err.0),
        }
    }
}

/// The function's entry point: the DynamoDB stream's event source mapping and the
/// host events HTTP route invoke the same function; the payload says which it is
/// (a stream batch has `Records`).
pub async fn handle<E: EventSink, K: Clock>(
    payload: Value,
    sink: &E,
    config: &IngestConfig,
    clock: &K,
    stamp: &impl Stamp,
) -> Result<Value, UnreadablePayload> {
    Ok(if payload.get("Records").is_some() {
        let batch: StreamEvent = serde_json::from_value(payload)?;
        serde_json::to_value(handle_stream(batch, sink, config, stamp).await)?
    } else {
        let request: host::HttpRequest = serde_json::from_value(payload)?;
        serde_json::to_value(
            host::handle_host_events(request, sink, config, clock.now_ms(), stamp).await,
        )?
    })
}

/// Handles one stream batch. Every record is worked on, whatever failed before it
/// in the batch: a record that can never be read must not keep the ones after it
/// from going out (the mapping retries from the lowest failure, so they may go
/// again; consumers drop the repeats by `eventId`).
pub async fn handle_stream<E: EventSink>(
    event: StreamEvent,
    sink: &E,
    config: &IngestConfig,
    stamp: &impl Stamp,
) -> BatchResponse {
    let span = info_span!("ingest_batch", records = event.records.len());
    async move {
        let mut entries = Vec::new();
        let mut origin = Vec::new(); // entry index -> record index
        let mut failed_records = Vec::new();
        let mut windows = HashMap::new();
        for (index, record) in event.records.iter().enumerate() {
            let sequence = &record.dynamodb.sequence_number;
            let decoded = match decode(record) {
                Ok(Some(mut decoded)) => match removed_by_retention(&decoded, stamp, &mut windows)
                    .await
                {
                    Ok(expired) => {
                        decoded.expired |= expired;
                        Ok(event_for(&decoded))
                    }
                    Err(err) => {
                        // Retried: a removal is not published as a user's until
                        // it is known not to be retention's.
                        error!(%sequence, error = %err, "could not read the tenant's retention windows");
                        failed_records.push(index);
                        continue;
                    }
                },
                Ok(None) => Ok(None),
                Err(err) => Err(err),
            };
            match decoded {
                Ok(Some(mut envelope)) => {
                    match stamp.stamp(&mut envelope).await {
                        Ok(true) => {}
                        // A user in it is being (or was) erased: it never goes out.
                        Ok(false) => continue,
                        Err(err) => {
                            // Retried: an event is not sent without its arm and
                            // pseudonyms.
                            error!(%sequence, error = %err, "could not read the tenant's experiment or a pseudonym");
                            failed_records.push(index);
                            continue;
                        }
                    }
                    match serde_json::to_string(&envelope) {
                        Ok(detail) => {
                            entries.push(PutEntry {
                                source: config.source.clone(),
                                detail_type: envelope.event_type.clone(),
                                detail,
                                event_bus_name: config.bus.clone(),
                            });
                            origin.push(index);
                        }
                        Err(err) => {
                            error!(%sequence, error = %err, "could not serialise event");
                            failed_records.push(index);
                        }
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    error!(error = %err, "unreadable stream record");
                    failed_records.push(index);
                }
            }
        }
        let report = publish(sink, &entries, &config.retry).await;
        failed_records.extend(report.failed.iter().map(|&i| origin[i]));
        failed_records.sort_unstable();
        failed_records.dedup();
        info!(
            events = entries.len(),
            calls = report.calls,
            failed_records = failed_records.len(),
            "batch ingested"
        );
        BatchResponse {
            batch_item_failures: failed_records
                .into_iter()
                .map(|i| BatchItemFailure {
                    item_identifier: event.records[i].dynamodb.sequence_number.clone(),
                })
                .collect(),
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests;
