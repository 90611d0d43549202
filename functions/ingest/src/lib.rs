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
use sideline_app::publish::{publish, RetryPolicy};
use sideline_app::standing::TenantSettings;
use sideline_aws::stream::{decode, StreamEvent};
use sideline_domain::config::{ConfigError, Env};
use sideline_domain::events::Envelope;
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::outbox::{event_for, ChangeKind, OutboxRecord, Stored};
use sideline_domain::retention::{Class, RetentionConfig};
use sideline_lambda::{BatchItemFailure, BatchResponse};
use sideline_ports::{BackendError, Clock, ConfigStoreError, EventSink, PutEntry, TenantConfigs};
use tracing::{error, info, info_span, Instrument};

pub mod host;

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
/// `meta.experiment` and `meta.variant`, so analytics can compare the arms.
pub trait Stamp: Send + Sync {
    fn stamp(
        &self,
        envelope: &mut Envelope,
    ) -> impl Future<Output = Result<(), ConfigStoreError>> + Send;

    /// The tenant's retention windows, to tell retention's removals of messages,
    /// reactions and reports from users' own.
    fn retention(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<RetentionConfig, ConfigStoreError>> + Send;
}

/// Stamps nothing (the event mapping alone, in tests); default retention windows.
pub struct Unstamped;

impl Stamp for Unstamped {
    async fn stamp(&self, _: &mut Envelope) -> Result<(), ConfigStoreError> {
        Ok(())
    }

    async fn retention(&self, _: &TenantId) -> Result<RetentionConfig, ConfigStoreError> {
        Ok(RetentionConfig::default())
    }
}

/// Stamps from each tenant's settings document, read as the other functions read
/// it (cached, re-read within a minute of a change).
pub struct Experiments<'a, S, K> {
    pub store: &'a S,
    pub settings: &'a TenantSettings,
    pub clock: &'a K,
}

impl<S: TenantConfigs, K: Clock> Stamp for Experiments<'_, S, K> {
    async fn stamp(&self, envelope: &mut Envelope) -> Result<(), ConfigStoreError> {
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

/// Handles one stream batch.
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
                    if let Err(err) = stamp.stamp(&mut envelope).await {
                        // Retried: an event is not sent without its arm.
                        error!(%sequence, error = %err, "could not read the tenant's experiment");
                        failed_records.push(index);
                        continue;
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
