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

use sideline_shared::config::{required_var, ConfigError};
use sideline_shared::events::from_stream_record;
use sideline_shared::publish::{publish, EventSink, PutEntry, RetryPolicy};
use sideline_shared::stream::{BatchItemFailure, BatchResponse, StreamEvent};
use tracing::{error, info, info_span, Instrument};

pub mod host;

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
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            source: std::env::var("SIDELINE_EVENT_SOURCE")
                .ok()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "sideline".to_owned()),
            bus: required_var("EVENT_BUS_NAME")?,
            retry: RetryPolicy::from_lookup(|name| std::env::var(name).ok())?,
            host_secret: match std::env::var("SIDELINE_HOST_EVENTS_SECRET") {
                Ok(s) if s.len() >= 16 => Some(s.into_bytes()),
                Ok(s) if !s.is_empty() => {
                    return Err(ConfigError(
                        "SIDELINE_HOST_EVENTS_SECRET must be at least 16 bytes".into(),
                    ))
                }
                _ => None,
            },
        })
    }
}

/// Handles one stream batch.
pub async fn handle_stream<E: EventSink>(
    event: StreamEvent,
    sink: &E,
    config: &IngestConfig,
) -> BatchResponse {
    let span = info_span!("ingest_batch", records = event.records.len());
    async move {
        let mut entries = Vec::new();
        let mut origin = Vec::new(); // entry index -> record index
        let mut failed_records = Vec::new();
        for (index, record) in event.records.iter().enumerate() {
            match from_stream_record(record) {
                Ok(Some(envelope)) => match serde_json::to_string(&envelope) {
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
                        error!(sequence = %record.dynamodb.sequence_number, error = %err, "could not serialise event");
                        failed_records.push(index);
                    }
                },
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
