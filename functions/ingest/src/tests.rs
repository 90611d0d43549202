//! Ingest tests on the sample stream batch in `events/ingest/`.

use std::time::Duration;

use sideline_shared::events::Envelope;
use sideline_shared::publish::{RecordingSink, RetryPolicy};
use sideline_shared::stream::StreamEvent;

use crate::{handle_stream, IngestConfig};

const BATCH: &str = include_str!("../../../events/ingest/stream-batch.json");

fn batch() -> StreamEvent {
    serde_json::from_str(BATCH).expect("sample batch parses")
}

fn config() -> IngestConfig {
    IngestConfig {
        source: "sideline".into(),
        bus: "community".into(),
        retry: RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(1),
        },
    }
}

fn envelopes(sink: &RecordingSink) -> Vec<Envelope> {
    sink.accepted()
        .iter()
        .map(|e| serde_json::from_str(&e.detail).expect("envelope"))
        .collect()
}

#[tokio::test]
async fn interactions_become_events_and_the_rest_is_skipped() {
    let sink = RecordingSink::new();
    let response = handle_stream(batch(), &sink, &config()).await;
    let events = envelopes(&sink);
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "community.room.joined",
            "community.message.sent",
            "community.reaction.added",
            "community.reaction.removed",
            "community.room.left",
        ]
    );
    // The unreadable message (no text) is reported, nothing else.
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["108000000000000000000001"]);

    let joined = &events[0];
    assert_eq!(joined.correlation_id, "req-join");
    assert_eq!(joined.tenant_id, "demo");
    assert_eq!(joined.room_id, "match:123");
    assert_eq!(joined.actor.role, "member");
    assert_eq!(joined.analytics_name, "community_room_joined");
    assert_eq!(joined.occurred_at, "2026-11-21T08:00:00.123Z");
    let sent = &events[1];
    assert_eq!(sent.correlation_id, "req-send");
    assert_eq!(sent.data["text"], "What a goal!");
    assert_eq!(sent.data["textLength"], 12);
    assert_eq!(sent.meta["messageType"], "text");
    assert_eq!(events[2].data["emoji"], "🔥");
    assert_eq!(
        events[4].data["reason"], "expired",
        "a TTL removal is an expiry, not a leave"
    );
    assert!(sink
        .accepted()
        .iter()
        .all(|e| e.source == "sideline" && e.event_bus_name == "community"));
}

#[tokio::test]
async fn a_replayed_batch_yields_the_same_event_ids() {
    let first = RecordingSink::new();
    handle_stream(batch(), &first, &config()).await;
    let again = RecordingSink::new();
    handle_stream(batch(), &again, &config()).await;
    let ids = |s: &RecordingSink| {
        envelopes(s)
            .into_iter()
            .map(|e| e.event_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&again));
    let mut unique = ids(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "every event has its own id");
}

#[tokio::test]
async fn a_record_whose_event_cannot_be_put_is_reported_for_retry() {
    let sink = RecordingSink::rejecting(|e| e.detail_type == "community.reaction.added");
    let response = handle_stream(batch(), &sink, &config()).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        ["105000000000000000000001", "108000000000000000000001"]
    );
    assert_eq!(
        sink.calls(),
        vec![5, 1, 1],
        "retries carry the failed entry only"
    );
    assert_eq!(envelopes(&sink).len(), 4);
}
