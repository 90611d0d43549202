//! Lambda's event source mapping for a DynamoDB stream, as AWS documents it, to
//! drive a stream consumer through failures in tests with the settings the
//! template deploys:
//!
//! - records are handed over in order, `BatchSize` at a time;
//! - with `ReportBatchItemFailures`, an answer naming failed records checkpoints
//!   before the lowest of them and retries from it to the end of the batch (an
//!   identifier not in the batch fails all of it); without it, any answer is a
//!   success;
//! - a function error (a crash, a timeout) fails the whole batch; with
//!   `BisectBatchOnFunctionError` the batch is split in two and each half retried
//!   on its own;
//! - each retry counts against `MaximumRetryAttempts`; past it, the rest of the
//!   batch is skipped and the `OnFailure` destination gets a record naming the
//!   skipped range.
//!
//! Assumed where AWS does not say: halves of a bisected batch inherit its retry
//! count; a retry holds the failed batch's records only (Lambda re-reads from
//! the checkpoint and may add later records); each skipped range is its own
//! on-failure record. Not modelled: `MaximumRecordAgeInSeconds`,
//! parallelization, batching windows and filters (the tests hand over records
//! the filter would pass).

use std::future::Future;

use serde_json::{json, Value};
use serde_yaml_ng::Value as Yaml;
use sideline_aws::stream::{StreamEvent, StreamRecord};
use sideline_lambda::BatchResponse;

/// A mapping's retry settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub batch_size: usize,
    pub bisect: bool,
    pub max_retries: u32,
    pub item_failures: bool,
    pub on_failure: bool,
}

/// A range the mapping gave up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub first: String,
    pub last: String,
    pub size: usize,
    /// Invocations that held its records.
    pub invokes: u32,
}

impl Skipped {
    /// The record Lambda sends the `OnFailure` destination for it.
    pub fn on_failure_record(&self, shard: &str, stream_arn: &str) -> Value {
        json!({
            "requestContext": {
                "requestId": format!("test-{}", self.first),
                "functionArn": "arn:aws:lambda:eu-west-1:000000000000:function:ingest",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.invokes,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": "2026-12-04T12:00:00.000Z",
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": self.first,
                "endSequenceNumber": self.last,
                "approximateArrivalOfFirstRecord": "2026-12-04T11:59:00Z",
                "approximateArrivalOfLastRecord": "2026-12-04T11:59:01Z",
                "batchSize": self.size,
                "streamArn": stream_arn,
            }
        })
    }
}

/// What driving a stream came to.
#[derive(Debug, Default)]
pub struct Run {
    pub invocations: usize,
    pub retries: usize,
    pub bisections: usize,
    pub skipped: Vec<Skipped>,
}

fn flag(value: Option<&Yaml>) -> bool {
    value.and_then(Yaml::as_bool).unwrap_or(false)
}

impl Mapping {
    /// The settings of `function`'s DynamoDB event in a SAM template.
    pub fn from_template(template: &str, function: &str) -> Result<Self, String> {
        let doc: Yaml = serde_yaml_ng::from_str(template).map_err(|e| e.to_string())?;
        let events = doc
            .get("Resources")
            .and_then(|r| r.get(function))
            .and_then(|f| f.get("Properties"))
            .and_then(|p| p.get("Events"))
            .and_then(Yaml::as_mapping)
            .ok_or_else(|| format!("{function} has no events"))?;
        let properties = events
            .iter()
            .map(|(_, event)| event)
            .find(|e| e.get("Type").and_then(Yaml::as_str) == Some("DynamoDB"))
            .and_then(|e| e.get("Properties"))
            .ok_or_else(|| format!("{function} reads no DynamoDB stream"))?;
        // Lambda's defaults where the template says nothing; a value that is not
        // a number (a `!Ref`, say) is not guessed at.
        let number = |key: &str, default: u64| match properties.get(key) {
            None => Ok(default),
            Some(value) => value
                .as_u64()
                .ok_or_else(|| format!("{function}: {key} is not a number: {value:?}")),
        };
        Ok(Self {
            batch_size: number("BatchSize", 100)? as usize,
            bisect: flag(properties.get("BisectBatchOnFunctionError")),
            // -1 (the default) is "until the record expires": not modelled.
            max_retries: u32::try_from(number("MaximumRetryAttempts", 10_000)?).unwrap_or(10_000),
            item_failures: properties
                .get("FunctionResponseTypes")
                .and_then(Yaml::as_sequence)
                .is_some_and(|s| {
                    s.iter()
                        .any(|t| t.as_str() == Some("ReportBatchItemFailures"))
                }),
            on_failure: properties
                .get("DestinationConfig")
                .and_then(|d| d.get("OnFailure"))
                .is_some(),
        })
    }

    /// Hands `records` to `invoke` as the mapping would, until each is either
    /// done or skipped.
    pub async fn run<F, Fut>(&self, records: &[StreamRecord], mut invoke: F) -> Run
    where
        F: FnMut(StreamEvent) -> Fut,
        Fut: Future<Output = Result<BatchResponse, String>>,
    {
        let mut run = Run::default();
        let mut at = 0;
        while at < records.len() {
            let end = (at + self.batch_size.max(1)).min(records.len());
            // (from, to, retries so far); popped first half first.
            let mut work = vec![(at, end, 0u32)];
            while let Some((lo, hi, tries)) = work.pop() {
                run.invocations += 1;
                let batch = StreamEvent {
                    records: records[lo..hi].to_vec(),
                };
                let (from, errored) = match invoke(batch).await {
                    Ok(answer) if !self.item_failures || answer.batch_item_failures.is_empty() => {
                        continue
                    }
                    Ok(answer) => {
                        let lowest = answer
                            .batch_item_failures
                            .iter()
                            .map(|f| {
                                records[lo..hi]
                                    .iter()
                                    .position(|r| r.dynamodb.sequence_number == f.item_identifier)
                                    .map(|i| lo + i)
                            })
                            .try_fold(hi, |low, at| at.map(|at| low.min(at)));
                        (lowest.unwrap_or(lo), false)
                    }
                    Err(_) => (lo, true),
                };
                if tries >= self.max_retries {
                    run.skipped.push(Skipped {
                        first: records[from].dynamodb.sequence_number.clone(),
                        last: records[hi - 1].dynamodb.sequence_number.clone(),
                        size: hi - from,
                        invokes: tries + 1,
                    });
                    continue;
                }
                run.retries += 1;
                if errored && self.bisect && hi - from > 1 {
                    run.bisections += 1;
                    let mid = from + (hi - from) / 2;
                    work.push((mid, hi, tries + 1));
                    work.push((from, mid, tries + 1));
                } else {
                    work.push((from, hi, tries + 1));
                }
            }
            at = end;
        }
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sideline_aws::stream::StreamChange;
    use sideline_lambda::BatchItemFailure;

    fn records(n: usize) -> Vec<StreamRecord> {
        (0..n)
            .map(|i| StreamRecord {
                event_id: None,
                event_name: "INSERT".into(),
                dynamodb: StreamChange {
                    approximate_creation_date_time: None,
                    keys: Default::default(),
                    new_image: None,
                    old_image: None,
                    sequence_number: format!("{}", 100 + i),
                },
                user_identity: None,
            })
            .collect()
    }

    fn mapping() -> Mapping {
        Mapping {
            batch_size: 8,
            bisect: true,
            max_retries: 5,
            item_failures: true,
            on_failure: true,
        }
    }

    #[tokio::test]
    async fn a_crashing_record_is_bisected_down_to_itself_and_skipped() {
        let mut seen = Vec::new();
        let run = mapping()
            .run(&records(8), |batch| {
                let seqs: Vec<String> = batch
                    .records
                    .iter()
                    .map(|r| r.dynamodb.sequence_number.clone())
                    .collect();
                seen.push(seqs.len());
                let crash = seqs.iter().any(|s| s == "105");
                async move {
                    if crash {
                        Err("boom".to_owned())
                    } else {
                        Ok(BatchResponse::default())
                    }
                }
            })
            .await;
        // 8 -> 4 (fine) + 4 -> 2 + 2 (fine) -> 1 (fine) + 1, retried alone until
        // it is skipped.
        assert_eq!(seen, [8, 4, 4, 2, 1, 1, 1, 1, 2]);
        assert_eq!(run.bisections, 3);
        assert_eq!(
            run.skipped,
            [Skipped {
                first: "105".into(),
                last: "105".into(),
                size: 1,
                invokes: 6,
            }]
        );
    }

    #[tokio::test]
    async fn a_reported_record_is_retried_with_the_rest_of_its_batch_then_skipped_with_it() {
        let mut seen = Vec::new();
        let run = mapping()
            .run(&records(8), |batch| {
                seen.push(batch.records[0].dynamodb.sequence_number.clone());
                let failed = batch
                    .records
                    .iter()
                    .filter(|r| r.dynamodb.sequence_number == "103")
                    .map(|r| BatchItemFailure {
                        item_identifier: r.dynamodb.sequence_number.clone(),
                    })
                    .collect();
                async move {
                    Ok(BatchResponse {
                        batch_item_failures: failed,
                    })
                }
            })
            .await;
        assert_eq!(seen, ["100", "103", "103", "103", "103", "103"]);
        assert_eq!(run.retries, 5);
        assert_eq!(run.bisections, 0);
        assert_eq!(run.skipped.len(), 1);
        assert_eq!(
            (run.skipped[0].first.as_str(), run.skipped[0].last.as_str()),
            ("103", "107")
        );
    }

    #[test]
    fn the_template_gives_ingest_and_fanout_their_mappings() {
        let template = include_str!("../../template.yaml");
        let ingest = Mapping::from_template(template, "IngestFunction").expect("ingest");
        assert_eq!(
            ingest,
            Mapping {
                batch_size: 100,
                bisect: true,
                max_retries: 5,
                item_failures: true,
                on_failure: true,
            }
        );
        let fanout = Mapping::from_template(template, "FanoutFunction").expect("fanout");
        assert_eq!((fanout.max_retries, fanout.on_failure), (3, false));
    }
}
