//! DynamoDB's stream, read as Lambda's event source mapping reads it: with
//! `--dynamodb-endpoint` (moto serves DynamoDB Streams) devstack polls the table's
//! stream and hands its records to `ingest`, so the bus, moderation, scoring and
//! retention run there exactly as in memory mode.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, ShardIteratorType};
use aws_sdk_dynamodbstreams::Client;
use sideline_aws::stream::{AttrValue, StreamChange, StreamRecord};
use sideline_ports::Store;

use crate::App;

/// Records asked of a shard at once (the event source mapping's batch size).
const RECORDS_PER_CALL: i32 = 100;
/// How long a round that found nothing waits before the next.
const IDLE_WAIT: Duration = Duration::from_millis(50);
/// How often the stream is described again for new shards.
const DESCRIBE_EVERY: Duration = Duration::from_secs(1);

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

/// One SDK record in the shape Lambda delivers.
fn record(r: &aws_sdk_dynamodbstreams::types::Record) -> Option<StreamRecord> {
    let change = r.dynamodb()?;
    Some(StreamRecord {
        event_id: r.event_id().map(str::to_owned),
        event_name: r.event_name().map(|n| n.as_str().to_owned())?,
        dynamodb: StreamChange {
            approximate_creation_date_time: change
                .approximate_creation_date_time()
                .map(|t| t.as_secs_f64()),
            keys: change.keys.as_ref().map(image).unwrap_or_default(),
            new_image: change.new_image.as_ref().map(image),
            old_image: change.old_image.as_ref().map(image),
            sequence_number: change.sequence_number().unwrap_or_default().to_owned(),
        },
        user_identity: None,
    })
}

/// Polls the stream at `arn` for ever: shards open when devstack starts are read
/// from their latest record on, shards that open later from their first. Each
/// round hands what it found to `ingest` in one batch, then counts itself (so
/// `Devstack::drain` can wait for a round that found the pipeline quiet).
pub(crate) async fn pump<S: Store + 'static>(app: Arc<App<S>>, streams: Client, arn: String) {
    let stamp = ingest::Experiments {
        store: &app.message.ports.store,
        settings: &app.message.settings,
        clock: &app.message.ports.clock,
    };
    // Each shard's next iterator; `None` once a closed shard is read to its end.
    let mut shards: HashMap<String, Option<String>> = HashMap::new();
    let mut first_round = true;
    let mut described_at: Option<tokio::time::Instant> = None;
    loop {
        if described_at.is_none_or(|at| at.elapsed() >= DESCRIBE_EVERY) {
            described_at = Some(tokio::time::Instant::now());
            match streams.describe_stream().stream_arn(&arn).send().await {
                Ok(out) => {
                    for shard in out
                        .stream_description()
                        .map(|d| d.shards())
                        .unwrap_or_default()
                    {
                        let Some(id) = shard.shard_id() else { continue };
                        if shards.contains_key(id) {
                            continue;
                        }
                        let from = if first_round {
                            ShardIteratorType::Latest
                        } else {
                            ShardIteratorType::TrimHorizon
                        };
                        match streams
                            .get_shard_iterator()
                            .stream_arn(&arn)
                            .shard_id(id)
                            .shard_iterator_type(from)
                            .send()
                            .await
                        {
                            Ok(it) => {
                                shards
                                    .insert(id.to_owned(), it.shard_iterator().map(str::to_owned));
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, shard = id, "cannot read a stream shard")
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot describe the table's stream"),
            }
            first_round = false;
        }
        let mut records = Vec::new();
        for next in shards.values_mut() {
            let Some(iterator) = next.clone() else {
                continue;
            };
            match streams
                .get_records()
                .shard_iterator(iterator)
                .limit(RECORDS_PER_CALL)
                .send()
                .await
            {
                Ok(out) => {
                    records.extend(out.records().iter().filter_map(record));
                    *next = out.next_shard_iterator().map(str::to_owned);
                }
                Err(err) => tracing::warn!(error = %err, "cannot read the table's stream"),
            }
        }
        let found = records.len();
        if found > 0 {
            crate::ingest_records(&app, records, &stamp).await;
            app.pipeline.quiet_rounds.store(0, Ordering::SeqCst);
        } else {
            app.pipeline.quiet_rounds.fetch_add(1, Ordering::SeqCst);
        }
        app.pipeline.rounds.fetch_add(1, Ordering::SeqCst);
        app.pipeline.progress.notify_waiters();
        if found == 0 {
            tokio::time::sleep(IDLE_WAIT).await;
        }
    }
}
