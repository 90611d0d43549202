//! [`Retention`]: the expiry index, the tenant list and the sweep checkpoints.
//!
//! Every item retention removes carries `xpPk` = `T#{tenant}#XP#{class}#{day}#{shard}`
//! (the day of its reference time, one of [`INDEX_SHARDS`] by its keys) and `xpSk`
//! = the quarter hour of its reference time, so the sparse `expiry` index lists a
//! tenant's items of a class by day, in order of time. A sweep of quarters
//! `a..=b` reads, for each day they span and each shard, the index entries with
//! `xpSk BETWEEN a AND b` — only expired items — and removes them: its reads are
//! one page per day and shard plus the pages of what expired, never a `Scan`.
//! Items whose reference time moves (a score, a refreshed membership) are removed
//! on the condition that they are still indexed where they were found.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::Ordering;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use sideline_domain::ids::TenantId;
use sideline_domain::retention::{
    day_of_quarter, quarter_of, shard_of, Class, LegalHold, INDEX_SHARDS, QUARTERS_PER_DAY,
};
use sideline_ports::{KnownTenant, Retention, RetentionError, Swept};

use super::codec::{n, s, Attrs};
use super::keys::key;
use super::{build_error, unavailable, DynamoStore, Item, BATCH_WRITE_MAX};

/// The sparse index of items retention removes (`xpPk`, `xpSk`; keys, `kind` and
/// what a legal hold is judged by — `room`, `userId`, `authorId`, `subjectId` —
/// projected).
pub const EXPIRY_INDEX: &str = "expiry";

/// The partition of the tenant list.
const TENANTS_PK: &str = "TENANTS";
/// Where the last pass stopped (sorts before every `T#…` listing).
const CURSOR_SK: &str = "CURSOR";

/// Largest page asked of the index.
const PAGE: i32 = 500;

fn index_pk(tenant: &TenantId, class: Class, day: i64, shard: u32) -> String {
    format!("T#{tenant}#XP#{}#{day}#{shard}", class.as_str())
}

/// The `xpPk` and `xpSk` of the item at `keys` (its `PK` and `SK`).
pub fn index_values(
    keys: &Item,
    tenant: &TenantId,
    class: Class,
    reference_ms: i64,
) -> (AttributeValue, AttributeValue) {
    let identity = match (keys.get("PK"), keys.get("SK")) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => format!("{pk}\u{1f}{sk}"),
        _ => String::new(),
    };
    let quarter = quarter_of(reference_ms);
    (
        s(index_pk(
            tenant,
            class,
            day_of_quarter(quarter),
            shard_of(&identity),
        )),
        n(quarter),
    )
}

/// Lists an item (which has its keys already) in the expiry index.
pub fn stamp(item: &mut Item, tenant: &TenantId, class: Class, reference_ms: i64) {
    let (pk, sk) = index_values(item, tenant, class, reference_ms);
    item.insert("xpPk".into(), pk);
    item.insert("xpSk".into(), sk);
}

/// An index entry a sweep found: the item's keys and kind, and where it was.
struct Found {
    keys: Item,
    kind: String,
    pk: String,
    sk: AttributeValue,
    day: i64,
}

/// Whether a legal hold keeps an index entry: by the room it is in, or a user it
/// names (its `userId`, `authorId` or `subjectId`, or the user partition it is in).
fn is_held(entry: &Item, hold: &LegalHold) -> bool {
    if hold.is_empty() {
        return false;
    }
    let a = Attrs(entry);
    let partition_user = a
        .opt_str("PK")
        .and_then(|pk| pk.split_once("#U#").or_else(|| pk.split_once("#S#")))
        .map(|(_, user)| user);
    let users = ["userId", "authorId", "subjectId"]
        .into_iter()
        .filter_map(|name| a.opt_str(name))
        .chain(partition_user);
    hold.holds(a.opt_str("room"), users)
}

/// Whether the item at an expired entry's keys may since have been rewritten —
/// a score that moved on, a membership refreshed, a review item queued again
/// after the decided one was listed — so it is removed only on the condition
/// that it is still indexed where it was found. Messages (unique ids) and
/// decisions (written once) never are.
fn moves(class: Class) -> bool {
    matches!(class, Class::ReadModels | Class::Live | Class::Reviews)
}

fn checkpoint_key(tenant: &TenantId) -> Item {
    key(format!("T#{tenant}#CONFIG"), "RETENTION")
}

fn is_delete_condition_failure(err: &SdkError<DeleteItemError, impl std::fmt::Debug>) -> bool {
    matches!(err, SdkError::ServiceError(e) if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)))
}

impl DynamoStore {
    /// Lists the tenant as holding data from `now_ms` (kept from the first time).
    /// Done once per tenant per process: connections and settings documents call
    /// it, and a listed tenant stays listed.
    pub(super) async fn register_tenant(
        &self,
        tenant: &TenantId,
        now_ms: i64,
    ) -> Result<(), sideline_ports::BackendError> {
        let known = |set: &HashSet<TenantId>| set.contains(tenant);
        if self
            .registered
            .lock()
            .map(|set| known(&set))
            .unwrap_or(false)
        {
            return Ok(());
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(TENANTS_PK.to_owned(), format!("T#{tenant}"))))
            .update_expression(
                "SET since = if_not_exists(since, :now), tenant = :tenant, kind = :kind",
            )
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .expression_attribute_values(":kind", s("tenant"))
            .send()
            .await
            .map_err(unavailable)?;
        if let Ok(mut set) = self.registered.lock() {
            set.insert(tenant.clone());
        }
        Ok(())
    }

    /// Calls retention made to read (index pages, tenant pages, checkpoints): a
    /// measure for tests and benchmarks.
    pub fn retention_reads(&self) -> u64 {
        self.retention_reads.load(Ordering::Relaxed)
    }

    /// Calls retention made to remove items (`BatchWriteItem`, `DeleteItem`).
    pub fn retention_write_calls(&self) -> u64 {
        self.retention_writes.load(Ordering::Relaxed)
    }

    /// Index entries retention's sweeps read.
    pub fn retention_items_read(&self) -> u64 {
        self.retention_items.load(Ordering::Relaxed)
    }

    fn count_read(&self) {
        self.retention_reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes keys in batches; returns how many of each index went, and how many
    /// could not be removed after retries.
    async fn remove_batch(
        &self,
        found: &[Found],
        swept: &mut Swept,
        failed_days: &mut BTreeSet<i64>,
    ) {
        for chunk in found.chunks(BATCH_WRITE_MAX) {
            let requests: Result<Vec<_>, _> = chunk
                .iter()
                .map(|f| {
                    DeleteRequest::builder()
                        .set_key(Some(f.keys.clone()))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(build_error)
                })
                .collect();
            let Ok(mut requests) = requests else {
                swept.failed += chunk.len() as u64;
                failed_days.extend(chunk.iter().map(|f| f.day));
                continue;
            };
            for attempt in 0..5u32 {
                if requests.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
                self.retention_writes.fetch_add(1, Ordering::Relaxed);
                match self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests.clone())
                    .send()
                    .await
                {
                    Ok(out) => {
                        requests = out
                            .unprocessed_items
                            .and_then(|mut m| m.remove(&self.table))
                            .unwrap_or_default();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "retention batch delete failed; retrying");
                    }
                }
            }
            let left: HashSet<String> = requests
                .iter()
                .filter_map(|r| r.delete_request())
                .filter_map(|d| super::keys::item_key(d.key()))
                .collect();
            for f in chunk {
                if super::keys::item_key(&f.keys).is_some_and(|id| left.contains(&id)) {
                    swept.failed += 1;
                    failed_days.insert(f.day);
                } else {
                    *swept.removed.entry(f.kind.clone()).or_default() += 1;
                }
            }
        }
    }

    /// Removes items one by one, each only if still indexed where it was found.
    async fn remove_if_unmoved(
        &self,
        found: &[Found],
        swept: &mut Swept,
        failed_days: &mut BTreeSet<i64>,
    ) {
        for Found {
            keys,
            kind,
            pk,
            sk,
            day,
        } in found
        {
            self.retention_writes.fetch_add(1, Ordering::Relaxed);
            let result = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(keys.clone()))
                .condition_expression("xpPk = :pk AND xpSk = :sk")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":sk", sk.clone())
                .send()
                .await;
            match result {
                Ok(_) => *swept.removed.entry(kind.clone()).or_default() += 1,
                Err(err) if is_delete_condition_failure(&err) => swept.moved += 1,
                Err(err) => {
                    tracing::warn!(error = %err, "retention delete failed; tried again next run");
                    swept.failed += 1;
                    failed_days.insert(*day);
                }
            }
        }
    }
}

impl Retention for DynamoStore {
    async fn known_tenants(
        &self,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<KnownTenant>, RetentionError> {
        let mut tenants = Vec::new();
        let mut start: Option<Item> = None;
        let lower = after.map_or_else(|| "T#".to_owned(), |t| format!("T#{t}"));
        while tenants.len() < limit {
            self.count_read();
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK > :after")
                .expression_attribute_values(":pk", s(TENANTS_PK))
                .expression_attribute_values(":after", s(&lower))
                .limit(i32::try_from(limit - tenants.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                let a = Attrs(&item);
                tenants.push(KnownTenant {
                    tenant: a.tenant()?,
                    since_ms: a.num("since")?,
                });
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                break;
            }
        }
        Ok(tenants)
    }

    async fn known_tenant(&self, tenant: &TenantId) -> Result<Option<KnownTenant>, RetentionError> {
        self.count_read();
        let Some(item) = self
            .get(key(TENANTS_PK.to_owned(), format!("T#{tenant}")))
            .await?
        else {
            return Ok(None);
        };
        let a = Attrs(&item);
        Ok(Some(KnownTenant {
            tenant: a.tenant()?,
            since_ms: a.num("since")?,
        }))
    }

    async fn retention_cursor(&self) -> Result<Option<TenantId>, RetentionError> {
        self.count_read();
        let Some(item) = self.get(key(TENANTS_PK.to_owned(), CURSOR_SK)).await? else {
            return Ok(None);
        };
        match Attrs(&item).opt_str("after") {
            Some(raw) => Ok(Some(
                TenantId::parse(raw).map_err(sideline_ports::BackendError::corrupt)?,
            )),
            None => Ok(None),
        }
    }

    async fn put_retention_cursor(&self, after: Option<&TenantId>) -> Result<(), RetentionError> {
        let mut item = key(TENANTS_PK.to_owned(), CURSOR_SK);
        item.insert("kind".into(), s("retention_cursor"));
        if let Some(after) = after {
            item.insert("after".into(), s(after.as_str()));
        }
        Ok(self.put(item).await?)
    }

    async fn retention_checkpoint(
        &self,
        tenant: &TenantId,
    ) -> Result<BTreeMap<Class, i64>, RetentionError> {
        self.count_read();
        let Some(item) = self.get(checkpoint_key(tenant)).await? else {
            return Ok(BTreeMap::new());
        };
        let a = Attrs(&item);
        let mut checkpoint = BTreeMap::new();
        for class in Class::ALL {
            if let Some(q) = a.opt_num(&format!("q_{}", class.as_str()))? {
                checkpoint.insert(class, q);
            }
        }
        Ok(checkpoint)
    }

    async fn put_retention_checkpoint(
        &self,
        tenant: &TenantId,
        checkpoint: &BTreeMap<Class, i64>,
    ) -> Result<(), RetentionError> {
        let mut item = checkpoint_key(tenant);
        item.insert("kind".into(), s("retention_checkpoint"));
        for (class, quarter) in checkpoint {
            item.insert(format!("q_{}", class.as_str()), n(quarter));
        }
        Ok(self.put(item).await?)
    }

    async fn sweep(
        &self,
        tenant: &TenantId,
        class: Class,
        quarters: std::ops::RangeInclusive<i64>,
        limit: usize,
        hold: &LegalHold,
    ) -> Result<Swept, RetentionError> {
        let mut swept = Swept::default();
        // Days with an item a hold keeps are not done: the item goes once the hold
        // is lifted.
        let mut held_days = BTreeSet::new();
        let mut found: Vec<Found> = Vec::new();
        let (first, last) = (*quarters.start(), *quarters.end());
        // Days whose every shard was read to its end.
        let mut read_whole: Option<i64> = None;
        'days: for day in day_of_quarter(first)..=day_of_quarter(last) {
            for shard in 0..INDEX_SHARDS {
                let pk = index_pk(tenant, class, day, shard);
                let mut start: Option<Item> = None;
                loop {
                    let room = limit.saturating_sub(found.len());
                    if room == 0 {
                        swept.more = true;
                        break 'days;
                    }
                    self.count_read();
                    swept.pages += 1;
                    let out = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .index_name(EXPIRY_INDEX)
                        .key_condition_expression("xpPk = :pk AND xpSk BETWEEN :a AND :b")
                        .expression_attribute_values(":pk", s(&pk))
                        .expression_attribute_values(":a", n(first))
                        .expression_attribute_values(":b", n(last))
                        .limit(i32::try_from(room).unwrap_or(PAGE).min(PAGE))
                        .set_exclusive_start_key(start)
                        .send()
                        .await
                        .map_err(unavailable)?;
                    let items = out.items.unwrap_or_default();
                    self.retention_items
                        .fetch_add(items.len() as u64, Ordering::Relaxed);
                    for item in items {
                        if is_held(&item, hold) {
                            swept.held += 1;
                            held_days.insert(day);
                            continue;
                        }
                        let kind = Attrs(&item).opt_str("kind").unwrap_or("item").to_owned();
                        let sk = item.get("xpSk").cloned().unwrap_or_else(|| n(0));
                        let keys: Item = item
                            .into_iter()
                            .filter(|(k, _)| k == "PK" || k == "SK")
                            .collect();
                        found.push(Found {
                            keys,
                            kind,
                            pk: pk.clone(),
                            sk,
                            day,
                        });
                    }
                    start = out.last_evaluated_key.filter(|k| !k.is_empty());
                    if start.is_none() {
                        break;
                    }
                }
            }
            read_whole = Some(day);
        }
        let mut failed_days = held_days;
        if moves(class) {
            self.remove_if_unmoved(&found, &mut swept, &mut failed_days)
                .await;
        } else {
            self.remove_batch(&found, &mut swept, &mut failed_days)
                .await;
        }
        // Done through the last day read whole before the first with a failure.
        let done_day = match (read_whole, failed_days.first()) {
            (Some(day), Some(failed)) => Some(day.min(failed - 1)),
            (day, None) => day,
            (None, Some(_)) => None,
        };
        swept.through = done_day
            .map(|day| ((day + 1) * QUARTERS_PER_DAY - 1).min(last))
            .filter(|q| *q >= first);
        Ok(swept)
    }
}
