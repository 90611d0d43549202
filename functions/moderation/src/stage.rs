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

use std::ops::Deref;

use serde::Deserialize;
use serde_json::Value;
use sideline_app::enforce::{record_violation, EnforceError, Violation};
use sideline_app::fanout::Broadcaster;
use sideline_app::standing::TenantSettings;
use sideline_domain::config::Limits;
use sideline_domain::connection::Member;
use sideline_domain::events::{BusEvent, EventData};
use sideline_domain::identity::Role;
use sideline_domain::ids::TenantId;
use sideline_domain::message::{MessageId, StoredMessage, Visibility};
use sideline_domain::moderation::{
    fingerprint, reputation, violation_window_start, Decision, DecisionKind, Priority,
    RecentMessage, ReviewItem, ReviewStatus, Stage,
};
use sideline_domain::tenant::Privilege;
use sideline_inline::policy::Policies;
use sideline_inline::{Action, AuthorStanding};
use sideline_ports::{
    Clock, Counters, DecisionError, DecisionLog, MessageError, MessageStore, Ports, RecentError,
    RecentMessages, ReviewError, ReviewQueue, RoomError, RoomStore, SeenError, SeenEvents,
};
use sideline_protocol::{MessageView, ServerFrame};

use crate::classifier::{Classifier, ClassifierError};

/// Recent messages remembered per user.
const RECENT_KEEP: usize = 20;
/// A text repeated this many times within [`FLOOD_WINDOW_MS`] is a flood.
const FLOOD_REPEATS: usize = 3;
const FLOOD_WINDOW_MS: i64 = 10 * 60 * 1000;
/// Name of this consumer in the dedupe table.
const CONSUMER: &str = "moderation";

/// Everything the stage needs, built once per cold start. Derefs to its ports.
pub struct StageDeps<P, X> {
    pub ports: P,
    pub limits: Limits,
    pub policies: Policies,
    /// The external classifier, when one is configured.
    pub classifier: Option<X>,
    /// How long a repeated `eventId` is dropped.
    pub idempotency_window_s: i64,
    /// Tenants' settings documents (tier privileges), re-read within a minute.
    pub settings: TenantSettings,
}

impl<P, X> Deref for StageDeps<P, X> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.ports
    }
}

impl<P, X> StageDeps<P, X> {
    /// The stage over these parts.
    pub fn stage(&self) -> StageRef<'_, P, X> {
        StageRef {
            ports: &self.ports,
            limits: &self.limits,
            policies: &self.policies,
            classifier: self.classifier.as_ref(),
            idempotency_window_s: self.idempotency_window_s,
            settings: Some(&self.settings),
        }
    }
}

/// The stage's parts, borrowed (so devstack can lend the ones `ws-message` uses).
pub struct StageRef<'a, P, X> {
    pub ports: &'a P,
    pub limits: &'a Limits,
    pub policies: &'a Policies,
    pub classifier: Option<&'a X>,
    pub idempotency_window_s: i64,
    /// Tenants' settings (tier privileges); `None`: the defaults' privileges of
    /// no tier for everyone.
    pub settings: Option<&'a TenantSettings>,
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

/// Why an event was not handled. `BadEvent` cannot be fixed by a retry; every
/// other variant is a port failing, worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("event: {0}")]
    BadEvent(String),
    #[error("messages")]
    Message(#[from] MessageError),
    #[error("rooms")]
    Room(#[from] RoomError),
    #[error("counters")]
    Counter(#[from] sideline_ports::CounterError),
    #[error("decision record")]
    Decision(#[from] DecisionError),
    #[error("review queue")]
    Review(#[from] ReviewError),
    #[error("recent messages")]
    Recent(#[from] RecentError),
    #[error("seen events")]
    Seen(#[from] SeenError),
    #[error("enforcement")]
    Enforce(#[from] EnforceError),
    #[error("tenant settings")]
    Settings(#[from] sideline_ports::ConfigStoreError),
}

/// Handles one EventBridge event (`detail-type` and `detail` as EventBridge
/// delivers them).
pub async fn handle_event<P: Ports, X: Classifier>(
    event: &Value,
    deps: &StageRef<'_, P, X>,
) -> Result<Outcome, StageError> {
    let detail_type = event
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(
        detail_type,
        "community.message.sent" | "community.message.edited" | "community.message.reported"
    ) {
        return Ok(Outcome::Skipped);
    }
    let bad = |e: &dyn std::fmt::Display| StageError::BadEvent(e.to_string());
    let event = BusEvent::deserialize(event).map_err(|e| bad(&e))?;
    let detail = &event.detail;
    let (message_id, reported): (MessageId, bool) =
        match detail.typed_data().map_err(|e| bad(&e))? {
            EventData::MessageSent(sent) => (sent.message_id, false),
            EventData::MessageEdited(edited) => (edited.message_id, false),
            EventData::MessageReported(report) => (report.message_id, true),
            _ => return Ok(Outcome::Skipped),
        };
    let tenant = TenantId::parse(&detail.tenant_id).map_err(|e| bad(&e))?;
    let room = detail
        .room_id
        .as_deref()
        .ok_or_else(|| StageError::BadEvent("missing `roomId`".into()))
        .and_then(|raw| sideline_domain::ids::RoomId::parse(raw).map_err(|e| bad(&e)))?;
    let event_id = detail.event_id.as_str();
    let now_ms = deps.ports.clock().now_ms();
    let store = deps.ports.store();
    let Some(message) = store.message(&tenant, &room, &message_id).await? else {
        return Ok(Outcome::Skipped);
    };
    if message.visibility == Visibility::Removed || message.author.role >= Role::Moderator {
        return Ok(Outcome::Skipped);
    }
    // Recorded as seen only once handled: a failed attempt is retried, not dropped.
    if store
        .seen(&tenant, CONSUMER, event_id, now_ms / 1000)
        .await?
    {
        return Ok(Outcome::Duplicate);
    }
    // A decided review item means a moderator (or this stage) already judged the
    // message: that decision stands.
    let review = store.review_item(&tenant, &message_id).await?;
    if review
        .as_ref()
        .is_some_and(|r| r.status != ReviewStatus::Pending)
    {
        mark_seen(deps, &tenant, event_id, now_ms).await?;
        return Ok(Outcome::Kept);
    }
    let correlation = Some(detail.correlation_id.clone());
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

async fn mark_seen<P: Ports, X>(
    deps: &StageRef<'_, P, X>,
    tenant: &TenantId,
    event_id: &str,
    now_ms: i64,
) -> Result<(), StageError> {
    deps.ports
        .store()
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

struct Judge<'a, P, X> {
    deps: &'a StageRef<'a, P, X>,
    tenant: &'a TenantId,
    message: &'a StoredMessage,
    /// The message's pending review item, if it is queued.
    review: Option<&'a ReviewItem>,
    now_ms: i64,
    correlation: Option<String>,
}

impl<P: Ports, X: Classifier> Judge<'_, P, X> {
    async fn run(&self, reported: bool) -> Result<Outcome, StageError> {
        let deps = self.deps;
        let m = self.message;
        let store = deps.ports.store();
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

        // The author's tier as it was when they sent the message, and what the
        // tenant's settings let that tier do now.
        let (privileges, section) = match deps.settings {
            Some(settings) => {
                let current = settings
                    .current(deps.ports.store(), self.tenant, self.now_ms)
                    .await?;
                (
                    current.config.privileges.of(m.author.tier).clone(),
                    current.config.moderation.clone(),
                )
            }
            None => (Privilege::default(), None),
        };
        let standing = AuthorStanding {
            role: m.author.role,
            reputation: reputation(m.author.tier, violations),
            trusted_links: privileges.links_without_review,
        };
        let moderator = deps.policies.with_document(self.tenant, section.as_ref());
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
        let (store, m) = (self.deps.ports.store(), self.message);
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
            Err(MessageError::VisibilityChanged { .. }) => return Ok(Outcome::Kept),
            Err(err) => return Err(err.into()),
        }
        let mut d = self.decision(DecisionKind::MessageRemoved);
        d.categories = categories.to_vec();
        d.scores = scores.clone();
        d.reason = Some(reason);
        store.record_decision(&d).await?;
        store
            .close_review(
                self.tenant,
                &m.id,
                ReviewStatus::Removed,
                "system",
                self.now_ms,
            )
            .await?;
        let members = store.room_members(self.tenant, &m.room).await?;
        let frame = ServerFrame::MessageRemoved {
            room: m.room.clone(),
            message_id: m.id,
        };
        self.broadcast(&members, &frame).await;
        record_violation(
            self.deps.ports,
            self.deps.limits,
            Violation {
                tenant: self.tenant,
                user: &m.author.id,
                room: Some(&m.room),
                now_ms: self.now_ms,
                correlation_id: self.correlation.as_deref(),
            },
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
        let (store, m) = (self.deps.ports.store(), self.message);
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
        let (store, m) = (self.deps.ports.store(), self.message);
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
            Err(MessageError::VisibilityChanged { .. }) => return Ok(Outcome::Kept),
            Err(err) => return Err(err.into()),
        };
        let mut d = self.decision(DecisionKind::MessageApproved);
        d.scores = scores.clone();
        d.reason = Some("confident on a second look".into());
        store.record_decision(&d).await?;
        store
            .close_review(
                self.tenant,
                &m.id,
                ReviewStatus::Approved,
                "system",
                self.now_ms,
            )
            .await?;
        let members = store.room_members(self.tenant, &m.room).await?;
        let frame = ServerFrame::Message {
            message: MessageView::from(&approved),
        };
        self.broadcast(&members, &frame).await;
        Ok(Outcome::Approved)
    }

    async fn broadcast(&self, members: &[Member], frame: &ServerFrame) {
        Broadcaster::of(self.deps.ports, self.deps.limits, self.tenant)
            .to_members(members, frame, None)
            .await;
    }
}
