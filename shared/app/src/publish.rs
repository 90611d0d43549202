//! Putting events on the bus: [`publish`] batches within PutEvents' limits and
//! retries only the entries that failed, over any [`EventSink`].

use std::time::Duration;

use sideline_domain::config::{ConfigError, Env};
use sideline_ports::{EventSink, PutEntry, MAX_CALL_BYTES, MAX_ENTRIES_PER_CALL};
use tracing::warn;

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
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        let attempts: u32 = env.number("SIDELINE_PUT_ATTEMPTS", d.attempts, 0)?;
        if !(1..=10).contains(&attempts) {
            return Err(ConfigError::invalid(
                "SIDELINE_PUT_ATTEMPTS",
                "must be 1 to 10",
            ));
        }
        Ok(Self {
            attempts,
            initial_backoff: Duration::from_millis(env.number(
                "SIDELINE_PUT_BACKOFF_MS",
                u64::try_from(d.initial_backoff.as_millis()).unwrap_or(u64::MAX),
                0,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sideline_domain::config::lookup;
    use sideline_memory::RecordingSink;

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
        let p = RetryPolicy::from_env(&lookup(|n| match n {
            "SIDELINE_PUT_ATTEMPTS" => Some("5".into()),
            "SIDELINE_PUT_BACKOFF_MS" => Some("250".into()),
            _ => None,
        }))
        .unwrap();
        assert_eq!(p.attempts, 5);
        assert_eq!(p.initial_backoff, Duration::from_millis(250));
        assert!(RetryPolicy::from_env(&lookup(
            |n| (n == "SIDELINE_PUT_ATTEMPTS").then(|| "0".into())
        ))
        .is_err());
    }

    proptest! {
        /// Whatever the sizes: every entry that fits a call is in exactly one batch,
        /// in order, and no batch breaks PutEvents' limits.
        #[test]
        fn batches_respect_putevents_limits(sizes in proptest::collection::vec(0usize..120_000, 0..60)) {
            let entries: Vec<PutEntry> = sizes.iter().enumerate().map(|(n, &b)| entry(n, b)).collect();
            let fitting: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].size() <= MAX_CALL_BYTES).collect();
            let out = batches(&entries, &fitting);
            let flat: Vec<usize> = out.iter().flatten().copied().collect();
            prop_assert_eq!(flat, fitting);
            for batch in &out {
                prop_assert!(!batch.is_empty() && batch.len() <= MAX_ENTRIES_PER_CALL);
                prop_assert!(batch.iter().map(|&i| entries[i].size()).sum::<usize>() <= MAX_CALL_BYTES);
            }
        }
    }
}
