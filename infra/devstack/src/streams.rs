//! DynamoDB's stream, read as Lambda's event source mapping reads it: with
//! `--dynamodb-endpoint` (moto serves DynamoDB Streams) devstack polls the table's
//! stream and hands its records to `ingest`, so the bus, moderation, scoring and
//! retention run there exactly as in memory mode.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use aws_sdk_dynamodbstreams::Client;
use sideline_ports::{Clock, Store};

use crate::App;

/// Records asked of a shard at once (the event source mapping's batch size).
const RECORDS_PER_CALL: i32 = 100;
/// How long a round that found nothing waits before the next.
const IDLE_WAIT: Duration = Duration::from_millis(50);
/// How often the stream is described again for new shards.
const DESCRIBE_EVERY: Duration = Duration::from_secs(1);

/// Where a shard is read from next.
enum Next {
    /// An iterator to read with.
    Iterator(String),
    /// The iterator failed (expired, say): take a new one after the last record
    /// read (from the first, if none was).
    Renew(Option<String>),
    /// A closed shard read to its end.
    Done,
}

/// Polls the stream at `arn` for ever. On a table devstack created, every shard
/// is read from its first record; on one that existed, the shards open at start
/// are read from their latest (its history is not published again) and later
/// ones from their first. Each round hands what it found to `ingest` in one
/// batch, then counts itself (so `Devstack::drain` can wait for rounds that found
/// the pipeline quiet; a round with a failed read is not quiet).
pub(crate) async fn pump<S: Store + 'static>(
    app: Arc<App<S>>,
    streams: Client,
    arn: String,
    fresh_table: bool,
) {
    let stamp = ingest::Experiments {
        store: &app.message.ports.store,
        settings: &app.message.settings,
        clock: &app.message.ports.clock,
        pseudonyms: &ingest::PseudonymCache::default(),
    };
    let mut shards: HashMap<String, Next> = HashMap::new();
    // The last sequence number read from each shard.
    let mut last_read: HashMap<String, String> = HashMap::new();
    let mut first_round = !fresh_table;
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
                        let request = streams.get_shard_iterator().stream_arn(&arn).shard_id(id);
                        let request = match shards.get(id) {
                            Some(Next::Iterator(_) | Next::Done) => continue,
                            Some(Next::Renew(Some(after))) => request
                                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                                .sequence_number(after),
                            Some(Next::Renew(None)) => {
                                request.shard_iterator_type(ShardIteratorType::TrimHorizon)
                            }
                            None if first_round => {
                                request.shard_iterator_type(ShardIteratorType::Latest)
                            }
                            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                        };
                        match request.send().await {
                            Ok(it) => {
                                let next = match it.shard_iterator() {
                                    Some(i) => Next::Iterator(i.to_owned()),
                                    None => Next::Done,
                                };
                                shards.insert(id.to_owned(), next);
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, shard = id, "cannot read a stream shard")
                            }
                        }
                    }
                    first_round = false;
                }
                Err(err) => tracing::warn!(error = %err, "cannot describe the table's stream"),
            }
        }
        let mut records = Vec::new();
        let mut failed = false;
        let at_s = app.message.ports.clock.now_ms() as f64 / 1000.0;
        for (id, next) in shards.iter_mut() {
            let Next::Iterator(iterator) = next else {
                continue;
            };
            match streams
                .get_records()
                .shard_iterator(iterator.clone())
                .limit(RECORDS_PER_CALL)
                .send()
                .await
            {
                Ok(out) => {
                    for r in out.records() {
                        if let Some(seq) = r.dynamodb().and_then(|d| d.sequence_number()) {
                            last_read.insert(id.clone(), seq.to_owned());
                        }
                        // Stamped with devstack's clock, as the in-memory stream is, so a
                        // test that moves the clock sees the same record times either way.
                        records.extend(ingest::redrive::stream_record(r, Some(at_s)));
                    }
                    *next = match out.next_shard_iterator() {
                        Some(i) => Next::Iterator(i.to_owned()),
                        None => Next::Done,
                    };
                }
                Err(err) => {
                    tracing::warn!(error = %err, shard = %id, "cannot read the table's stream; renewing the iterator");
                    *next = Next::Renew(last_read.get(id).cloned());
                    failed = true;
                    // Renewed at the next describe, at once.
                    described_at = None;
                }
            }
        }
        let found = records.len();
        if found > 0 || failed {
            if found > 0 {
                crate::ingest_records(&app, records, &stamp).await;
            }
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
