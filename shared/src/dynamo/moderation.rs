//! [`ModerationStore`] on the community table.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | user profile | `T#{tenant}#U#{userId}` | `PROFILE` |
//! | user's connection | `T#{tenant}#U#{userId}` | `CONN#{connectionId}` |
//! | sanction | `T#{tenant}#U#{userId}` | `SANCTION#{kind}#TENANT` or `SANCTION#{kind}#R#{room}` |
//! | violation counter | `T#{tenant}#U#{userId}` | `VIOL#{windowStart}` |
//! | recent messages | `T#{tenant}#U#{userId}` | `RECENT` |
//! | decision (audit) | `T#{tenant}#MODLOG` | `D#{decisionId}` |
//! | review item | `T#{tenant}#REVIEW` | `ITEM#{messageId}` |
//! | report | `T#{tenant}#R#{room}` | `REPORT#{messageId}#{userId}` |
//! | slow-mode slot | `T#{tenant}#R#{room}` | `SLOW#{userId}` |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};

use super::{
    is_conditional_failure, is_put_conditional_failure, key, n, room_pk, s, string_list,
    unavailable, Attrs, DynamoStore, Item,
};
use crate::identity::{TenantId, UserId};
use crate::message::MessageId;
use crate::moderation::record::{
    Decision, Priority, RecentMessage, Report, ReportOutcome, ReviewFilter, ReviewItem, ReviewPage,
    ReviewStatus, Sanction, SanctionKind, Scope, UserProfile,
};
use crate::ports::{
    ConnectionId, ConnectionRecord, ModerationStore, StoreError, UserStanding,
    REVIEW_DECIDED_TTL_SECS,
};
use crate::room::RoomId;

/// Slack after a sanction ends before DynamoDB's TTL may delete it.
const SANCTION_TTL_GRACE_S: i64 = 24 * 3600;

pub(super) fn user_pk(tenant: &TenantId, user: &UserId) -> String {
    format!("T#{tenant}#U#{user}")
}

fn review_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#REVIEW")
}

fn scope_sk(kind: SanctionKind, scope: &Scope) -> String {
    match scope {
        Scope::Tenant => format!("SANCTION#{}#TENANT", kind.as_str()),
        Scope::Room(room) => format!("SANCTION#{}#R#{room}", kind.as_str()),
    }
}

fn corrupt(e: impl ToString) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn build_err(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

/// The profile and the user's connection entry written with each connection.
pub(super) fn user_items(r: &ConnectionRecord) -> [Item; 2] {
    let pk = user_pk(&r.tenant, &r.user);
    let mut profile = key(pk.clone(), "PROFILE");
    profile.insert("kind".into(), s("user"));
    profile.insert("userId".into(), s(r.user.as_str()));
    profile.insert("name".into(), s(&r.name));
    profile.insert("role".into(), s(r.role.as_str()));
    profile.insert("lastSeen".into(), n(r.connected_at_ms));
    let mut conn = key(pk, format!("CONN#{}", r.connection_id));
    conn.insert("kind".into(), s("user_connection"));
    conn.insert("connectionId".into(), s(r.connection_id.as_str()));
    conn.insert("ttl".into(), n(r.expires_at_s));
    [profile, conn]
}

fn sanction_item(tenant: &TenantId, x: &Sanction) -> Item {
    let mut item = key(user_pk(tenant, &x.user), scope_sk(x.kind, &x.scope));
    item.insert("kind".into(), s("sanction"));
    item.insert("tenant".into(), s(tenant.as_str()));
    item.insert("userId".into(), s(x.user.as_str()));
    item.insert("sanction".into(), s(x.kind.as_str()));
    if let Some(room) = x.scope.room() {
        item.insert("room".into(), s(room.as_str()));
    }
    if let Some(until) = x.until_ms {
        item.insert("until".into(), n(until));
        item.insert("ttl".into(), n(until / 1000 + SANCTION_TTL_GRACE_S));
    }
    if let Some(reason) = &x.reason {
        item.insert("reason".into(), s(reason));
    }
    item.insert("by".into(), s(&x.by));
    if let Some(role) = x.by_role {
        item.insert("byRole".into(), s(role.as_str()));
    }
    item.insert("createdAt".into(), n(x.at_ms));
    item
}

fn sanction_from(item: &Item) -> Result<Sanction, StoreError> {
    let a = Attrs(item);
    let raw = a.str("sanction")?;
    Ok(Sanction {
        user: a.user("userId")?,
        kind: SanctionKind::parse(raw).ok_or_else(|| corrupt(format!("bad sanction `{raw}`")))?,
        scope: match a.opt_str("room") {
            Some(room) => Scope::Room(RoomId::parse(room).map_err(corrupt)?),
            None => Scope::Tenant,
        },
        until_ms: item.get("until").map(|_| a.num("until")).transpose()?,
        reason: a.opt_str("reason").map(str::to_owned),
        by: a.str("by")?.to_owned(),
        by_role: item.get("byRole").map(|_| a.role("byRole")).transpose()?,
        at_ms: a.num("createdAt")?,
    })
}

/// The item a decision is recorded as; the stream turns it into a
/// `community.moderation.*` event.
pub fn decision_item(d: &Decision) -> Item {
    let mut item = key(format!("T#{}#MODLOG", d.tenant), format!("D#{}", d.id));
    item.insert("kind".into(), s("moderation"));
    item.insert("tenant".into(), s(d.tenant.as_str()));
    item.insert("decisionId".into(), s(d.id.to_string()));
    item.insert("decision".into(), s(d.kind.as_str()));
    item.insert("stage".into(), s(d.stage.as_str()));
    if let Some(actor) = &d.actor {
        item.insert("actorId".into(), s(actor.as_str()));
    }
    item.insert("actorRole".into(), s(&d.actor_role));
    if let Some(room) = &d.room {
        item.insert("room".into(), s(room.as_str()));
    }
    if let Some(subject) = &d.subject {
        item.insert("subjectId".into(), s(subject.as_str()));
    }
    if let Some(message) = &d.message {
        item.insert("messageId".into(), s(message.to_string()));
    }
    if let Some(reason) = &d.reason {
        item.insert("reason".into(), s(reason));
    }
    item.insert("categories".into(), string_list(&d.categories));
    item.insert(
        "scores".into(),
        AttributeValue::M(
            d.scores
                .iter()
                .map(|(k, v)| (k.clone(), n(format!("{v:.3}"))))
                .collect(),
        ),
    );
    item.insert("ruleVersion".into(), s(&d.rule_version));
    item.insert("enforced".into(), AttributeValue::Bool(d.enforced));
    if let Some(duration) = d.duration_s {
        item.insert("durationS".into(), n(duration));
    }
    item.insert("createdAt".into(), n(d.at_ms));
    if let Some(correlation) = &d.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

/// The item a report is stored as; the stream turns it into
/// `community.message.reported`.
pub fn report_item(r: &Report) -> Item {
    let mut item = key(
        room_pk(&r.tenant, &r.room),
        format!("REPORT#{}#{}", r.message, r.reporter),
    );
    item.insert("kind".into(), s("report"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("room".into(), s(r.room.as_str()));
    item.insert("messageId".into(), s(r.message.to_string()));
    item.insert("authorId".into(), s(r.author.as_str()));
    item.insert("userId".into(), s(r.reporter.as_str()));
    item.insert("role".into(), s(r.reporter_role.as_str()));
    item.insert("reason".into(), s(&r.reason));
    item.insert("createdAt".into(), n(r.at_ms));
    if let Some(correlation) = &r.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

fn review_item(r: &ReviewItem) -> Item {
    let mut item = key(review_pk(&r.tenant), format!("ITEM#{}", r.message_id));
    item.insert("kind".into(), s("review"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("room".into(), s(r.room.as_str()));
    item.insert("messageId".into(), s(r.message_id.to_string()));
    item.insert("authorId".into(), s(r.author_id.as_str()));
    item.insert("text".into(), s(&r.text));
    item.insert("status".into(), s(r.status.as_str()));
    item.insert("priority".into(), s(r.priority.as_str()));
    item.insert("reason".into(), s(&r.reason));
    item.insert("categories".into(), string_list(&r.categories));
    item.insert("reports".into(), n(r.reports));
    item.insert("dueAt".into(), n(r.due_at_ms));
    item.insert("createdAt".into(), n(r.created_at_ms));
    if let Some(by) = &r.decided_by {
        item.insert("decidedBy".into(), s(by));
    }
    item
}

fn review_from(item: &Item) -> Result<ReviewItem, StoreError> {
    let a = Attrs(item);
    let status = a.str("status")?;
    let priority = a.str("priority")?;
    Ok(ReviewItem {
        tenant: TenantId::parse(a.str("tenant")?).map_err(corrupt)?,
        room: a.room("room")?,
        message_id: a.message_id("messageId")?,
        author_id: a.user("authorId")?,
        text: a.str("text")?.to_owned(),
        status: ReviewStatus::parse(status)
            .ok_or_else(|| corrupt(format!("bad status `{status}`")))?,
        priority: Priority::parse(priority)
            .ok_or_else(|| corrupt(format!("bad priority `{priority}`")))?,
        reason: a.str("reason")?.to_owned(),
        categories: a.strings("categories"),
        reports: a.opt_count("reports")?,
        due_at_ms: a.num("dueAt")?,
        created_at_ms: a.num("createdAt")?,
        decided_by: a.opt_str("decidedBy").map(str::to_owned),
    })
}

fn recent_from(v: &AttributeValue) -> Result<RecentMessage, StoreError> {
    let map = v.as_m().map_err(|_| corrupt("recent entry is not a map"))?;
    let a = Attrs(map);
    Ok(RecentMessage {
        room: a.room("room")?,
        message: a.message_id("messageId")?,
        fingerprint: a
            .str("fp")?
            .parse()
            .map_err(|_| corrupt("bad fingerprint"))?,
        at_ms: a.num("at")?,
    })
}

fn recent_value(r: &RecentMessage) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("room".to_owned(), s(r.room.as_str())),
        ("messageId".to_owned(), s(r.message.to_string())),
        ("fp".to_owned(), s(r.fingerprint.to_string())),
        ("at".to_owned(), n(r.at_ms)),
    ]))
}

impl DynamoStore {
    async fn put(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn query_prefix(&self, pk: String, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_sk(pk, "begins_with(SK, :a)", s(prefix), None)
            .await
    }

    /// Every item of partition `pk` whose sort key meets `condition` (on `:a`, and
    /// on `:b` when given), all pages.
    async fn query_sk(
        &self,
        pk: String,
        condition: &str,
        a: AttributeValue,
        b: Option<AttributeValue>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("PK = :pk AND {condition}"))
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":a", a.clone());
            if let Some(b) = &b {
                query = query.expression_attribute_values(":b", b.clone());
            }
            let out = query
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

impl ModerationStore for DynamoStore {
    async fn put_sanction(&self, tenant: &TenantId, sanction: &Sanction) -> Result<(), StoreError> {
        self.put(sanction_item(tenant, sanction)).await
    }

    async fn lift_sanction(
        &self,
        tenant: &TenantId,
        user: &UserId,
        kind: SanctionKind,
        scope: &Scope,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(tenant, user), scope_sk(kind, scope))))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn sanctions(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
    ) -> Result<Vec<Sanction>, StoreError> {
        let items = self
            .query_prefix(user_pk(tenant, user), "SANCTION#")
            .await?;
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let sanction = sanction_from(item)?;
            if sanction.in_force(now_ms) {
                out.push(sanction);
            }
        }
        Ok(out)
    }

    /// One query over the user's partition from `SANCTION#` to this window's
    /// `VIOL#` item (older windows' counters in between are skipped; they expire).
    async fn standing(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
        window_start_ms: i64,
    ) -> Result<UserStanding, StoreError> {
        let window_sk = format!("VIOL#{window_start_ms}");
        let items = self
            .query_sk(
                user_pk(tenant, user),
                "SK BETWEEN :a AND :b",
                s("SANCTION#"),
                Some(s(&window_sk)),
            )
            .await?;
        let mut standing = UserStanding::default();
        for item in &items {
            let attrs = Attrs(item);
            let sk = attrs.str("SK")?;
            if sk.starts_with("SANCTION#") {
                let sanction = sanction_from(item)?;
                if sanction.in_force(now_ms) {
                    standing.sanctions.push(sanction);
                }
            } else if sk == window_sk {
                standing.violations = attrs.opt_count("violations")?;
            }
        }
        Ok(standing)
    }

    async fn record_decision(&self, decision: &Decision) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(decision_item(decision)))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_put_conditional_failure(&err) => Err(StoreError::Conflict(format!(
                "decision {} is already recorded",
                decision.id
            ))),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn count_violation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> Result<u32, StoreError> {
        self.add_one(
            key(user_pk(tenant, user), format!("VIOL#{window_start_ms}")),
            "violations",
            "violations",
            expires_at_s,
        )
        .await
    }

    async fn violations(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
    ) -> Result<u32, StoreError> {
        let item = self
            .get(key(
                user_pk(tenant, user),
                format!("VIOL#{window_start_ms}"),
            ))
            .await?;
        item.map_or(Ok(0), |item| Attrs(&item).opt_count("violations"))
    }

    async fn claim_slow_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        now_ms: i64,
        gap_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let slot = key(room_pk(tenant, room), format!("SLOW#{user}"));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(slot.clone()))
            .update_expression("SET nextAt = :next, #ttl = :ttl, kind = :kind")
            .condition_expression("attribute_not_exists(nextAt) OR nextAt <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":next", n(now_ms + gap_ms))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":ttl", n((now_ms + gap_ms) / 1000 + 60))
            .expression_attribute_values(":kind", s("slow"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(err) if is_conditional_failure(&err) => {
                let next = match self.get(slot).await? {
                    Some(item) => Attrs(&item).num("nextAt")?,
                    None => now_ms,
                };
                Ok(Some((next - now_ms).max(1)))
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn set_slow_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seconds: u32,
    ) -> Result<(), StoreError> {
        self.set_room_setting(tenant, room, "slowModeS", n(seconds))
            .await
    }

    async fn report(&self, report: &Report) -> Result<ReportOutcome, StoreError> {
        let message_key = key(
            room_pk(&report.tenant, &report.room),
            format!("MSG#{}", report.message),
        );
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(report_item(report)))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(build_err)?;
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(message_key.clone()))
            .update_expression("ADD reports :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(build_err)?;
        let (new, message) = self
            .marker_and_message_update(
                TransactWriteItem::builder().put(put).build(),
                count,
                message_key,
            )
            .await?;
        let reports = Attrs(&message).opt_count("reports")?;
        Ok(ReportOutcome { reports, new })
    }

    async fn put_review(&self, item: &ReviewItem) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(review_item(item)))
            .condition_expression("attribute_not_exists(PK) OR #status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s(ReviewStatus::Pending.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Already decided: the decision stands.
            Err(err) if is_put_conditional_failure(&err) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn close_review(
        &self,
        tenant: &TenantId,
        message: &MessageId,
        status: ReviewStatus,
        by: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(review_pk(tenant), format!("ITEM#{message}"))))
            .update_expression("SET #status = :status, decidedBy = :by, #ttl = :ttl")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(
                ":ttl",
                n(std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or_default()
                    + REVIEW_DECIDED_TTL_SECS),
            )
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":pending", s(ReviewStatus::Pending.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_conditional_failure(&err) => Ok(false),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn review_item(
        &self,
        tenant: &TenantId,
        message: &MessageId,
    ) -> Result<Option<ReviewItem>, StoreError> {
        self.get(key(review_pk(tenant), format!("ITEM#{message}")))
            .await?
            .as_ref()
            .map(review_from)
            .transpose()
    }

    async fn review_queue(
        &self,
        tenant: &TenantId,
        filter: &ReviewFilter,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<ReviewPage, StoreError> {
        let mut conditions = Vec::new();
        let mut values: HashMap<String, AttributeValue> =
            HashMap::from([(":pk".to_owned(), s(review_pk(tenant)))]);
        let mut names = HashMap::new();
        if let Some(room) = &filter.room {
            conditions.push("room = :room");
            values.insert(":room".into(), s(room.as_str()));
        }
        if let Some(status) = filter.status {
            conditions.push("#status = :status");
            names.insert("#status".to_owned(), "status".to_owned());
            values.insert(":status".into(), s(status.as_str()));
        }
        if let Some(priority) = filter.priority {
            conditions.push("priority = :priority");
            values.insert(":priority".into(), s(priority.as_str()));
        }
        let key_condition = match after {
            Some(after) => {
                values.insert(":after".into(), s(format!("ITEM#{after}")));
                values.insert(":end".into(), s("ITEM$"));
                "PK = :pk AND SK BETWEEN :after AND :end"
            }
            None => {
                values.insert(":prefix".into(), s("ITEM#"));
                "PK = :pk AND begins_with(SK, :prefix)"
            }
        };
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition)
                .set_filter_expression((!conditions.is_empty()).then(|| conditions.join(" AND ")))
                .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                let review = review_from(&item)?;
                if Some(&review.message_id) != after {
                    items.push(review);
                }
            }
            start = out.last_evaluated_key;
            if items.len() > limit || start.is_none() {
                break;
            }
        }
        Ok(ReviewPage::from_overfetch(items, limit))
    }

    async fn user_profile(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<UserProfile>, StoreError> {
        let Some(item) = self.get(key(user_pk(tenant, user), "PROFILE")).await? else {
            return Ok(None);
        };
        let a = Attrs(&item);
        Ok(Some(UserProfile {
            user: a.user("userId")?,
            name: a.str("name")?.to_owned(),
            role: a.role("role")?,
            last_seen_ms: a.num("lastSeen")?,
        }))
    }

    async fn user_connections(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<ConnectionId>, StoreError> {
        self.query_prefix(user_pk(tenant, user), "CONN#")
            .await?
            .iter()
            .map(|item| Attrs(item).connection_id("connectionId"))
            .collect()
    }

    async fn remember_message(
        &self,
        tenant: &TenantId,
        user: &UserId,
        message: &RecentMessage,
        keep: usize,
    ) -> Result<Vec<RecentMessage>, StoreError> {
        let slot = key(user_pk(tenant, user), "RECENT");
        // Optimistic: read, add, write back if nobody wrote meanwhile; a few tries.
        for _ in 0..4 {
            let current = self.get(slot.clone()).await?;
            let (mut recent, version) = match &current {
                Some(item) => {
                    let list = match item.get("entries") {
                        Some(AttributeValue::L(list)) => list
                            .iter()
                            .map(recent_from)
                            .collect::<Result<Vec<_>, _>>()?,
                        _ => Vec::new(),
                    };
                    (list, Some(Attrs(item).num("version")?))
                }
                None => (Vec::new(), None),
            };
            if !recent.iter().any(|r| r.message == message.message) {
                recent.insert(0, message.clone());
            }
            recent.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
            recent.truncate(keep);
            let mut item = slot.clone();
            item.insert("kind".into(), s("recent"));
            item.insert(
                "entries".into(),
                AttributeValue::L(recent.iter().map(recent_value).collect()),
            );
            item.insert("version".into(), n(version.unwrap_or(0) + 1));
            item.insert("ttl".into(), n(message.at_ms / 1000 + 7 * 86_400));
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item));
            put = match version {
                Some(v) => put
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", n(v)),
                None => put.condition_expression("attribute_not_exists(PK)"),
            };
            match put.send().await {
                Ok(_) => return Ok(recent),
                Err(err) if is_put_conditional_failure(&err) => {}
                Err(err) => return Err(unavailable(err)),
            }
        }
        Err(StoreError::Conflict(
            "recent messages kept changing; try again".into(),
        ))
    }
}
