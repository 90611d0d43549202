//! The asynchronous stage: the `moderation` function, fed by the EventBridge rule on
//! sent and edited messages and on reports (through an SQS queue in AWS, directly
//! by devstack). It looks again with context the inline stage does not have:
//!
//! - the author's recent violations (they lower the author's standing, so
//!   thresholds tighten);
//! - the author's recent messages across rooms: the same text three or more times
//!   in ten minutes is a flood and is removed;
//! - reports of the message;
//! - optionally an external classifier ([`crate::classifier`]), off by default.
//!
//! Then it approves a held message it is confident about, flags a doubtful one
//! into the review queue (priority, SLA deadline), or removes one: stored as
//! removed, `message_removed` to the room, and a violation towards escalation.
//! Every decision is recorded; repeats of an event (same `eventId`) are dropped.

use serde_json::Value;
use sideline_shared::config::Limits;
use sideline_shared::identity::{Role, TenantId};
use sideline_shared::message::{MessageId, StoredMessage, Visibility};
use sideline_shared::moderation::enforce::{record_violation, reputation, violation_window_start};
use sideline_shared::moderation::policy::Policies;
use sideline_shared::moderation::record::{
    Decision, DecisionKind, Priority, RecentMessage, ReviewItem, ReviewStatus, Stage,
};
use sideline_shared::moderation::{Action, AuthorStanding};
use sideline_shared::ports::{Clock, Connections, Store, StoreError};
use sideline_shared::protocol::{MessageView, ServerFrame};
use sideline_shared::room::RoomId;

use crate::classifier::{Classifier, ClassifierError};

/// Recent messages remembered per user.
const RECENT_KEEP: usize = 20;
/// A text repeated this many times within [`FLOOD_WINDOW_MS`] is a flood.
const FLOOD_REPEATS: usize = 3;
const FLOOD_WINDOW_MS: i64 = 10 * 60 * 1000;
/// Name of this consumer in the dedupe table.
const CONSUMER: &str = "moderation";

/// Everything the stage needs, built once per cold start.
pub struct StageDeps<S, C, K, X> {
    pub store: S,
    pub connections: C,
    pub clock: K,
    pub limits: Limits,
    pub policies: Policies,
    /// The external classifier, when one is configured.
    pub classifier: Option<X>,
    /// How long a repeated `eventId` is dropped.
    pub idempotency_window_s: i64,
}

impl<S, C, K, X> StageDeps<S, C, K, X> {
    /// The stage over these parts.
    pub fn stage(&self) -> StageRef<'_, S, C, K, X> {
        StageRef {
            store: &self.store,
            connections: &self.connections,
            clock: &self.clock,
            limits: &self.limits,
            policies: &self.policies,
            classifier: self.classifier.as_ref(),
            idempotency_window_s: self.idempotency_window_s,
        }
    }
}

/// The stage's parts, borrowed (so devstack can lend the ones `ws-message` uses).
pub struct StageRef<'a, S, C, K, X> {
    pub store: &'a S,
    pub connections: &'a C,
    pub clock: &'a K,
    pub limits: &'a Limits,
    pub policies: &'a Policies,
    pub classifier: Option<&'a X>,
    pub idempotency_window_s: i64,
}

/// What the stage did with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not a message event, or nothing to judge (gone, removed, by a moderator).
    Skipped,
    /// Seen before within the idempotency window.
    Duplicate,
    /// Looked at; nothing to do.
    Kept,
    Approved,
    Flagged,
    Removed,
}

/// Errors that make the event worth retrying (the store or the classifier failed).
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("event: {0}")]
    BadEvent(String),
}

fn field<'a>(detail: &'a Value, name: &str) -> Result<&'a str, StageError> {
    detail
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| StageError::BadEvent(format!("missing `{name}`")))
}

/// A hash of the text with case, spacing and punctuation removed: the same
/// message typed again matches.
pub fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let normal: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    normal.hash(&mut h);
    h.finish()
}

/// Handles one EventBridge event (`detail-type` and `detail` as EventBridge
/// delivers them).
pub async fn handle_event<S, C, K, X>(
    event: &Value,
    deps: &StageRef<'_, S, C, K, X>,
) -> Result<Outcome, StageError>
where
    S: Store,
    C: Connections,
    K: Clock,
    X: Classifier,
{
    let detail_type = event
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let reported = match detail_type {
        "community.message.sent" | "community.message.edited" => false,
        "community.message.reported" => true,
        _ => return Ok(Outcome::Skipped),
    };
    let detail = event
        .get("detail")
        .ok_or_else(|| StageError::BadEvent("no detail".into()))?;
    let tenant = TenantId::parse(field(detail, "tenantId")?)
        .map_err(|e| StageError::BadEvent(e.to_string()))?;
    let room =
        RoomId::parse(field(detail, "roomId")?).map_err(|e| StageError::BadEvent(e.to_string()))?;
    let message_id = detail
        .pointer("/data/messageId")
        .and_then(Value::as_str)
        .ok_or_else(|| StageError::BadEvent("missing data.messageId".into()))
        .and_then(|raw| MessageId::parse(raw).map_err(|e| StageError::BadEvent(e.to_string())))?;
    let event_id = field(detail, "eventId")?;
    let now_ms = deps.clock.now_ms();
    let Some(message) = deps.store.message(&tenant, &room, &message_id).await? else {
        return Ok(Outcome::Skipped);
    };
    if message.visibility == Visibility::Removed || message.author.role >= Role::Moderator {
        return Ok(Outcome::Skipped);
    }
    // Recorded as seen only once handled: a failed attempt is retried, not dropped.
    if deps
        .store
        .seen(&tenant, CONSUMER, event_id, now_ms / 1000)
        .await?
    {
        return Ok(Outcome::Duplicate);
    }
    // A decided review item means a moderator (or this stage) already judged the
    // message: that decision stands.
    let review = deps.store.review_item(&tenant, &message_id).await?;
    if review
        .as_ref()
        .is_some_and(|r| r.status != ReviewStatus::Pending)
    {
        mark_seen(deps, &tenant, event_id, now_ms).await?;
        return Ok(Outcome::Kept);
    }
    let correlation = detail
        .get("correlationId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let outcome = Judge {
        deps,
        tenant: &tenant,
        message: &message,
        review: review.as_ref(),
        now_ms,
        correlation,
    }
    .run(reported)
    .await?;
    mark_seen(deps, &tenant, event_id, now_ms).await?;
    Ok(outcome)
}

async fn mark_seen<S: Store, C, K, X>(
    deps: &StageRef<'_, S, C, K, X>,
    tenant: &TenantId,
    event_id: &str,
    now_ms: i64,
) -> Result<(), StageError> {
    deps.store
        .first_sighting(
            tenant,
            CONSUMER,
            event_id,
            now_ms / 1000,
            deps.idempotency_window_s,
        )
        .await?;
    Ok(())
}

struct Judge<'a, S, C, K, X> {
    deps: &'a StageRef<'a, S, C, K, X>,
    tenant: &'a TenantId,
    message: &'a StoredMessage,
    /// The message's pending review item, if it is queued.
    review: Option<&'a ReviewItem>,
    now_ms: i64,
    correlation: Option<String>,
}

impl<S, C, K, X> Judge<'_, S, C, K, X>
where
    S: Store,
    C: Connections,
    K: Clock,
    X: Classifier,
{
    async fn run(&self, reported: bool) -> Result<Outcome, StageError> {
        let deps = self.deps;
        let m = self.message;
        let store = deps.store;
        let violations = store
            .violations(
                self.tenant,
                &m.author.id,
                violation_window_start(deps.limits, self.now_ms),
            )
            .await?;
        let recent = if reported {
            Vec::new()
        } else {
            store
                .remember_message(
                    self.tenant,
                    &m.author.id,
                    &RecentMessage {
                        room: m.room.clone(),
                        message: m.id,
                        fingerprint: fingerprint(m.text.as_str()),
                        at_ms: m.created_at_ms,
                    },
                    RECENT_KEEP,
                )
                .await?
        };
        let print = fingerprint(m.text.as_str());
        let repeats = recent
            .iter()
            .filter(|r| r.fingerprint == print && m.created_at_ms - r.at_ms <= FLOOD_WINDOW_MS)
            .count();

        let standing = AuthorStanding {
            role: m.author.role,
            reputation: reputation(violations),
        };
        let moderator = deps.policies.for_tenant(self.tenant);
        let mut verdict = moderator.moderate(m.text.as_str(), &standing);
        let mut external_flagged = false;
        if let Some(classifier) = deps.classifier {
            match classifier.classify(m.text.as_str()).await {
                Ok(result) => {
                    external_flagged = result.flagged;
                    for (name, score) in result.scores {
                        verdict.scores.insert(format!("external.{name}"), score);
                    }
                    verdict.categories.extend(
                        result
                            .categories
                            .into_iter()
                            .map(|c| format!("external.{c}")),
                    );
                }
                // The classifier is an extra opinion: without it, judge without it.
                Err(ClassifierError(reason)) => {
                    tracing::warn!(reason = %reason, "external classifier failed; judging without it")
                }
            }
        }
        let external_max = verdict
            .scores
            .iter()
            .filter(|(k, _)| k.starts_with("external."))
            .map(|(_, v)| *v)
            .fold(0.0f32, f32::max);
        let risk = verdict.scores.values().copied().fold(0.0f32, f32::max);

        let flood = repeats >= FLOOD_REPEATS;
        if flood {
            verdict.categories.push("flood".into());
        }
        let config = &moderator.config;
        // A held message is already out of sight and counted as a violation: a
        // second look may approve it, never remove it (a moderator decides).
        let visible = m.visibility != Visibility::Held;
        if visible
            && (flood
                || verdict.action == Action::Block
                || (external_flagged && external_max >= config.toxicity_threshold))
        {
            let reason = if flood {
                format!("the same message {repeats} times in 10 min")
            } else {
                verdict
                    .reason
                    .clone()
                    .unwrap_or_else(|| "abusive on a second look".into())
            };
            return self
                .remove(&verdict.categories, &verdict.scores, reason)
                .await;
        }
        let doubtful =
            matches!(verdict.action, Action::Hold | Action::Shadow) || external_flagged || reported;
        if doubtful {
            return self
                .flag(&verdict.categories, &verdict.scores, risk, reported)
                .await;
        }
        // Never approve what users reported: their reports wait for a moderator.
        let reported_before = self.review.is_some_and(|r| r.reports > 0);
        if m.visibility == Visibility::Held
            && !reported_before
            && 1.0 - risk >= config.auto_approve_confidence
        {
            return self.approve(&verdict.scores).await;
        }
        Ok(Outcome::Kept)
    }

    fn decision(&self, kind: DecisionKind) -> Decision {
        let mut d = Decision::automatic(self.tenant, kind, Stage::Async, self.now_ms);
        d.room = Some(self.message.room.clone());
        d.subject = Some(self.message.author.id.clone());
        d.message = Some(self.message.id);
        d.correlation_id = self.correlation.clone();
        d
    }

    async fn remove(
        &self,
        categories: &[String],
        scores: &std::collections::BTreeMap<String, f32>,
        reason: String,
    ) -> Result<Outcome, StageError> {
        let (store, m) = (self.deps.store, self.message);
        match store
            .set_visibility(
                self.tenant,
                &m.room,
                &m.id,
                m.visibility,
                Visibility::Removed,
            )
            .await
        {
            Ok(_) => {}
            // A moderator decided meanwhile: theirs stands.
            Err(StoreError::Conflict(_)) => return Ok(Outcome::Kept),
            Err(err) => return Err(err.into()),
        }
        let mut d = self.decision(DecisionKind::MessageRemoved);
        d.categories = categories.to_vec();
        d.scores = scores.clone();
        d.reason = Some(reason);
        store.record_decision(&d).await?;
        store
            .close_review(self.tenant, &m.id, ReviewStatus::Removed, "system")
            .await?;
        let members = store.room_members(self.tenant, &m.room).await?;
        let frame = ServerFrame::MessageRemoved {
            room: m.room.clone(),
            message_id: m.id,
        };
        self.broadcast(&members, &frame).await;
        record_violation(
            store,
            self.deps.connections,
            self.deps.limits,
            self.tenant,
            &m.author.id,
            Some(&m.room),
            self.now_ms,
            self.correlation.as_deref(),
        )
        .await?;
        tracing::info!(message_id = %m.id, "message removed by the asynchronous stage");
        Ok(Outcome::Removed)
    }

    async fn flag(
        &self,
        categories: &[String],
        scores: &std::collections::BTreeMap<String, f32>,
        risk: f32,
        reported: bool,
    ) -> Result<Outcome, StageError> {
        let (store, m) = (self.deps.store, self.message);
        if m.visibility == Visibility::Held && !reported {
            // Already in the queue since the inline stage held it.
            return Ok(Outcome::Kept);
        }
        let priority = if risk >= 0.7 || reported {
            Priority::High
        } else {
            Priority::Normal
        };
        let reason = if reported {
            "reported; looked at again".to_owned()
        } else {
            "doubtful on a second look".to_owned()
        };
        // Refresh a queued item rather than reset it: its reports, its place in the
        // queue and its deadline stay.
        let item = match self.review {
            Some(queued) => queued.refreshed(priority, categories),
            None => ReviewItem {
                tenant: self.tenant.clone(),
                room: m.room.clone(),
                message_id: m.id,
                author_id: m.author.id.clone(),
                text: m.text.as_str().to_owned(),
                status: ReviewStatus::Pending,
                priority,
                reason: reason.clone(),
                categories: categories.to_vec(),
                reports: 0,
                due_at_ms: self.now_ms + self.deps.limits.review_sla.as_millis() as i64,
                created_at_ms: self.now_ms,
                decided_by: None,
            },
        };
        store.put_review(&item).await?;
        let mut d = self.decision(DecisionKind::MessageFlagged);
        d.categories = categories.to_vec();
        d.scores = scores.clone();
        d.reason = Some(format!("{reason} (priority {})", priority.as_str()));
        store.record_decision(&d).await?;
        Ok(Outcome::Flagged)
    }

    async fn approve(
        &self,
        scores: &std::collections::BTreeMap<String, f32>,
    ) -> Result<Outcome, StageError> {
        let (store, m) = (self.deps.store, self.message);
        let approved = match store
            .set_visibility(
                self.tenant,
                &m.room,
                &m.id,
                Visibility::Held,
                Visibility::Public,
            )
            .await
        {
            Ok(approved) => approved,
            Err(StoreError::Conflict(_)) => return Ok(Outcome::Kept),
            Err(err) => return Err(err.into()),
        };
        let mut d = self.decision(DecisionKind::MessageApproved);
        d.scores = scores.clone();
        d.reason = Some("confident on a second look".into());
        store.record_decision(&d).await?;
        store
            .close_review(self.tenant, &m.id, ReviewStatus::Approved, "system")
            .await?;
        let members = store.room_members(self.tenant, &m.room).await?;
        let frame = ServerFrame::Message {
            message: MessageView::from(&approved),
        };
        self.broadcast(&members, &frame).await;
        Ok(Outcome::Approved)
    }

    async fn broadcast(&self, members: &[sideline_shared::ports::Member], frame: &ServerFrame) {
        let broadcaster = sideline_shared::fanout::Broadcaster {
            store: self.deps.store,
            connections: self.deps.connections,
            limits: self.deps.limits,
            tenant: self.tenant,
        };
        broadcaster.to_members(members, frame, None).await;
    }
}
