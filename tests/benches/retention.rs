//! Retention benchmark: `SIDELINE_BENCH_RETENTION_ITEMS` (default 100,000) expired
//! messages in 50 rooms of one tenant, beside 10,000 messages still in their
//! window, on DynamoDB (moto), with the tenant's passes up to date but for that
//! backlog; retention passes run until nothing is left. Prints
//! the time, the passes (invocations) it took, and the DynamoDB calls and index
//! entries read and written. Seeding writes the items straight to the table
//! (`BatchWriteItem`), as they would be after months of traffic.
//! Needs `SIDELINE_MOTO_ENDPOINT`. Run:
//! `cargo bench -p sideline-tests --bench retention`.

use std::collections::BTreeMap;
use std::time::Instant;

use sideline_app::retention::{retention_pass, Budget};
use sideline_app::standing::TenantSettings;
use sideline_aws::dynamo::codec::message_item;
use sideline_aws::sdk::local as local_sdk_config;
use sideline_aws::DynamoStore;
use sideline_domain::connection::ConnectionRecord;
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{Author, ClientMsgId, MessageId, MessageText, StoredMessage};
use sideline_domain::retention::{quarter_of, Class, RetentionConfig};
use sideline_domain::scoring::Tier;
use sideline_ports::{ConnectionRegistry, Retention};
use sideline_tests::{batch_put, fresh_table, moto_endpoint};

const T0: i64 = 1_800_000_000_000;
const DAY: i64 = 86_400_000;
const ROOMS: usize = 50;
const KEPT: usize = 10_000;

fn message(tenant: &TenantId, n: usize, at_ms: i64) -> StoredMessage {
    StoredMessage {
        tenant: tenant.clone(),
        room: RoomId::parse(&format!("room-{}", n % ROOMS)).expect("room"),
        id: MessageId::at(at_ms),
        author: Author {
            id: UserId::derive(tenant, &format!("user-{}", n % 500)),
            name: format!("User {}", n % 500),
            role: Role::Member,
            tier: Tier::None,
        },
        text: MessageText::parse(&format!("message number {n} about the match"), 200)
            .expect("text"),
        created_at_ms: at_ms,
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
    let expired: usize = std::env::var("SIDELINE_BENCH_RETENTION_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let store = DynamoStore::from_sdk(&local_sdk_config(&moto_endpoint()), fresh_table());
    // No stream: moto keeps every record of it, which only slows the run.
    store.ensure_table_without_stream().await.expect("table");
    let tenant = TenantId::parse("bench").expect("tenant");
    store
        .put_connection(&ConnectionRecord {
            tenant: tenant.clone(),
            connection_id: ConnectionId::parse("conn-1").expect("id"),
            user: UserId::derive(&tenant, "user-0"),
            name: "User 0".into(),
            role: Role::Member,
            connected_at_ms: T0,
            expires_at_s: T0 / 1000 + 7800,
            rooms: Default::default(),
        })
        .await
        .expect("connect");
    let seeding = Instant::now();
    // Expired: spread over the tenant's first 30 days; kept: 60 to 90 days on.
    let spread = |n: usize, of: usize, from: i64| from + (n as i64) * (30 * DAY) / of as i64;
    batch_put(
        &store,
        (0..expired)
            .map(|n| message_item(&message(&tenant, n, spread(n, expired, T0))))
            .collect(),
    )
    .await;
    batch_put(
        &store,
        (0..KEPT)
            .map(|n| {
                message_item(&message(
                    &tenant,
                    expired + n,
                    spread(n, KEPT, T0 + 60 * DAY),
                ))
            })
            .collect(),
    )
    .await;
    println!(
        "seeded {expired} expired and {KEPT} kept messages in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    // 30 days after the last expired message's window: all of them are due.
    let now = T0 + 30 * DAY + 90 * DAY + 3_600_000;
    // Passes have run all along: every other class is swept up to now, and the
    // messages' backlog is what this run takes.
    let windows = RetentionConfig::default();
    let checkpoint: BTreeMap<Class, i64> = Class::ALL
        .into_iter()
        .map(|class| match class {
            Class::Messages => (class, quarter_of(T0) - 1),
            _ => (class, windows.last_expired_quarter(class, now)),
        })
        .collect();
    store
        .put_retention_checkpoint(&tenant, &checkpoint)
        .await
        .expect("checkpoint");
    let settings = TenantSettings::default();
    let started = Instant::now();
    let mut passes = 0;
    let mut removed = 0;
    let mut failed = 0;
    loop {
        passes += 1;
        let report = retention_pass(&store, &settings, now, Budget::default())
            .await
            .expect("pass");
        removed += report.removed_total();
        failed += report.failed;
        if !report.more {
            break;
        }
        assert!(passes < 1_000, "retention makes progress");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let reads = store.retention_reads();
    let items_read = store.retention_items_read();
    let writes = store.retention_write_calls();
    println!(
        "| {expired} expired, {KEPT} kept | {elapsed:.1} s | {passes} | {removed} | {failed} | {reads} | {items_read} | {writes} | {:.0} |",
        removed as f64 / elapsed
    );
    println!("(time, passes, items removed, failed, read calls, index entries read, write calls, items/s)");
    let mut left = 0;
    for room in 0..ROOMS {
        let room = RoomId::parse(&format!("room-{room}")).expect("room");
        let mut before = None;
        loop {
            let page =
                sideline_ports::MessageStore::history(&store, &tenant, &room, before.as_ref(), 500)
                    .await
                    .expect("history");
            left += page.messages.len();
            assert!(page
                .messages
                .iter()
                .all(|m| m.created_at_ms >= T0 + 60 * DAY));
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
    }
    assert_eq!(removed as usize, expired, "every expired item removed");
    assert_eq!(left, KEPT, "every kept message stays");
    assert_eq!(
        items_read as usize, expired,
        "nothing but what expired is read"
    );
    println!("checked: {left} kept messages left, none expired");
}
