//! The retention pass: for each tenant and class, sweep the quarters of the
//! expiry index that are now wholly past the tenant's window since the last pass,
//! within a budget, and remember how far each got.
//!
//! The index is its own cursor: a swept item leaves it, so a pass cut short by
//! its budget, a failure or a crash starts the next one where it stopped. The
//! checkpoint only says which quarters are done, so old empty ones are not read
//! again. A range with an item that failed stays open and is swept again by the
//! next pass (what went is no longer listed, so only the failed item is read
//! again, with one page per day and shard).

use std::collections::BTreeMap;

use serde::Serialize;
use sideline_domain::ids::TenantId;
use sideline_domain::retention::{
    day_of_quarter, quarter_of, Class, RetentionConfig, INDEX_SHARDS, QUARTERS_PER_DAY,
};
use sideline_ports::{ConfigStoreError, Retention, RetentionError, TenantConfigs};
use tracing::{error, info};

use crate::standing::TenantSettings;

/// Items one invocation removes at most.
pub const RUN_ITEMS: usize = 5_000;
/// Index pages one invocation reads at most (each a `Query`).
pub const RUN_PAGES: u64 = 10_000;
/// Tenants listed per page.
const TENANT_PAGE: usize = 100;
/// How far before a tenant was first seen its first sweep starts (a day), for
/// items whose reference time comes before it (a late event's score).
const FIRST_SWEEP_SLACK_QUARTERS: i64 = 96;

/// What a pass may do before it stops and leaves the rest to the next.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub items: usize,
    pub pages: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            items: RUN_ITEMS,
            pages: RUN_PAGES,
        }
    }
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    pub tenants: u64,
    /// Quarters swept whole (across tenants and classes).
    pub quarters: u64,
    /// Items removed, by kind.
    pub removed: BTreeMap<String, u64>,
    /// Items the index listed that had changed since, left to their new quarter.
    pub moved: u64,
    /// Items whose removal failed; tried again by the next pass.
    pub failed: u64,
    /// Items a legal hold keeps (they go once it is lifted), and tenants held
    /// whole.
    pub held: u64,
    pub held_tenants: u64,
    /// Index pages read.
    pub pages: u64,
    /// Tenants whose settings or checkpoint could not be read; tried next pass.
    pub tenant_failures: u64,
    /// The budget ran out: the next pass has more to do.
    pub more: bool,
}

impl RetentionReport {
    pub fn removed_total(&self) -> u64 {
        self.removed.values().sum()
    }
}

/// Why a tenant could not be swept.
#[derive(Debug, thiserror::Error)]
pub enum RetentionPassError {
    #[error("tenant settings")]
    Config(#[from] ConfigStoreError),
    #[error("retention index")]
    Index(#[from] RetentionError),
}

/// One pass over every known tenant, within `budget`. Tenants are taken in id
/// order starting after the one the last pass stopped at (wrapping round), so a
/// budget that runs out before the end does not leave the same tenants behind
/// every time; each tenant gets at most one pass's budget per round.
pub async fn retention_pass<S: Retention + TenantConfigs>(
    store: &S,
    settings: &TenantSettings,
    now_ms: i64,
    budget: Budget,
) -> Result<RetentionReport, RetentionError> {
    let mut report = RetentionReport::default();
    let resume = store.retention_cursor().await?;
    report.pages += 1;
    // The last tenant this pass swept, to resume after next time.
    let mut finished: Option<TenantId> = None;
    // First the tenants after the cursor, then (wrapping) those up to it.
    let mut legs = vec![(resume.clone(), None)];
    if let Some(cursor) = &resume {
        legs.push((None, Some(cursor.clone())));
    }
    'legs: for (from, until) in legs {
        let mut after = from;
        loop {
            let page = store.known_tenants(after.as_ref(), TENANT_PAGE).await?;
            report.pages += 1;
            let Some(last) = page.last() else { break };
            after = Some(last.tenant.clone());
            for known in &page {
                if until.as_ref().is_some_and(|u| known.tenant > *u) {
                    break 'legs;
                }
                if exhausted(&report, budget) {
                    report.more = true;
                    break 'legs;
                }
                report.tenants += 1;
                if let Err(err) = sweep_tenant(
                    store,
                    settings,
                    &known.tenant,
                    known.since_ms,
                    now_ms,
                    budget,
                    &mut report,
                )
                .await
                {
                    error!(tenant = %known.tenant, error = %err, cause = ?std::error::Error::source(&err), "retention could not sweep a tenant; next pass tries again");
                    report.tenant_failures += 1;
                }
                // The next pass starts after this tenant even if the budget cut
                // it short (it resumes where it stopped at its next turn), so one
                // tenant with more expiring than a pass can take does not hold up
                // the others.
                finished = Some(known.tenant.clone());
                if report.more || exhausted(&report, budget) {
                    report.more = true;
                    break 'legs;
                }
            }
            if page.len() < TENANT_PAGE {
                break;
            }
        }
    }
    // A pass that went all the way round starts the next one from the first.
    let cursor = if report.more {
        finished.or(resume.clone())
    } else {
        None
    };
    if cursor != resume {
        store.put_retention_cursor(cursor.as_ref()).await?;
    }
    info!(
        tenants = report.tenants,
        quarters = report.quarters,
        removed = report.removed_total(),
        moved = report.moved,
        failed = report.failed,
        pages = report.pages,
        more = report.more,
        "retention pass"
    );
    Ok(report)
}

fn exhausted(report: &RetentionReport, budget: Budget) -> bool {
    report.removed_total() as usize >= budget.items || report.pages >= budget.pages
}

/// Sweeps one tenant's expired quarters, class by class, oldest first, adding to
/// `report`, and stores how far each class got.
pub async fn sweep_tenant<S: Retention + TenantConfigs>(
    store: &S,
    settings: &TenantSettings,
    tenant: &TenantId,
    since_ms: i64,
    now_ms: i64,
    budget: Budget,
    report: &mut RetentionReport,
) -> Result<(), RetentionPassError> {
    let windows: RetentionConfig = settings
        .current(store, tenant, now_ms)
        .await?
        .config
        .retention
        .clone();
    if windows.legal_hold.tenant {
        // Nothing of a tenant on hold goes; its checkpoint stays where it was, so
        // the sweep takes up from there once the hold is lifted.
        report.held_tenants += 1;
        return Ok(());
    }
    let before = store.retention_checkpoint(tenant).await?;
    report.pages += 1;
    let mut checkpoint = before.clone();
    // The class that goes first turns with each quarter hour, so a class with a
    // backlog larger than a pass's budget does not keep the others waiting.
    let turn = usize::try_from(quarter_of(now_ms).rem_euclid(Class::ALL.len() as i64)).unwrap_or(0);
    for class in Class::ALL
        .iter()
        .cycle()
        .skip(turn)
        .take(Class::ALL.len())
        .copied()
    {
        let last = windows.last_expired_quarter(class, now_ms);
        let first = match before.get(&class) {
            Some(done) => done + 1,
            // Only a read model can carry a time before the tenant was first seen
            // (a late event's score).
            None if class == Class::ReadModels => quarter_of(since_ms) - FIRST_SWEEP_SLACK_QUARTERS,
            None => quarter_of(since_ms),
        };
        if first > last {
            continue;
        }
        if exhausted(report, budget) {
            report.more = true;
            break;
        }
        // A sweep reads a page per day and shard at least: the days it may take
        // are bounded by the pages left; the rest waits for the next pass.
        let pages_left = budget.pages.saturating_sub(report.pages);
        let days = i64::try_from(pages_left / u64::from(INDEX_SHARDS))
            .unwrap_or(i64::MAX)
            .max(1);
        let capped = last
            .min((day_of_quarter(first).saturating_add(days)).saturating_mul(QUARTERS_PER_DAY) - 1);
        if capped < last {
            report.more = true;
        }
        let last = capped;
        let room = budget.items - report.removed_total() as usize;
        let swept = store
            .sweep(tenant, class, first..=last, room, &windows.legal_hold)
            .await?;
        report.held += swept.held;
        report.pages += swept.pages;
        report.moved += swept.moved;
        report.failed += swept.failed;
        report.more |= swept.more;
        for (kind, n) in &swept.removed {
            *report.removed.entry(kind.clone()).or_default() += n;
        }
        // Done when nothing is left in the range; a sweep cut short by its limit,
        // or with an item that failed, is done through the days before it and is
        // taken up again from there (the index no longer lists what went).
        let done = if !swept.more && swept.failed == 0 {
            Some(last)
        } else {
            swept.through
        };
        if let Some(done) = done {
            report.quarters += u64::try_from(done - first + 1).unwrap_or(0);
            checkpoint.insert(class, done);
        }
    }
    if checkpoint != before {
        store.put_retention_checkpoint(tenant, &checkpoint).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sideline_domain::connection::ConnectionRecord;
    use sideline_domain::identity::Role;
    use sideline_domain::ids::{ConnectionId, UserId};
    use sideline_domain::retention::QUARTER_MS;
    use sideline_memory::MemoryStore;
    use sideline_ports::ConnectionRegistry;

    const T0: i64 = 1_800_000_000_000;

    async fn connect(store: &MemoryStore, tenant: &TenantId, n: usize, at_ms: i64) {
        let record = ConnectionRecord {
            tenant: tenant.clone(),
            connection_id: ConnectionId::parse(&format!("c{n}")).expect("id"),
            user: UserId::derive(tenant, &format!("user-{n}")),
            name: format!("user {n}"),
            role: Role::Member,
            connected_at_ms: at_ms,
            expires_at_s: at_ms / 1000 + 7800,
            rooms: Default::default(),
        };
        store.put_connection(&record).await.expect("connect");
    }

    #[tokio::test]
    async fn a_class_with_a_backlog_does_not_keep_the_others_waiting() {
        use sideline_domain::message::{
            Author, ClientMsgId, MessageId, MessageText, StoredMessage,
        };
        use sideline_ports::MessageStore;

        let store = MemoryStore::new();
        let settings = TenantSettings::default();
        let tenant = TenantId::parse("busy").expect("tenant");
        for n in 0..10 {
            connect(&store, &tenant, n, T0).await;
        }
        for n in 0..200 {
            let at = T0 + n;
            store
                .put_message(&StoredMessage {
                    tenant: tenant.clone(),
                    room: sideline_domain::ids::RoomId::parse("lobby").expect("room"),
                    id: MessageId::at(at),
                    author: Author {
                        id: UserId::derive(&tenant, "user-0"),
                        name: "user 0".into(),
                        role: Role::Member,
                        tier: sideline_domain::scoring::Tier::None,
                    },
                    text: MessageText::parse("old news", 100).expect("text"),
                    created_at_ms: at,
                    reply_to: None,
                    client_msg_id: ClientMsgId::parse(&format!("c{n}")).expect("client id"),
                    correlation_id: None,
                    reactions: Default::default(),
                    visibility: Default::default(),
                    seq: None,
                    batched: false,
                })
                .await
                .expect("message");
        }
        // Past the messages' window: 200 messages and 20 connection items are
        // due, and a pass takes 20.
        let budget = Budget {
            items: 20,
            pages: 1_000,
        };
        let start = T0 + 91 * 86_400_000;
        let mut removed = BTreeMap::<String, u64>::new();
        for pass in 0..5 {
            let report = retention_pass(&store, &settings, start + pass * QUARTER_MS, budget)
                .await
                .expect("pass");
            for (kind, n) in report.removed {
                *removed.entry(kind).or_default() += n;
            }
        }
        assert!(
            removed.get("message").is_some_and(|n| *n < 200),
            "{removed:?}"
        );
        assert_eq!(
            removed.get("connection"),
            Some(&10),
            "the lapsed connections had their turn: {removed:?}"
        );
    }

    #[tokio::test]
    async fn a_tenant_on_legal_hold_keeps_everything_until_it_is_lifted() {
        use sideline_domain::tenant::TenantConfig;
        use sideline_ports::TenantConfigs;

        let store = MemoryStore::new();
        let tenant = TenantId::parse("held").expect("tenant");
        for n in 0..5 {
            connect(&store, &tenant, n, T0).await;
        }
        let mut config = TenantConfig::default();
        config.retention.legal_hold.tenant = true;
        store
            .put_tenant_config(&tenant, 0, &config, T0)
            .await
            .expect("hold");
        let now = T0 + 3 * 3_600_000;
        let held = retention_pass(&store, &TenantSettings::default(), now, Budget::default())
            .await
            .expect("pass");
        assert_eq!(held.removed_total(), 0, "{held:?}");
        assert_eq!(held.held_tenants, 1);
        config.retention.legal_hold.tenant = false;
        store
            .put_tenant_config(&tenant, 1, &config, now)
            .await
            .expect("lift");
        let lifted = retention_pass(&store, &TenantSettings::default(), now, Budget::default())
            .await
            .expect("pass");
        assert_eq!(lifted.removed.get("connection"), Some(&5), "{lifted:?}");
    }

    #[tokio::test]
    async fn a_pass_that_runs_out_takes_the_next_tenants_first_next_time() {
        let store = MemoryStore::new();
        let settings = TenantSettings::default();
        let tenants: Vec<TenantId> = ["a", "b", "c"]
            .iter()
            .map(|t| TenantId::parse(t).expect("tenant"))
            .collect();
        for tenant in &tenants {
            for n in 0..30 {
                connect(&store, tenant, n, T0).await;
            }
        }
        let now = T0 + 3 * 3_600_000;
        // One tenant's lapsed connections (60 items) fill a pass.
        let budget = Budget {
            items: 60,
            pages: 1_000,
        };
        let mut order = Vec::new();
        for _ in 0..3 {
            let report = retention_pass(&store, &settings, now, budget)
                .await
                .expect("pass");
            assert_eq!(report.removed_total(), 60, "{report:?}");
            assert!(report.more);
            let cursor = store.retention_cursor().await.expect("cursor");
            order.push(cursor.map(|t| t.to_string()));
        }
        assert_eq!(
            order,
            vec![
                Some("a".to_owned()),
                Some("b".to_owned()),
                Some("c".to_owned())
            ],
            "each pass takes up after the last"
        );
        let last = retention_pass(&store, &settings, now, budget)
            .await
            .expect("pass");
        assert_eq!(last.removed_total(), 0);
        assert!(!last.more);
        assert_eq!(store.retention_cursor().await.expect("cursor"), None);
    }

    #[tokio::test]
    async fn a_pass_within_its_budget_leaves_the_rest_to_the_next_and_checkpoints_what_is_done() {
        let store = MemoryStore::new();
        let settings = TenantSettings::default();
        let tenant = TenantId::parse("acme").expect("tenant");
        for n in 0..30 {
            connect(&store, &tenant, n, T0).await;
        }
        // Connections expire 2 h 10 min on; three hours later they are all due.
        let now = T0 + 3 * 3_600_000;
        let small = Budget {
            items: 25,
            pages: 1_000,
        };
        let first = retention_pass(&store, &settings, now, small)
            .await
            .expect("first");
        assert!(first.more, "{first:?}");
        assert!(first.removed_total() <= 25);
        let second = retention_pass(&store, &settings, now, Budget::default())
            .await
            .expect("second");
        assert!(!second.more);
        // Each connection is a `connection` and a `user_connection` item.
        assert_eq!(first.removed_total() + second.removed_total(), 60);
        let checkpoint = store.retention_checkpoint(&tenant).await.expect("read");
        let live = checkpoint.get(&Class::Live).copied().expect("live done");
        assert_eq!(
            live,
            RetentionConfig::default().last_expired_quarter(Class::Live, now)
        );
        // The next pass reads only the checkpoint: nothing new is due.
        let third = retention_pass(&store, &settings, now + QUARTER_MS / 2, Budget::default())
            .await
            .expect("third");
        assert_eq!(third.removed_total(), 0);
        assert_eq!(third.quarters, 0);
    }
}
