//! Ingest tests on the sample stream batch in `events/ingest/`.

use std::time::Duration;

use sideline_app::publish::RetryPolicy;
use sideline_aws::stream::StreamEvent;
use sideline_domain::events::Envelope;
use sideline_memory::RecordingSink;

use crate::{handle_stream, IngestConfig};

const SECRET: &[u8] = b"host-events-secret-0123456789";
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
        host_secret: Some(SECRET.to_vec()),
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
    let response = handle_stream(batch(), &sink, &config(), &crate::Unstamped).await;
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
    assert_eq!(failed, ["109000000000000000000001"]);

    let joined = &events[0];
    assert_eq!(joined.correlation_id, "req-join");
    assert_eq!(joined.tenant_id, "demo");
    assert_eq!(joined.room_id.as_deref(), Some("match:123"));
    assert_eq!(joined.actor.role, "member");
    assert_eq!(joined.analytics_name, "community_room_joined");
    assert_eq!(joined.occurred_at, "2026-11-21T08:00:00.123Z");
    let sent = &events[1];
    assert_eq!(sent.correlation_id, "req-send");
    assert_eq!(
        sent.data.get("text"),
        None,
        "events carry no message text (read it from the table)"
    );
    assert_eq!(sent.schema_version, 3);
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
    handle_stream(batch(), &first, &config(), &crate::Unstamped).await;
    let again = RecordingSink::new();
    handle_stream(batch(), &again, &config(), &crate::Unstamped).await;
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
    let response = handle_stream(batch(), &sink, &config(), &crate::Unstamped).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        ["105000000000000000000001", "109000000000000000000001"]
    );
    assert_eq!(
        sink.calls(),
        vec![5, 1, 1],
        "retries carry the failed entry only"
    );
    assert_eq!(envelopes(&sink).len(), 4);
}

mod host_events {
    use std::collections::HashMap;

    use serde_json::{json, Value};
    use sideline_memory::RecordingSink;

    use super::{config, envelopes, SECRET};
    use crate::host::{handle_host_events, sign, HttpRequest};

    const NOW_MS: i64 = 1_800_000_000_000;

    fn signed(body: &str, secret: &[u8], timestamp: i64) -> HttpRequest {
        HttpRequest {
            version: Some("2.0".into()),
            headers: HashMap::from([
                ("x-sideline-timestamp".to_owned(), timestamp.to_string()),
                (
                    "x-sideline-signature".to_owned(),
                    sign(secret, timestamp, body),
                ),
            ]),
            body: Some(body.to_owned()),
            is_base64_encoded: false,
        }
    }

    fn batch() -> String {
        json!({"events": [
            {"name": "video_watched", "tenant": "acme", "userId": "42", "roomId": "video:9",
             "eventId": "ev-1", "occurredAt": NOW_MS - 5_000, "data": {"seconds": 310},
             "meta": {"device": "ios", "lang": "en", "secret": "dropped"}},
            {"name": "Bad Name", "tenant": "acme", "userId": "42"},
            {"name": "subscription_started", "tenant": "acme", "userId": "43", "data": {"plan": "pro"}},
            {"name": "x", "tenant": "acme"}
        ]})
        .to_string()
    }

    async fn call(request: HttpRequest, sink: &RecordingSink) -> (u16, Value) {
        let response =
            handle_host_events(request, sink, &config(), NOW_MS, &crate::Unstamped).await;
        (
            response.status_code,
            serde_json::from_str(&response.body).expect("JSON answer"),
        )
    }

    /// A hostile timestamp used to overflow `now - timestamp` (a panic in a debug
    /// build, a wrapped value in release): it is refused like any stale one.
    #[tokio::test]
    async fn absurd_signature_timestamps_are_refused_without_overflow() {
        for timestamp in [i64::MIN, i64::MIN + 1, -9_000_000_000_000_000_000, i64::MAX] {
            let sink = RecordingSink::new();
            let (status, body) = call(signed(&batch(), SECRET, timestamp), &sink).await;
            assert_eq!(status, 401, "{timestamp}: {body}");
            assert!(
                body["error"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("5 minutes"),
                "{body}"
            );
            assert!(sink.accepted().is_empty());
        }
    }

    #[tokio::test]
    async fn valid_events_in_a_mixed_batch_are_all_published() {
        let sink = RecordingSink::new();
        let (status, body) = call(signed(&batch(), SECRET, NOW_MS / 1000), &sink).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["accepted"], 2);
        let rejected: Vec<u64> = body["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect();
        assert_eq!(rejected, [1, 3]);
        assert!(
            body["rejected"][1]["reason"]
                .as_str()
                .unwrap()
                .contains("userId"),
            "{body}"
        );
        let events = envelopes(&sink);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event_type, "product.video_watched");
        assert_eq!(events[0].analytics_name, "video_watched");
        assert_eq!(events[0].room_id.as_deref(), Some("video:9"));
        assert_eq!(events[0].correlation_id, "ev-1");
        assert_eq!(events[0].meta.get("device"), Some(&json!("ios")));
        assert!(events[0].meta.get("secret").is_none());
        assert_eq!(events[1].room_id, None);

        // A retry of the same batch yields the same ids.
        let again = RecordingSink::new();
        call(signed(&batch(), SECRET, NOW_MS / 1000), &again).await;
        let ids = |s: &RecordingSink| {
            envelopes(s)
                .into_iter()
                .map(|e| e.event_id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&sink), ids(&again));
    }

    #[tokio::test]
    async fn unsigned_badly_signed_stale_oversized_and_malformed_requests_are_refused() {
        let sink = RecordingSink::new();
        let body = batch();
        let mut unsigned = signed(&body, SECRET, NOW_MS / 1000);
        unsigned.headers.clear();
        let (status, answer) = call(unsigned, &sink).await;
        assert_eq!(status, 401);
        assert!(answer["error"].as_str().unwrap().contains("missing"));
        assert_eq!(
            call(
                signed(&body, b"the-wrong-secret-entirely", NOW_MS / 1000),
                &sink
            )
            .await
            .0,
            401
        );
        let mut tampered = signed(&body, SECRET, NOW_MS / 1000);
        tampered.body = Some(body.replace("310", "311"));
        assert_eq!(call(tampered, &sink).await.0, 401);
        let (status, answer) = call(signed(&body, SECRET, NOW_MS / 1000 - 3600), &sink).await;
        assert_eq!(status, 401);
        assert!(answer["error"].as_str().unwrap().contains("5 minutes"));
        let huge = format!(
            "{{\"events\": [], \"pad\": \"{}\"}}",
            "x".repeat(300 * 1024)
        );
        assert_eq!(
            call(signed(&huge, SECRET, NOW_MS / 1000), &sink).await.0,
            413
        );
        assert_eq!(
            call(signed("{not json", SECRET, NOW_MS / 1000), &sink)
                .await
                .0,
            400
        );
        assert_eq!(
            call(signed("{\"events\": []}", SECRET, NOW_MS / 1000), &sink)
                .await
                .0,
            400
        );
        let (status, answer) = call(
            signed(
                &json!({"events": [{"name": "only_bad"}]}).to_string(),
                SECRET,
                NOW_MS / 1000,
            ),
            &sink,
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(answer["accepted"], 0);
        assert!(sink.accepted().is_empty(), "nothing was published");

        let mut off = config();
        off.host_secret = None;
        let response = handle_host_events(
            signed(&body, SECRET, NOW_MS / 1000),
            &sink,
            &off,
            NOW_MS,
            &crate::Unstamped,
        )
        .await;
        assert_eq!(response.status_code, 403);
    }
}

mod experiments {
    use sideline_app::standing::TenantSettings;
    use sideline_domain::ids::{TenantId, UserId};
    use sideline_domain::scoring::TierCuts;
    use sideline_domain::tenant::{TenantConfig, VersionedConfig};
    use sideline_memory::MemoryStore;
    use sideline_ports::{BackendError, ConfigStoreError, ManualClock, TenantConfigs};

    use super::*;
    use crate::Experiments;

    const NOW_MS: i64 = 1_764_000_000_000;

    async fn stamped(
        store: &(impl TenantConfigs + sideline_ports::Erasure + sideline_ports::Pseudonyms),
    ) -> (Vec<Envelope>, usize) {
        let sink = RecordingSink::new();
        let settings = TenantSettings::default();
        let clock = ManualClock::at(NOW_MS);
        let stamp = Experiments {
            store,
            settings: &settings,
            clock: &clock,
            pseudonyms: &crate::PseudonymCache::default(),
        };
        let response = handle_stream(batch(), &sink, &config(), &stamp).await;
        (envelopes(&sink), response.batch_item_failures.len())
    }

    #[tokio::test]
    async fn events_of_enrolled_users_carry_their_arm() {
        let store = MemoryStore::new();
        let tenant = TenantId::parse("demo").unwrap();
        let doc = TenantConfig::parse(
            r#"{"experiment": {"name": "reply_weight", "variants": [
                {"name": "control", "percent": 50},
                {"name": "double", "percent": 50, "scoring": {"reply": 10}}]}}"#,
        )
        .unwrap();
        store
            .put_tenant_config(&tenant, 0, &doc, NOW_MS)
            .await
            .unwrap();
        let (events, failed) = stamped(&store).await;
        assert_eq!(failed, 1, "only the unreadable record");
        let mut users = 0;
        for event in &events {
            // Events name the user by pseudonym; the store maps it back.
            let user =
                sideline_ports::Pseudonyms::user_behind(&store, &tenant, &event.actor.canonical_id)
                    .await
                    .unwrap()
                    .expect("a pseudonym the store knows");
            assert!(!serde_json::to_string(event)
                .unwrap()
                .contains(user.as_str()));
            let arm = doc.enrolment(&user).map(|(_, v)| v.name.as_str());
            assert_eq!(
                event.meta.get("variant").and_then(|v| v.as_str()),
                arm,
                "{}",
                event.event_type
            );
            assert_eq!(
                event.meta.get("experiment").and_then(|v| v.as_str()),
                Some("reply_weight")
            );
            users += 1;
        }
        assert_eq!(users, 5);
        // Without an experiment nothing is added.
        let plain = MemoryStore::new();
        let (events, _) = stamped(&plain).await;
        assert!(events.iter().all(|e| !e.meta.contains_key("variant")));
    }

    /// Settings whose every read and write fails with the error `fail` makes
    /// (pseudonyms come from a store of their own).
    struct Failing(fn() -> BackendError, MemoryStore);

    impl sideline_ports::Pseudonyms for Failing {
        async fn stored_pseudonym(
            &self,
            tenant: &TenantId,
            user: &UserId,
        ) -> Result<Option<sideline_ports::StoredPseudonym>, sideline_ports::ErasureError> {
            self.1.stored_pseudonym(tenant, user).await
        }

        async fn create_pseudonym(
            &self,
            tenant: &TenantId,
            user: &UserId,
            subject: &str,
            candidate: &str,
            at_ms: i64,
        ) -> Result<Option<sideline_ports::StoredPseudonym>, sideline_ports::ErasureError> {
            self.1
                .create_pseudonym(tenant, user, subject, candidate, at_ms)
                .await
        }

        async fn user_behind(
            &self,
            tenant: &TenantId,
            pseudonym: &str,
        ) -> Result<Option<UserId>, sideline_ports::ErasureError> {
            self.1.user_behind(tenant, pseudonym).await
        }
    }

    /// Only the secret is asked of erasure's storage by a stamp.
    impl sideline_ports::Erasure for Failing {
        async fn tenant_secret(
            &self,
            tenant: &TenantId,
            candidate: &[u8],
        ) -> Result<Vec<u8>, sideline_ports::ErasureError> {
            self.1.tenant_secret(tenant, candidate).await
        }

        async fn erasure_request(
            &self,
            _: &TenantId,
            _: &str,
        ) -> Result<Option<sideline_domain::erasure::ErasureRequest>, sideline_ports::ErasureError>
        {
            unreachable!("not asked by a stamp")
        }

        async fn open_erasure(
            &self,
            _: &sideline_domain::erasure::ErasureRequest,
        ) -> Result<sideline_domain::erasure::ErasureRequest, sideline_ports::ErasureError>
        {
            unreachable!("not asked by a stamp")
        }

        async fn save_erasure(
            &self,
            _: &sideline_domain::erasure::ErasureRequest,
        ) -> Result<(), sideline_ports::ErasureError> {
            unreachable!("not asked by a stamp")
        }

        async fn due_erasures(
            &self,
            _: usize,
        ) -> Result<Vec<(TenantId, String)>, sideline_ports::ErasureError> {
            unreachable!("not asked by a stamp")
        }

        async fn erasure_inventory(
            &self,
            _: &TenantId,
            _: &UserId,
        ) -> Result<
            (
                std::collections::BTreeMap<String, u64>,
                Vec<sideline_domain::ids::RoomId>,
            ),
            sideline_ports::ErasureError,
        > {
            unreachable!("not asked by a stamp")
        }

        async fn erase_items(
            &self,
            _: &TenantId,
            _: &UserId,
            _: &str,
            _: &[sideline_domain::ids::RoomId],
            _: usize,
        ) -> Result<sideline_ports::Erased, sideline_ports::ErasureError> {
            unreachable!("not asked by a stamp")
        }

        async fn chain_head(
            &self,
            _: &TenantId,
        ) -> Result<Option<sideline_domain::erasure::ChainHead>, sideline_ports::ErasureError>
        {
            unreachable!("not asked by a stamp")
        }

        async fn complete_erasure(
            &self,
            _: &sideline_domain::erasure::ErasureRequest,
            _: &UserId,
            _: Option<&sideline_domain::erasure::ChainHead>,
        ) -> Result<(), sideline_ports::ErasureError> {
            unreachable!("not asked by a stamp")
        }

        async fn erased_at(
            &self,
            _: &TenantId,
            _: &str,
        ) -> Result<Option<i64>, sideline_ports::ErasureError> {
            unreachable!("not asked by a stamp")
        }
    }

    fn down() -> BackendError {
        BackendError::unavailable(std::io::Error::other("table down"))
    }

    fn corrupt() -> BackendError {
        BackendError::corrupt("config version 3: not JSON")
    }

    impl TenantConfigs for Failing {
        async fn tenant_config(
            &self,
            _: &TenantId,
            _: Option<u64>,
        ) -> Result<Option<VersionedConfig>, ConfigStoreError> {
            Err(self.0().into())
        }

        async fn put_tenant_config(
            &self,
            _: &TenantId,
            _: u64,
            _: &TenantConfig,
            _: i64,
        ) -> Result<u64, ConfigStoreError> {
            Err(self.0().into())
        }

        async fn percentile_tenants(&self) -> Result<Vec<TenantId>, ConfigStoreError> {
            Err(self.0().into())
        }

        async fn tier_cuts(&self, _: &TenantId) -> Result<Option<TierCuts>, ConfigStoreError> {
            Err(self.0().into())
        }

        async fn put_tier_cuts(&self, _: &TenantId, _: &TierCuts) -> Result<(), ConfigStoreError> {
            Err(self.0().into())
        }
    }

    #[tokio::test]
    async fn a_document_that_cannot_be_read_does_not_stall_the_stream() {
        let (events, failed) = stamped(&Failing(corrupt, MemoryStore::new())).await;
        assert_eq!(failed, 1, "only the unreadable record");
        assert_eq!(events.len(), 5);
        assert!(events.iter().all(|e| !e.meta.contains_key("variant")));
    }

    #[tokio::test]
    async fn an_event_is_not_sent_without_its_arm() {
        let (events, failed) = stamped(&Failing(down, MemoryStore::new())).await;
        // Every user's event is retried (with the unreadable one); none is sent bare.
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(failed, 6);
    }
}

mod retention_removals {
    use super::*;
    use sideline_aws::stream::encode;
    use sideline_domain::connection::Member;
    use sideline_domain::identity::Role;
    use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
    use sideline_domain::message::{
        Author, ClientMsgId, Emoji, MessageId, MessageText, Reaction, StoredMessage,
    };
    use sideline_domain::outbox::{Change, Stored};
    use sideline_domain::scoring::Tier;

    const T0: i64 = 1_800_000_000_000;
    const DAY_MS: i64 = 86_400_000;

    fn message(at_ms: i64) -> StoredMessage {
        let tenant = TenantId::parse("demo").expect("tenant");
        StoredMessage {
            tenant: tenant.clone(),
            room: RoomId::parse("lobby").expect("room"),
            id: MessageId::at(at_ms),
            author: Author {
                id: UserId::derive(&tenant, "ada"),
                name: "Ada".into(),
                role: Role::Member,
                tier: Tier::None,
            },
            text: MessageText::parse("hello", 100).expect("text"),
            created_at_ms: at_ms,
            reply_to: None,
            client_msg_id: ClientMsgId::parse("c1").expect("client id"),
            correlation_id: None,
            reactions: Default::default(),
            visibility: Default::default(),
            seq: None,
            batched: false,
        }
    }

    fn reaction(on: &StoredMessage, at_ms: i64) -> Reaction {
        Reaction {
            tenant: on.tenant.clone(),
            room: on.room.clone(),
            message: on.id,
            emoji: Emoji::parse("🔥").expect("emoji"),
            user: UserId::derive(&on.tenant, "bob"),
            role: Role::Member,
            at_ms,
            correlation_id: None,
            batched: false,
        }
    }

    /// Removals by retention publish nothing (or an expiry), users' own publish
    /// what they always did.
    #[tokio::test]
    async fn retention_removals_are_not_users_acts() {
        let old = message(T0);
        let fresh = message(T0 + 100 * DAY_MS);
        let sweep_at = T0 + 91 * DAY_MS;
        let member = Member {
            connection_id: ConnectionId::parse("conn-1").expect("id"),
            user: old.author.id.clone(),
            name: "Ada".into(),
            role: Role::Member,
            joined_at_ms: sweep_at - 3 * 3_600_000,
            expires_at_s: (sweep_at - 3_600_000) / 1000,
            correlation_id: None,
            tier: Tier::None,
        };
        let changes = [
            // Retention: the old message and a reaction on it, past 90 days.
            (Change::remove(Stored::Message(old.clone())), sweep_at),
            (
                Change::remove(Stored::Reaction(reaction(&old, T0 + 60_000))),
                sweep_at,
            ),
            // A user taking back a reaction on a fresh message.
            (
                Change::remove(Stored::Reaction(reaction(&fresh, T0 + 100 * DAY_MS))),
                T0 + 100 * DAY_MS + 5_000,
            ),
            // A message removed within its window: a deletion.
            (
                Change::remove(Stored::Message(fresh.clone())),
                T0 + 101 * DAY_MS,
            ),
            // Retention sweeping a lapsed membership: an expiry.
            (
                Change::remove(Stored::Member {
                    tenant: old.tenant.clone(),
                    room: old.room.clone(),
                    member,
                }),
                sweep_at,
            ),
        ];
        let batch = StreamEvent {
            records: changes
                .iter()
                .enumerate()
                .map(|(i, (change, at_ms))| {
                    encode(change, i as u64 + 1, *at_ms as f64 / 1000.0).expect("record")
                })
                .collect(),
        };
        let sink = RecordingSink::new();
        let response = handle_stream(batch, &sink, &config(), &crate::Unstamped).await;
        assert!(response.batch_item_failures.is_empty());
        let events = envelopes(&sink);
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "community.reaction.removed",
                "community.message.deleted",
                "community.room.left",
            ]
        );
        assert_eq!(events[2].data["reason"], "expired");
    }
}
