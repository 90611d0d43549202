//! Putting events on the bus: the [`EventSink`] port, the EventBridge adapter, a
//! recording sink for tests, and [`publish`], which batches within PutEvents'
//! limits and retries only the entries that failed.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use tracing::warn;

use crate::config::ConfigError;
use crate::ports::BoxError;

/// PutEvents takes at most 10 entries per call.
pub const MAX_ENTRIES_PER_CALL: usize = 10;
/// PutEvents takes at most 256 KB per call (and so per entry).
pub const MAX_CALL_BYTES: usize = 256 * 1024;

/// One event to put, as PutEvents takes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutEntry {
    pub source: String,
    pub detail_type: String,
    /// The envelope, as JSON text.
    pub detail: String,
    pub event_bus_name: String,
}

impl PutEntry {
    /// The entry's size as EventBridge counts it (Time counts 14 bytes).
    pub fn size(&self) -> usize {
        14 + self.source.len() + self.detail_type.len() + self.detail.len()
    }
}

/// Errors of [`EventSink`].
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The call failed as a whole (network, throttling, auth); no entry was put.
    #[error("put events failed")]
    Unavailable(#[source] BoxError),
}

/// An event bus.
///
/// # Errors
///
/// [`SinkError::Unavailable`] when the whole call failed. Entries that failed one
/// by one are not an error: they come back as `Some(error code)` at their index.
pub trait EventSink: Send + Sync {
    /// Puts at most [`MAX_ENTRIES_PER_CALL`] entries; one result per entry, `None`
    /// when accepted.
    fn put_events(
        &self,
        entries: &[PutEntry],
    ) -> impl Future<Output = Result<Vec<Option<String>>, SinkError>> + Send;
}

/// How failed entries are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls per entry at most, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled for each one after.
    pub initial_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            initial_backoff: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// `SIDELINE_PUT_ATTEMPTS` (default 3) and `SIDELINE_PUT_BACKOFF_MS` (default 1000).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let num = |name: &str, default: u64| -> Result<u64, ConfigError> {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(raw) => raw.trim().parse().map_err(|_| {
                    ConfigError(format!("{name} must be a whole number, got `{raw}`"))
                }),
            }
        };
        let attempts = num("SIDELINE_PUT_ATTEMPTS", u64::from(d.attempts))?;
        if !(1..=10).contains(&attempts) {
            return Err(ConfigError("SIDELINE_PUT_ATTEMPTS must be 1 to 10".into()));
        }
        Ok(Self {
            attempts: attempts as u32,
            initial_backoff: Duration::from_millis(num(
                "SIDELINE_PUT_BACKOFF_MS",
                d.initial_backoff.as_millis() as u64,
            )?),
        })
    }
}

/// What [`publish`] achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Indices (into the entries given) that were never accepted.
    pub failed: Vec<usize>,
    /// PutEvents calls made.
    pub calls: usize,
}

/// Splits entry indices into calls of at most 10 entries and 256 KB.
fn batches(entries: &[PutEntry], indices: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut bytes = 0;
    for &i in indices {
        let size = entries[i].size();
        let full = out
            .last()
            .is_none_or(|b| b.len() == MAX_ENTRIES_PER_CALL || bytes + size > MAX_CALL_BYTES);
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        if let Some(batch) = out.last_mut() {
            batch.push(i);
        }
        bytes += size;
    }
    out
}

/// Puts every entry, in calls within PutEvents' limits, retrying only the entries
/// that failed (by `FailedEntryCount` and each entry's error code) with exponential
/// backoff. An entry larger than one call allows fails at once.
pub async fn publish<E: EventSink>(
    sink: &E,
    entries: &[PutEntry],
    policy: &RetryPolicy,
) -> PublishReport {
    let mut report = PublishReport::default();
    let (mut pending, too_big): (Vec<usize>, Vec<usize>) =
        (0..entries.len()).partition(|&i| entries[i].size() <= MAX_CALL_BYTES);
    for &i in &too_big {
        warn!(detail_type = %entries[i].detail_type, size = entries[i].size(), "event larger than PutEvents allows; not published");
    }
    for attempt in 0..policy.attempts.max(1) {
        if pending.is_empty() {
            break;
        }
        if attempt > 0 {
            tokio::time::sleep(policy.initial_backoff * 2u32.saturating_pow(attempt - 1)).await;
        }
        let mut failed = Vec::new();
        for batch in batches(entries, &pending) {
            let slice: Vec<PutEntry> = batch.iter().map(|&i| entries[i].clone()).collect();
            report.calls += 1;
            match sink.put_events(&slice).await {
                Ok(results) if results.len() == batch.len() => {
                    for (&i, result) in batch.iter().zip(results) {
                        if let Some(code) = result {
                            warn!(attempt, code = %code, detail_type = %entries[i].detail_type, "entry failed");
                            failed.push(i);
                        }
                    }
                }
                Ok(results) => {
                    warn!(
                        expected = batch.len(),
                        got = results.len(),
                        "PutEvents answered for the wrong number of entries"
                    );
                    failed.extend(&batch);
                }
                Err(err) => {
                    warn!(attempt, error = %err, cause = ?std::error::Error::source(&err), "PutEvents failed");
                    failed.extend(&batch);
                }
            }
        }
        pending = failed;
    }
    report.failed = too_big;
    report.failed.extend(pending);
    report.failed.sort_unstable();
    report
}

/// Puts events on an EventBridge bus.
#[derive(Clone, Debug)]
pub struct EventBridgeSink {
    client: Client,
}

impl EventBridgeSink {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn from_sdk(sdk: &aws_types::SdkConfig) -> Self {
        Self::new(Client::new(sdk))
    }
}

impl EventSink for EventBridgeSink {
    async fn put_events(&self, entries: &[PutEntry]) -> Result<Vec<Option<String>>, SinkError> {
        let request = entries
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .source(&e.source)
                    .detail_type(&e.detail_type)
                    .detail(&e.detail)
                    .event_bus_name(&e.event_bus_name)
                    .build()
            })
            .collect();
        let out = self
            .client
            .put_events()
            .set_entries(Some(request))
            .send()
            .await
            .map_err(|e| SinkError::Unavailable(Box::new(e)))?;
        let results: Vec<Option<String>> = out
            .entries()
            .iter()
            .map(|r| {
                r.error_code()
                    .map(str::to_owned)
                    .or_else(|| r.event_id().is_none().then(|| "NoEventId".to_owned()))
            })
            .collect();
        // Trust the count as well as the entries: if they disagree, retry them all.
        let failed = results.iter().filter(|r| r.is_some()).count();
        if out.failed_entry_count() as usize != failed || results.len() != entries.len() {
            return Ok(vec![Some("InconsistentResponse".to_owned()); entries.len()]);
        }
        Ok(results)
    }
}

/// A sink that records what it accepts, and fails entries a test chooses.
#[derive(Default)]
pub struct RecordingSink {
    accepted: Mutex<Vec<PutEntry>>,
    calls: Mutex<Vec<usize>>,
    #[allow(clippy::type_complexity)]
    reject: Mutex<Option<Box<dyn FnMut(&PutEntry) -> bool + Send>>>,
}

impl RecordingSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries for which `reject` answers true fail (it is asked on every attempt).
    pub fn rejecting(reject: impl FnMut(&PutEntry) -> bool + Send + 'static) -> Self {
        Self {
            reject: Mutex::new(Some(Box::new(reject))),
            ..Self::default()
        }
    }

    pub fn accepted(&self) -> Vec<PutEntry> {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The number of entries in each call made.
    pub fn calls(&self) -> Vec<usize> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl EventSink for RecordingSink {
    async fn put_events(&self, entries: &[PutEntry]) -> Result<Vec<Option<String>>, SinkError> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entries.len());
        let mut reject = self.reject.lock().unwrap_or_else(|e| e.into_inner());
        let mut accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries
            .iter()
            .map(|entry| {
                if reject.as_mut().is_some_and(|r| r(entry)) {
                    Some("InternalFailure".to_owned())
                } else {
                    accepted.push(entry.clone());
                    None
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize, bytes: usize) -> PutEntry {
        PutEntry {
            source: "sideline".into(),
            detail_type: "community.message.sent".into(),
            detail: format!("{{\"n\":{n},\"pad\":\"{}\"}}", "x".repeat(bytes)),
            event_bus_name: "bus".into(),
        }
    }

    fn quick() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(1),
        }
    }

    #[tokio::test]
    async fn calls_hold_at_most_ten_entries() {
        let sink = RecordingSink::new();
        let entries: Vec<_> = (0..25).map(|n| entry(n, 10)).collect();
        let report = publish(&sink, &entries, &quick()).await;
        assert!(report.failed.is_empty());
        assert_eq!(sink.calls(), vec![10, 10, 5]);
        assert_eq!(sink.accepted().len(), 25);
    }

    #[tokio::test]
    async fn calls_hold_at_most_256_kb() {
        let sink = RecordingSink::new();
        let entries: Vec<_> = (0..5).map(|n| entry(n, 100 * 1024)).collect();
        publish(&sink, &entries, &quick()).await;
        assert_eq!(sink.calls(), vec![2, 2, 1]);
        let huge = vec![entry(0, 300 * 1024), entry(1, 10)];
        let report = publish(&sink, &huge, &quick()).await;
        assert_eq!(report.failed, vec![0]);
    }

    #[tokio::test]
    async fn only_failed_entries_are_retried() {
        let mut first_time = std::collections::HashSet::new();
        // Entries 3 and 7 fail once each.
        let sink = RecordingSink::rejecting(move |e| {
            (e.detail.contains("\"n\":3,") || e.detail.contains("\"n\":7,"))
                && first_time.insert(e.detail.clone())
        });
        let entries: Vec<_> = (0..10).map(|n| entry(n, 10)).collect();
        let report = publish(&sink, &entries, &quick()).await;
        assert!(report.failed.is_empty());
        assert_eq!(
            sink.calls(),
            vec![10, 2],
            "the retry carries the two failures only"
        );
        assert_eq!(sink.accepted().len(), 10);
    }

    #[tokio::test]
    async fn entries_failing_every_attempt_are_reported() {
        let sink = RecordingSink::rejecting(|e| e.detail.contains("\"n\":4,"));
        let entries: Vec<_> = (0..6).map(|n| entry(n, 10)).collect();
        let report = publish(&sink, &entries, &quick()).await;
        assert_eq!(report.failed, vec![4]);
        assert_eq!(sink.calls(), vec![6, 1, 1]);
        assert_eq!(report.calls, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_from_the_initial_wait() {
        let sink = RecordingSink::rejecting(|_| true);
        let started = tokio::time::Instant::now();
        publish(
            &sink,
            &[entry(0, 1)],
            &RetryPolicy {
                attempts: 3,
                initial_backoff: Duration::from_secs(1),
            },
        )
        .await;
        assert_eq!(started.elapsed(), Duration::from_secs(3), "1 s, then 2 s");
    }

    #[test]
    fn retry_policy_reads_its_variables() {
        let p = RetryPolicy::from_lookup(|n| match n {
            "SIDELINE_PUT_ATTEMPTS" => Some("5".into()),
            "SIDELINE_PUT_BACKOFF_MS" => Some("250".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(p.attempts, 5);
        assert_eq!(p.initial_backoff, Duration::from_millis(250));
        assert!(
            RetryPolicy::from_lookup(|n| (n == "SIDELINE_PUT_ATTEMPTS").then(|| "0".into()))
                .is_err()
        );
    }
}
