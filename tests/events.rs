//! The event pipeline through devstack: the stream, `ingest`, the bus and its rules,
//! `--events-out`, host events; and the template's rule patterns checked against
//! both devstack's matcher and moto's `TestEventPattern`.

use std::time::Duration;

use devstack::bus::{eventbridge_event, Rules, TEMPLATE};
use serde_json::{json, Value};
use sideline_aws::sdk::local as local_sdk_config;
use std::collections::BTreeSet;

use sideline_domain::events::{Actor, Envelope, EventData, EventType};
use sideline_ports::PutEntry;
use sideline_tests::{
    assert_valid_event, bus_with_rule, fresh_table, moto_endpoint, receive, Stack, SECRET,
};

fn temp_file(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{tag}-{}.jsonl", fresh_table()))
}

/// Every event on the bus once the pipeline has drained (the stream is
/// asynchronous: this waits for it, it does not sleep).
async fn published(stack: &Stack) -> Vec<PutEntry> {
    assert!(
        stack.devstack.drain(Duration::from_secs(10)).await,
        "the pipeline drains"
    );
    stack.devstack.published()
}

#[test]
fn every_event_type_has_a_schema_and_every_schema_a_type() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/schemas");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("schemas dir")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_owned()
        })
        .collect();
    files.sort();
    let mut expected: Vec<String> = EventType::ALL
        .iter()
        .map(|t| t.detail_type().to_owned())
        .collect();
    expected.push("product.event".into());
    expected.sort();
    assert_eq!(files, expected);
    for name in files {
        jsonschema::validator_for(&sideline_tests::schema_for(&name)).expect("schema compiles");
    }
}

#[tokio::test]
async fn a_scripted_session_yields_exactly_the_expected_events_in_events_out() {
    let out = temp_file("events-out");
    let path = out.clone();
    let stack = Stack::start_with(move |c| c.events_out = Some(path)).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    ada.request(
        json!({"action": "join", "room": "match:1", "requestId": "ada-join"}),
        "joined",
    )
    .await;
    bob.request(
        json!({"action": "join", "room": "match:1", "requestId": "bob-join"}),
        "joined",
    )
    .await;
    let ack = ada
        .request(json!({"action": "send", "room": "match:1", "text": "goal!", "clientMsgId": "c1", "requestId": "ada-send"}), "ack")
        .await;
    ada.request(json!({"action": "send", "room": "match:1", "text": "goal!", "clientMsgId": "c1", "requestId": "ada-retry"}), "ack").await;
    bob.request(json!({"action": "react", "room": "match:1", "messageId": ack["messageId"], "emoji": "🔥", "on": true, "requestId": "bob-react"}), "reaction").await;
    bob.send(json!({"action": "typing", "room": "match:1"}))
        .await;
    ada.request(
        json!({"action": "leave", "room": "match:1", "requestId": "ada-leave"}),
        "left",
    )
    .await;
    bob.close().await;

    let expected = [
        ("community.room.joined", "ada", "ada-join"),
        ("community.room.joined", "bob", "bob-join"),
        ("community.message.sent", "ada", "ada-send"),
        ("community.reaction.added", "bob", "bob-react"),
        ("community.room.left", "ada", "ada-leave"),
        // A disconnect has no client request: it keeps the join's.
        ("community.room.left", "bob", "bob-join"),
    ];
    published(&stack).await;
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .expect("events-out written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let _ = std::fs::remove_file(&out);
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    let user = |sub: &str| {
        sideline_domain::ids::UserId::derive(
            &sideline_domain::ids::TenantId::parse("acme").unwrap(),
            sub,
        )
        .to_string()
    };
    // Events name users by pseudonym: one per user, never their id.
    let mut pseudonyms: std::collections::BTreeMap<&str, String> = Default::default();
    for (line, (detail_type, who, correlation)) in lines.iter().zip(expected) {
        let text = line.to_string();
        assert!(
            !text.contains(&user("ada")) && !text.contains(&user("bob")),
            "a user id in an event: {text}"
        );
        assert_eq!(line["Source"], "sideline");
        assert_eq!(line["DetailType"], detail_type, "{line}");
        assert!(line["EventBusName"].is_string());
        let detail: Value =
            serde_json::from_str(line["Detail"].as_str().expect("Detail is a JSON string"))
                .expect("detail JSON");
        assert_valid_event(detail_type, &detail);
        assert_eq!(detail["type"], detail_type);
        assert_eq!(detail["tenantId"], "acme");
        assert_eq!(detail["roomId"], "match:1");
        let named = detail["actor"]["canonicalId"]
            .as_str()
            .expect("actor")
            .to_owned();
        assert!(named.starts_with("p_") && named.len() == 34, "{detail}");
        assert_eq!(
            pseudonyms.entry(who).or_insert_with(|| named.clone()),
            &named,
            "{who} has one pseudonym"
        );
        assert_eq!(detail["correlationId"], correlation, "{detail}");
    }
    assert_ne!(pseudonyms.get("ada"), pseudonyms.get("bob"));
    // The sent message goes to moderation; it and the reaction go to scoring.
    let deliveries: Vec<(String, String)> = stack
        .devstack
        .deliveries()
        .iter()
        .map(|d| {
            (
                d.rule.clone(),
                d.event["detail-type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let pair = |r: &str, t: &str| (r.to_owned(), t.to_owned());
    assert_eq!(
        deliveries,
        [
            pair("ModerationRule", "community.message.sent"),
            pair("ScoringRule", "community.message.sent"),
            pair("ScoringRule", "community.reaction.added"),
        ]
    );
}

fn http_post(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    let mut request = format!("POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    tcp.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("http answer");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn signed_host_events_reach_the_bus_and_bad_requests_are_refused() {
    let stack = Stack::start_with(|c| c.host_events_secret = Some(SECRET.to_owned())).await;
    let addr = stack.devstack.addr();
    let body = json!({"events": [
        {"name": "video_watched", "tenant": "acme", "userId": "ada", "roomId": "video:7", "data": {"seconds": 42}},
        {"name": "NOT valid", "tenant": "acme", "userId": "ada"}
    ]})
    .to_string();
    let now = sideline_tests::now_s();
    let signature = ingest::host::sign(SECRET.as_bytes(), now, &body);
    let (status, answer) = tokio::task::spawn_blocking(move || {
        http_post(
            addr,
            "/events",
            &[
                ("X-Sideline-Timestamp", now.to_string()),
                ("X-Sideline-Signature", signature),
            ],
            &body,
        )
    })
    .await
    .expect("request");
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["accepted"], 1);
    assert_eq!(answer["rejected"][0]["index"], 1);
    let events = published(&stack).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail_type, "product.video_watched");
    assert_valid_event(
        "product.video_watched",
        &serde_json::from_str(&events[0].detail).expect("detail"),
    );

    let (status, _) =
        tokio::task::spawn_blocking(move || http_post(addr, "/events", &[], "{\"events\": []}"))
            .await
            .expect("request");
    assert_eq!(status, 401, "unsigned");
    let bad = "{\"events\": [}".to_owned();
    let sig = ingest::host::sign(SECRET.as_bytes(), now, &bad);
    let (status, _) = tokio::task::spawn_blocking(move || {
        http_post(
            addr,
            "/events",
            &[
                ("X-Sideline-Timestamp", now.to_string()),
                ("X-Sideline-Signature", sig),
            ],
            &bad,
        )
    })
    .await
    .expect("request");
    assert_eq!(status, 400, "malformed");
    assert_eq!(
        stack.devstack.published().len(),
        1,
        "refused requests published nothing"
    );
}

/// One sample event of every type, as rules see it.
fn samples() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = EventType::ALL
        .iter()
        .map(|t| {
            let entry = PutEntry {
                source: "sideline".into(),
                detail_type: t.detail_type().into(),
                detail: json!({"type": t.detail_type(), "tenantId": "acme", "roomId": "r", "actor": {"canonicalId": "p_0", "role": "member"}, "data": {}}).to_string(),
                event_bus_name: "bus".into(),
            };
            (t.detail_type().to_owned(), eventbridge_event(&entry, 1_800_000_000_000))
        })
        .collect();
    let product = PutEntry {
        source: "sideline".into(),
        detail_type: "product.video_watched".into(),
        detail: json!({"type": "product.video_watched", "tenantId": "acme", "actor": {"canonicalId": "p_0", "role": "host"}, "data": {}}).to_string(),
        event_bus_name: "bus".into(),
    };
    out.push((
        "product.video_watched".into(),
        eventbridge_event(&product, 1_800_000_000_000),
    ));
    let foreign = PutEntry {
        source: "someone.else".into(),
        detail_type: "community.message.sent".into(),
        detail: "{}".into(),
        event_bus_name: "bus".into(),
    };
    out.push((
        "foreign community.message.sent".into(),
        eventbridge_event(&foreign, 1_800_000_000_000),
    ));
    out
}

/// Every template with rules: the main stack and the analytics routing stacks.
const TEMPLATES: [(&str, &str); 3] = [
    ("template.yaml", TEMPLATE),
    (
        "infra/analytics/firehose-s3.yaml",
        include_str!("../infra/analytics/firehose-s3.yaml"),
    ),
    (
        "infra/analytics/api-destinations.yaml",
        include_str!("../infra/analytics/api-destinations.yaml"),
    ),
];

/// What each rule must match, and nothing else.
fn expected_matches(rule: &str) -> Vec<&'static str> {
    match rule {
        "ModerationRule" => vec![
            "community.message.edited",
            "community.message.reported",
            "community.message.sent",
        ],
        // Scoring takes what scores: messages, reactions, every moderation
        // decision (moderators earn, violations cost) and host product events.
        "ScoringRule" => {
            let mut scored: Vec<&'static str> = EventType::ALL
                .iter()
                .map(|t| t.detail_type())
                .filter(|t| t.starts_with("community.moderation."))
                .chain([
                    "community.message.sent",
                    "community.reaction.added",
                    "community.reaction.removed",
                    "product.video_watched",
                ])
                .collect();
            scored.sort();
            scored
        }
        // The data lake takes every Sideline event, and nobody else's.
        "AllEventsRule" => {
            let mut all: Vec<&'static str> = EventType::ALL
                .iter()
                .map(|t| t.detail_type())
                .chain(["product.video_watched"])
                .collect();
            all.sort();
            all
        }
        // Analytics tools track every Sideline event but erasures, which go to
        // their deletion APIs instead.
        "SegmentRule" | "MixpanelRule" | "AmplitudeRule" | "Ga4Rule" => {
            let mut all: Vec<&'static str> = EventType::ALL
                .iter()
                .map(|t| t.detail_type())
                .filter(|t| *t != "community.user.erased")
                .chain(["product.video_watched"])
                .collect();
            all.sort();
            all
        }
        "EraseRule" => vec!["community.user.erased"],
        other => panic!("rule {other} has no expectation in this test; add one"),
    }
}

#[tokio::test]
async fn each_template_rule_matches_the_events_it_should_and_no_others() {
    check_templates(None).await;
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn each_template_rule_matches_the_same_events_on_moto() {
    check_templates(Some(moto_endpoint())).await;
}

async fn check_templates(moto: Option<String>) {
    let mut checked = 0;
    for (file, text) in TEMPLATES {
        let rules = Rules::from_template(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!rules.rules().is_empty(), "{file} has rules");
        checked += rules.rules().len();
        check_rules(&rules, moto.as_deref()).await;
    }
    assert_eq!(checked, 8, "every rule of every template was checked");
}

/// Checks each rule with devstack's matcher and, given moto, with moto's.
async fn check_rules(rules: &Rules, moto: Option<&str>) {
    // moto's TestEventPattern is a stub, so moto's own matcher is asked the real
    // way: the rule on a moto bus with an SQS target, and every sample put on it.
    for rule in rules.rules() {
        let mut by_devstack: Vec<String> = samples()
            .into_iter()
            .filter(|(_, event)| rules.matching(event).contains(&rule.name))
            .map(|(label, _)| label)
            .collect();
        by_devstack.sort();
        assert_eq!(
            by_devstack,
            expected_matches(&rule.name),
            "devstack's matcher, rule {}",
            rule.name
        );

        let Some(endpoint) = moto else { continue };
        let (bus, sqs, queue) = bus_with_rule(endpoint, &rule.pattern.to_string()).await;
        let client = aws_sdk_eventbridge::Client::new(&local_sdk_config(endpoint));
        for (label, event) in samples() {
            let mut detail = event["detail"].clone();
            detail["label"] = json!(label);
            let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name(&bus)
                .source(event["source"].as_str().unwrap_or_default())
                .detail_type(event["detail-type"].as_str().unwrap_or_default())
                .detail(detail.to_string())
                .build();
            let out = client
                .put_events()
                .entries(entry)
                .send()
                .await
                .expect("put on moto");
            assert_eq!(out.failed_entry_count(), 0);
        }
        let delivered = receive(&sqs, &queue, expected_matches(&rule.name).len()).await;
        let mut by_moto: Vec<String> = delivered
            .iter()
            .map(|e| e["detail"]["label"].as_str().unwrap_or_default().to_owned())
            .collect();
        by_moto.sort();
        assert_eq!(
            by_moto,
            expected_matches(&rule.name),
            "moto's rule matching, rule {}",
            rule.name
        );
        assert!(
            receive(&sqs, &queue, 1).await.is_empty(),
            "moto delivered more than expected"
        );
    }
}

#[test]
fn every_event_example_in_the_docs_is_valid_against_its_schema() {
    let doc = include_str!("../docs/events.md");
    let mut validated = Vec::new();
    for block in doc.split("```json\n").skip(1) {
        let Some((body, _)) = block.split_once("\n```") else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            continue;
        };
        if let (Some(kind), true) = (value["type"].as_str(), value.get("eventId").is_some()) {
            assert_valid_event(kind, &value);
            validated.push(if kind.starts_with("product.") {
                "product.event".to_owned()
            } else {
                kind.to_owned()
            });
        }
    }
    validated.sort();
    validated.dedup();
    // An example of every type but the moderation decisions, which share one shape:
    // those need examples of a message decision, a sanction and a room setting.
    let mut expected: Vec<String> = EventType::ALL
        .iter()
        .filter(|t| !matches!(t, EventType::Moderation(_)))
        .map(|t| t.detail_type().to_owned())
        .chain(
            [
                "community.moderation.message_blocked",
                "community.moderation.user_muted",
                "community.moderation.room_slow_mode_set",
                "product.event",
            ]
            .map(str::to_owned),
        )
        .collect();
    expected.sort();
    assert_eq!(validated, expected, "examples in docs/events.md");
}

#[test]
fn the_athena_table_projects_every_event_type() {
    let template = include_str!("../infra/analytics/firehose-s3.yaml");
    let line = template
        .lines()
        .find(|l| l.contains("projection.type.values"))
        .expect("partition projection of `type`");
    for t in EventType::ALL {
        assert!(
            line.contains(&format!("{},", t.detail_type())),
            "{} is not a partition value in firehose-s3.yaml",
            t.detail_type()
        );
    }
}

/// The typed `data` of `kind` with every optional field set, and with none.
fn data_samples(kind: EventType) -> (EventData, EventData) {
    use sideline_domain::events::*;
    use sideline_domain::ids::{ConnectionId, DecisionId};
    use sideline_domain::message::{Emoji, MessageId, Visibility};
    use sideline_domain::moderation::Stage;
    let message = MessageId::at(1_800_000_000_000);
    let user = "p_fdbc64e5d1225f8e913a96e2dab1a7bc".to_owned();
    let connection = ConnectionId::parse("abc").unwrap();
    let same = |d: EventData| (d.clone(), d);
    match kind {
        EventType::RoomJoined => same(EventData::RoomJoined(RoomJoined {
            connection_id: connection,
        })),
        EventType::RoomLeft => same(EventData::RoomLeft(RoomLeft {
            connection_id: connection,
            reason: LeftReason::Expired,
        })),
        EventType::MessageSent => {
            let sent = MessageSent {
                message_id: message,
                text_length: 2,
                visibility: Visibility::Public,
                reply_to: Some(message),
            };
            (
                EventData::MessageSent(sent.clone()),
                EventData::MessageSent(MessageSent {
                    reply_to: None,
                    ..sent
                }),
            )
        }
        EventType::MessageEdited => same(EventData::MessageEdited(MessageEdited {
            message_id: message,
            text_length: 2,
        })),
        EventType::MessageDeleted => same(EventData::MessageDeleted(MessageDeleted {
            message_id: message,
        })),
        EventType::MessageReported => same(EventData::MessageReported(MessageReported {
            message_id: message,
            author_id: user.clone(),
            reason: "spam".into(),
        })),
        EventType::ReactionAdded => same(EventData::ReactionAdded(ReactionChanged {
            message_id: message,
            emoji: Emoji::parse("🔥").unwrap(),
        })),
        EventType::ReactionRemoved => same(EventData::ReactionRemoved(ReactionRemoved {
            message_id: message,
            emoji: Emoji::parse("🔥").unwrap(),
            added_at: 1_800_000_000_000,
        })),
        EventType::TierChanged => same(EventData::TierChanged(TierChanged {
            user_id: user.clone(),
            from: sideline_domain::scoring::Tier::None,
            to: sideline_domain::scoring::Tier::Silver,
            score: 151.25,
        })),
        EventType::UserErased => same(EventData::UserErased(UserErased {
            request_id: "5b0f1c2e-3d4a-5b6c-8d7e-9f0a1b2c3d4e".into(),
        })),
        EventType::PollCreated => {
            let full = PollCreated {
                poll_id: sideline_domain::poll::PollId::at(1_800_000_000_000),
                question: "Who scores next?".into(),
                options: vec!["Home".into(), "Away".into()],
                multiple: true,
                results: sideline_domain::poll::ResultsShown::Closed,
                closes_at: Some("2027-01-15T08:00:00.000Z".into()),
                context: Some(sideline_domain::poll::Moment {
                    object: Some("video:9".into()),
                    at: Some("67:12".into()),
                    position_ms: Some(754_200),
                }),
            };
            (
                EventData::PollCreated(full.clone()),
                EventData::PollCreated(PollCreated {
                    closes_at: None,
                    context: None,
                    ..full
                }),
            )
        }
        EventType::PollVoted => {
            let full = PollVoted {
                poll_id: sideline_domain::poll::PollId::at(1_800_000_000_000),
                choices: vec![0, 1],
                previous: Some(vec![1]),
            };
            (
                EventData::PollVoted(full.clone()),
                EventData::PollVoted(PollVoted {
                    previous: None,
                    ..full
                }),
            )
        }
        EventType::PollClosed => {
            let full = PollClosed {
                poll_id: sideline_domain::poll::PollId::at(1_800_000_000_000),
                counts: vec![3, 4],
                voters: 6,
                closed_by: "hand".into(),
                context: Some(sideline_domain::poll::Moment {
                    object: Some("match:123".into()),
                    at: None,
                    position_ms: None,
                }),
            };
            (
                EventData::PollClosed(full.clone()),
                EventData::PollClosed(PollClosed {
                    context: None,
                    ..full
                }),
            )
        }
        EventType::Moderation(decision) => {
            let full = DecisionMade {
                decision_id: DecisionId::at(1_800_000_000_000),
                stage: Stage::Human,
                subject_id: Some(user),
                message_id: Some(message),
                reason: Some("because".into()),
                categories: vec!["spam".into()],
                scores: [("spam".to_owned(), 0.8)].into(),
                rule_version: "human".into(),
                enforced: true,
                duration_s: Some(60),
            };
            let bare = DecisionMade {
                subject_id: None,
                message_id: None,
                reason: None,
                duration_s: None,
                ..full.clone()
            };
            (
                EventData::Moderation(decision, full),
                EventData::Moderation(decision, bare),
            )
        }
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schemas and the typed `data` structs cannot drift apart: every field the
/// type writes is in its schema, every field the schema lists is one the type
/// writes, and the schema requires the fields the type always writes (exactly,
/// but for decisions, whose kinds may require more).
/// Each sample also validates, inside an envelope, and reads back as it was.
#[test]
fn every_schema_describes_exactly_the_fields_of_its_typed_data() {
    for kind in EventType::ALL {
        let schema = sideline_tests::schema_for(kind.detail_type());
        let data_schema = &schema["properties"]["data"];
        let (full, bare) = data_samples(kind);
        assert_eq!(full.event_type(), kind);
        let properties = keys(&data_schema["properties"]);
        let required: BTreeSet<String> = data_schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            keys(&full.to_value()),
            properties,
            "{}: fields",
            kind.detail_type()
        );
        let always = keys(&bare.to_value());
        if let EventType::Moderation(_) = kind {
            // One struct serves every decision; a kind's schema may require more of
            // its optional fields (a masked message always names the message).
            assert!(
                always.is_subset(&required) && required.is_subset(&properties),
                "{}: required {required:?}, always written {always:?}",
                kind.detail_type()
            );
        } else {
            assert_eq!(always, required, "{}: required", kind.detail_type());
        }
        // A decision kind's schema may require more than every decision has.
        let samples = if matches!(kind, EventType::Moderation(_)) {
            vec![&full]
        } else {
            vec![&full, &bare]
        };
        for data in samples {
            let mut meta = serde_json::Map::new();
            meta.insert("source".into(), json!("stream"));
            if matches!(kind, EventType::MessageSent | EventType::MessageEdited) {
                meta.insert("messageType".into(), json!("text"));
            }
            // A tier change belongs to no room and is the system's doing.
            let tenant_wide = matches!(kind, EventType::TierChanged | EventType::UserErased);
            let envelope = Envelope {
                event_id: "5b0f1c2e-3d4a-5b6c-8d7e-9f0a1b2c3d4e".into(),
                event_type: kind.detail_type().into(),
                analytics_name: kind.analytics_name().into(),
                schema_version: kind.schema_version(),
                occurred_at: "2026-11-21T08:00:00.000Z".into(),
                correlation_id: "req-1".into(),
                tenant_id: "acme".into(),
                room_id: (!tenant_wide).then(|| "match:1".into()),
                actor: if kind == EventType::UserErased {
                    Actor {
                        canonical_id: "p_8471e689ffe65508ab4204cd2a5f1a42".into(),
                        role: "system".into(),
                    }
                } else if tenant_wide {
                    Actor {
                        canonical_id: "system".into(),
                        role: "system".into(),
                    }
                } else {
                    Actor {
                        canonical_id: "p_8471e689ffe65508ab4204cd2a5f1a42".into(),
                        role: "moderator".into(),
                    }
                },
                data: data.to_value(),
                meta,
            };
            let detail = serde_json::to_value(&envelope).unwrap();
            assert_valid_event(kind.detail_type(), &detail);
            assert_eq!(
                &envelope.typed_data().unwrap(),
                data,
                "{}: round trip",
                kind.detail_type()
            );
        }
    }
}

/// Every kind of item that makes an event must pass the table stream's filter
/// in template.yaml, or its events never leave a deployment (devstack and the
/// in-memory store have no filter, so nothing else would notice).
#[test]
fn the_stream_filter_lets_every_event_kind_through() {
    let template = include_str!("../template.yaml");
    // Each resource's filter patterns (a resource: a line indented by two).
    let mut by_resource: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in template.lines() {
        let indent = line.len() - line.trim_start().len();
        if indent == 2 && line.trim_end().ends_with(':') {
            by_resource.push((line.trim().trim_end_matches(':'), Vec::new()));
        } else if line.trim_start().starts_with("- Pattern:") {
            if let Some((_, patterns)) = by_resource.last_mut() {
                patterns.push(line);
            }
        }
    }
    for (resource, patterns) in &by_resource {
        assert!(
            patterns.len() <= 5,
            "{resource}: Lambda takes at most 5 filters per source"
        );
    }
    let (_, patterns) = by_resource
        .iter()
        .find(|(resource, _)| *resource == "IngestFunction")
        .expect("IngestFunction in the template");
    for kind in sideline_aws::dynamo::codec::EVENT_KINDS {
        assert!(
            patterns.iter().any(|p| p.contains(&format!("\"{kind}\""))),
            "items of kind `{kind}` make events but the stream filter drops them"
        );
    }
}
