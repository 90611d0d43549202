//! Stream records outside Lambda, and the redrive of what the event source mapping
//! gave up on (feature `streams`).
//!
//! When a batch still fails after the mapping's last retry, Lambda skips it and
//! sends `IngestFailureQueue` a record naming the skipped range of the shard
//! (`DDBStreamBatchInfo`): the records themselves stay on the stream for 24 hours.
//! [`redrive`] reads each such range back from the stream and runs it through
//! [`handle_stream`] again, once the cause is fixed; the events keep their ids, so
//! whatever of the range had been published before is dropped by consumers as a
//! repeat. A queue message is deleted only when its whole range was published.

use std::collections::HashMap;

use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, ShardIteratorType};
use serde::Deserialize;
use sideline_aws::stream::{AttrValue, StreamChange, StreamEvent, StreamRecord};
use sideline_ports::EventSink;
use tracing::{info, warn};

use crate::{handle_stream, IngestConfig, Stamp};

/// An attribute as the Lambda event carries it; `None` for binary ones, which no
/// item of ours holds.
fn to_attr(value: &StreamValue) -> Option<AttrValue> {
    Some(match value {
        StreamValue::S(s) => AttrValue::S(s.clone()),
        StreamValue::N(n) => AttrValue::N(n.clone()),
        StreamValue::Bool(b) => AttrValue::Bool(*b),
        StreamValue::Null(b) => AttrValue::Null(*b),
        StreamValue::Ss(v) => AttrValue::Ss(v.clone()),
        StreamValue::Ns(v) => AttrValue::Ns(v.clone()),
        StreamValue::M(m) => AttrValue::M(image(m)),
        StreamValue::L(l) => AttrValue::L(l.iter().filter_map(to_attr).collect()),
        _ => return None,
    })
}

fn image(map: &HashMap<String, StreamValue>) -> HashMap<String, AttrValue> {
    map.iter()
        .filter_map(|(k, v)| Some((k.clone(), to_attr(v)?)))
        .collect()
}

/// One record read with the DynamoDB Streams API, in the shape Lambda delivers
/// it. `at_s` stands in for the record's own creation time when given.
pub fn stream_record(
    r: &aws_sdk_dynamodbstreams::types::Record,
    at_s: Option<f64>,
) -> Option<StreamRecord> {
    let change = r.dynamodb()?;
    Some(StreamRecord {
        event_id: r.event_id().map(str::to_owned),
        event_name: r.event_name().map(|n| n.as_str().to_owned())?,
        dynamodb: StreamChange {
            approximate_creation_date_time: at_s.or_else(|| {
                change
                    .approximate_creation_date_time()
                    .map(|t| t.as_secs_f64())
            }),
            keys: change.keys.as_ref().map(image).unwrap_or_default(),
            new_image: change.new_image.as_ref().map(image),
            old_image: change.old_image.as_ref().map(image),
            sequence_number: change.sequence_number().unwrap_or_default().to_owned(),
        },
        user_identity: None,
    })
}

/// Empty pages in a row after which a range's end is taken as not coming.
const MAX_EMPTY_PAGES: usize = 20;

/// Orders two stream sequence numbers (decimal strings of up to 40 digits).
pub fn sequence_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The range of a shard the mapping skipped, as its on-failure record names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    pub shard_id: String,
    pub start_sequence_number: String,
    pub end_sequence_number: String,
    pub stream_arn: String,
    #[serde(default)]
    pub batch_size: usize,
}

#[derive(Deserialize)]
struct FailureRecord {
    #[serde(rename = "DDBStreamBatchInfo")]
    batch: BatchInfo,
}

/// Why a range could not be redriven.
#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    #[error("not an on-failure record of a DynamoDB stream: {0}")]
    Unreadable(String),
    #[error("cannot read the stream: {0}")]
    Stream(String),
    #[error("the range was trimmed from the stream (records are kept 24 hours): asked from {asked}, the first still there is {first}")]
    Trimmed { asked: String, first: String },
    #[error("cannot use the failure queue: {0}")]
    Queue(String),
}

impl BatchInfo {
    /// The batch an on-failure record names.
    pub fn parse(body: &str) -> Result<Self, RedriveError> {
        serde_json::from_str::<FailureRecord>(body)
            .map(|r| r.batch)
            .map_err(|e| RedriveError::Unreadable(e.to_string()))
    }
}

/// The records of `range`, first to last, read back from the stream.
pub async fn read_range(
    streams: &aws_sdk_dynamodbstreams::Client,
    range: &BatchInfo,
) -> Result<Vec<StreamRecord>, RedriveError> {
    let stream = |e: &dyn std::fmt::Display| RedriveError::Stream(e.to_string());
    let start = streams
        .get_shard_iterator()
        .stream_arn(&range.stream_arn)
        .shard_id(&range.shard_id)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .sequence_number(&range.start_sequence_number)
        .send()
        .await
        .map_err(|e| stream(&DisplayErrorContext(&e)))?;
    let mut iterator = start.shard_iterator().map(str::to_owned);
    let mut records = Vec::new();
    // An open shard can answer empty pages before the records it holds; the
    // range is read when its last record is, and a shard that closes or keeps
    // answering nothing before that is an error, not a shorter range.
    let mut empty_pages = 0;
    while let Some(it) = iterator.take() {
        let page = streams
            .get_records()
            .shard_iterator(it)
            .limit(1000)
            .send()
            .await
            .map_err(|e| stream(&DisplayErrorContext(&e)))?;
        if page.records().is_empty() {
            empty_pages += 1;
            if empty_pages >= MAX_EMPTY_PAGES {
                break;
            }
        } else {
            empty_pages = 0;
        }
        for r in page.records() {
            let Some(seq) = r.dynamodb().and_then(|d| d.sequence_number()) else {
                continue;
            };
            if records.is_empty()
                && sequence_cmp(seq, &range.start_sequence_number) == std::cmp::Ordering::Greater
            {
                return Err(RedriveError::Trimmed {
                    asked: range.start_sequence_number.clone(),
                    first: seq.to_owned(),
                });
            }
            match sequence_cmp(seq, &range.end_sequence_number) {
                std::cmp::Ordering::Greater => return Ok(records),
                std::cmp::Ordering::Equal => {
                    records.extend(stream_record(r, None));
                    return Ok(records);
                }
                std::cmp::Ordering::Less => records.extend(stream_record(r, None)),
            }
        }
        iterator = page.next_shard_iterator().map(str::to_owned);
    }
    Err(RedriveError::Stream(format!(
        "the range's last record ({}) was not reached: {} records read",
        range.end_sequence_number,
        records.len()
    )))
}

/// What a redrive did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RedriveReport {
    /// Ranges published in full and deleted from the queue.
    pub redriven: usize,
    /// Records read back and handed to `ingest`.
    pub records: usize,
    /// Ranges left on the queue (unreadable, trimmed, or with records that failed
    /// again); each is logged with its reason.
    pub left: usize,
}

/// Redrives every range on the failure queue at `queue_url` once.
pub async fn redrive<E: EventSink>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    streams: &aws_sdk_dynamodbstreams::Client,
    sink: &E,
    config: &IngestConfig,
    stamp: &impl Stamp,
) -> Result<RedriveReport, RedriveError> {
    let mut report = RedriveReport::default();
    let queue = |e: &dyn std::fmt::Display| RedriveError::Queue(e.to_string());
    // Each message once: one left on the queue comes back after its visibility
    // timeout, and then the pass is over.
    let mut seen = std::collections::HashSet::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(300)
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(|e| queue(&aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let messages = received.messages();
        if messages.is_empty() {
            return Ok(report);
        }
        for message in messages {
            let id = message.message_id().unwrap_or_default().to_owned();
            if !seen.insert(id.clone()) {
                return Ok(report);
            }
            let body = message.body().unwrap_or_default();
            let outcome = match BatchInfo::parse(body) {
                Ok(range) => match read_range(streams, &range).await {
                    Ok(records) => {
                        report.records += records.len();
                        let response =
                            handle_stream(StreamEvent { records }, sink, config, stamp).await;
                        match response.batch_item_failures.first() {
                            None => Ok(range),
                            Some(failed) => {
                                Err(format!("record {} failed again", failed.item_identifier))
                            }
                        }
                    }
                    Err(err) => Err(err.to_string()),
                },
                Err(err) => Err(err.to_string()),
            };
            match outcome {
                Ok(range) => {
                    let deleted = match message.receipt_handle() {
                        Some(handle) => sqs
                            .delete_message()
                            .queue_url(queue_url)
                            .receipt_handle(handle)
                            .send()
                            .await
                            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()),
                        None => Err("no receipt handle".to_owned()),
                    };
                    match deleted {
                        Ok(_) => {
                            info!(shard = %range.shard_id, from = %range.start_sequence_number, to = %range.end_sequence_number, "range redriven");
                            report.redriven += 1;
                        }
                        Err(why) => {
                            // Published, but still queued: a later pass publishes
                            // it again, which consumers drop as repeats.
                            warn!(message = %id, %why, "range redriven but its message could not be deleted");
                            report.left += 1;
                        }
                    }
                }
                Err(why) => {
                    warn!(message = %id, %why, "range left on the failure queue");
                    report.left += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_order_as_numbers() {
        use std::cmp::Ordering::*;
        assert_eq!(sequence_cmp("9", "10"), Less);
        assert_eq!(sequence_cmp("000100", "99"), Greater);
        assert_eq!(sequence_cmp("42", "0042"), Equal);
        assert_eq!(
            sequence_cmp(
                "100000000000000000000000000000000000001",
                "100000000000000000000000000000000000000"
            ),
            Greater
        );
    }

    #[test]
    fn an_on_failure_record_names_its_range() {
        let body = r#"{"requestContext":{"requestId":"r","functionArn":"arn:f","condition":"RetryAttemptsExhausted","approximateInvokeCount":6},
            "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
            "version":"1.0","timestamp":"2026-12-04T12:00:00.000Z",
            "DDBStreamBatchInfo":{"shardId":"shardId-1","startSequenceNumber":"200","endSequenceNumber":"240",
              "approximateArrivalOfFirstRecord":"2026-12-04T11:59:00Z","approximateArrivalOfLastRecord":"2026-12-04T11:59:01Z",
              "batchSize":4,"streamArn":"arn:aws:dynamodb:eu-west-1:1:table/t/stream/s"}}"#;
        let range = BatchInfo::parse(body).expect("parses");
        assert_eq!(range.shard_id, "shardId-1");
        assert_eq!(range.start_sequence_number, "200");
        assert_eq!(range.end_sequence_number, "240");
        assert_eq!(range.batch_size, 4);
        assert!(matches!(
            BatchInfo::parse(r#"{"Records":[]}"#),
            Err(RedriveError::Unreadable(_))
        ));
    }
}
