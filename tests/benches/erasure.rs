//! Erasure benchmark: a user with `SIDELINE_BENCH_ERASURE_MESSAGES` (default
//! 10,000) messages in 50 rooms, 100 reactions and a profile, beside another
//! user's 1,000 messages, on DynamoDB (moto); an erasure request, then retention
//! runs (each erasing at most `DEFAULT_RUN_ITEMS`) until it completes. Prints the
//! time, the runs (invocations) it took and the DynamoDB calls by operation,
//! counted by an interceptor on the client. Seeding writes the messages straight
//! to the table (`BatchWriteItem`). Needs `SIDELINE_MOTO_ENDPOINT`. Run:
//! `cargo bench -p sideline-tests --bench erasure`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use sideline_app::erasure::{request_erasure, run_erasures, Requested, DEFAULT_RUN_ITEMS};
use sideline_aws::dynamo::codec::{message_item, reaction_item};
use sideline_aws::sdk::local as local_sdk_config;
use sideline_aws::DynamoStore;
use sideline_domain::connection::ConnectionRecord;
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, Reaction, StoredMessage,
};
use sideline_domain::scoring::Tier;
use sideline_memory::RecordingConnections;
use sideline_ports::{ConnectionRegistry, Erasure, MessageStore, UserData};
use sideline_tests::{batch_put, fresh_table, moto_endpoint};

const T0: i64 = 1_800_000_000_000;
const ROOMS: usize = 50;
const OTHERS: usize = 1_000;
/// Ada's reactions (`SIDELINE_BENCH_ERASURE_REACTIONS`): each is erased in a
/// transaction with its message's count, which moto makes slow (it copies the
/// table for each transaction), so the default is modest.
const REACTIONS: usize = 100;

/// Counts the client's calls by operation.
#[derive(Debug, Clone, Default)]
struct Calls(Arc<Mutex<BTreeMap<String, u64>>>);

impl Intercept for Calls {
    fn name(&self) -> &'static str {
        "Calls"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation as op;
        let input = context.input();
        let operation = if input.downcast_ref::<op::query::QueryInput>().is_some() {
            "Query"
        } else if input.downcast_ref::<op::get_item::GetItemInput>().is_some() {
            "GetItem"
        } else if input
            .downcast_ref::<op::batch_get_item::BatchGetItemInput>()
            .is_some()
        {
            "BatchGetItem"
        } else if input
            .downcast_ref::<op::update_item::UpdateItemInput>()
            .is_some()
        {
            "UpdateItem"
        } else if input.downcast_ref::<op::put_item::PutItemInput>().is_some() {
            "PutItem"
        } else if input
            .downcast_ref::<op::delete_item::DeleteItemInput>()
            .is_some()
        {
            "DeleteItem"
        } else if input
            .downcast_ref::<op::batch_write_item::BatchWriteItemInput>()
            .is_some()
        {
            "BatchWriteItem"
        } else if input
            .downcast_ref::<op::transact_write_items::TransactWriteItemsInput>()
            .is_some()
        {
            "TransactWriteItems"
        } else {
            "other"
        }
        .to_owned();
        if let Ok(mut calls) = self.0.lock() {
            *calls.entry(operation).or_insert(0) += 1;
        }
        Ok(())
    }
}

fn message(tenant: &TenantId, author: &str, n: usize) -> StoredMessage {
    StoredMessage {
        tenant: tenant.clone(),
        room: RoomId::parse(&format!("room-{}", n % ROOMS)).expect("room"),
        id: MessageId::at(T0 + n as i64),
        author: Author {
            id: UserId::derive(tenant, author),
            name: author.to_owned(),
            role: Role::Member,
            tier: Tier::None,
        },
        text: MessageText::parse(&format!("{author} says {n}"), 200).expect("text"),
        created_at_ms: T0 + n as i64,
        reply_to: None,
        client_msg_id: ClientMsgId::parse(&format!("c{n}")).expect("client id"),
        correlation_id: None,
        reactions: Default::default(),
        visibility: Default::default(),
        seq: None,
        batched: false,
    }
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("SIDELINE_BENCH_ERASURE_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let reactions_count: usize = std::env::var("SIDELINE_BENCH_ERASURE_REACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(REACTIONS);
    let sdk = local_sdk_config(&moto_endpoint());
    let calls = Calls::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(calls.clone())
            .build(),
    );
    let store = DynamoStore::new(client, fresh_table());
    // No stream: moto keeps every record of it, which only slows the run.
    store.ensure_table_without_stream().await.expect("table");
    let tenant = TenantId::parse("bench").expect("tenant");
    for (sub, id) in [("ada", "ada-1"), ("bob", "bob-1")] {
        store
            .put_connection(&ConnectionRecord {
                tenant: tenant.clone(),
                connection_id: ConnectionId::parse(id).expect("id"),
                user: UserId::derive(&tenant, sub),
                name: sub.into(),
                role: Role::Member,
                connected_at_ms: T0,
                expires_at_s: T0 / 1000 + 7800,
                rooms: Default::default(),
            })
            .await
            .expect("connect");
    }
    let seeding = Instant::now();
    let adas: Vec<StoredMessage> = (0..count).map(|n| message(&tenant, "ada", n)).collect();
    let mut bobs: Vec<StoredMessage> = (0..OTHERS)
        .map(|n| message(&tenant, "bob", count + n))
        .collect();
    let ada = UserId::derive(&tenant, "ada");
    let fire = Emoji::parse("🔥").expect("emoji");
    // Ada's reactions on Bob's first messages, as the table holds them: the
    // reaction items and the messages' counts.
    let mut reactions = Vec::new();
    for m in bobs.iter_mut().take(reactions_count) {
        m.reactions.insert(fire.as_str().to_owned(), 1);
        reactions.push(reaction_item(&Reaction {
            tenant: tenant.clone(),
            room: m.room.clone(),
            message: m.id,
            emoji: fire.clone(),
            user: ada.clone(),
            role: Role::Member,
            at_ms: T0,
            correlation_id: None,
            batched: false,
        }));
    }
    batch_put(&store, adas.iter().map(message_item).collect()).await;
    batch_put(&store, bobs.iter().map(message_item).collect()).await;
    batch_put(&store, reactions).await;
    println!(
        "seeded {count} + {OTHERS} messages and {reactions_count} reactions in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let now = T0 + 1_000;
    let gateway = RecordingConnections::new();
    calls.0.lock().expect("calls").clear();
    let started = Instant::now();
    let id = match request_erasure(&store, &tenant, &ada, now)
        .await
        .expect("request")
    {
        Requested::Created(r) => r.request_id,
        other => panic!("{other:?}"),
    };
    let mut runs = 0;
    loop {
        runs += 1;
        let report = run_erasures(
            &store,
            &gateway,
            &None::<sideline_memory::RecordingExportFiles>,
            now,
            DEFAULT_RUN_ITEMS,
            None,
        )
        .await
        .expect("run");
        assert_eq!(report.failed, 0, "{report:?}");
        if report.completed == 1 {
            break;
        }
        assert!(runs < 100, "erasure makes progress: {report:?}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let by_operation = calls.0.lock().expect("calls").clone();
    let total: u64 = by_operation.values().sum();
    let done = store
        .erasure_request(&tenant, &id)
        .await
        .expect("read")
        .expect("kept");
    let receipt = done.receipt.expect("receipt");
    println!(
        "| {count} messages, {reactions_count} reactions | {elapsed:.1} s | {runs} | {} | {total} |",
        receipt.counts.values().sum::<u64>()
    );
    println!("(time, runs = invocations, items erased, DynamoDB calls)");
    println!("calls by operation: {by_operation:?}");
    println!("receipt counts: {:?}", receipt.counts);
    assert_eq!(receipt.counts.get("messages"), Some(&(count as u64)));
    assert_eq!(
        receipt.counts.get("reactions"),
        Some(&(reactions_count as u64))
    );
    assert!(store.owned_by(&tenant, &ada).await.expect("ada").is_empty());
    let bob = UserId::derive(&tenant, "bob");
    assert_eq!(
        store.owned_by(&tenant, &bob).await.expect("bob").len(),
        OTHERS,
        "the other user's messages stay"
    );
    let first = &bobs[0];
    let kept = store
        .message(&tenant, &first.room, &first.id)
        .await
        .expect("read")
        .expect("kept");
    assert!(kept.reactions.get("🔥").is_none_or(|&n| n == 0));
    println!("checked: nothing of ada left, bob's {OTHERS} messages intact, counts corrected");
}
