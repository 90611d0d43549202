//! Engagement scoring, the rule-targeted consumer: each event that scores becomes
//! an [`Activity`] (reading the messages it is about for their authors), its
//! contributions are written once per `eventId` with the tenant's current
//! settings, and users whose tier moved get a `tier` frame (the change itself is a
//! record the outbox turns into `community.user.tier_changed`).
//!
//! | event | activity |
//! |---|---|
//! | `community.message.sent` (public) | a thread start, or a reply crediting the parent's author |
//! | `community.reaction.added` / `removed` | a reaction crediting the author / taken back at its own time |
//! | `community.moderation.*` by a moderator | the moderator's decision |
//! | `community.moderation.message_approved` | the held message scores as sent |
//! | `community.moderation.message_removed` | its points reversed, and the removal penalty |
//! | `community.moderation.message_rejected` / `message_blocked` | the violation penalty |
//! | `product.<name>` | the weight of `<name>` in `productEvents` |

pub mod replay;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use sideline_app::standing::{announce_tier, demotion_pass, TenantSettings, PASS_LIMIT};
use sideline_domain::events::{BusEvent, EventData};
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::message::{MessageId, StoredMessage, Visibility};
use sideline_domain::moderation::{DecisionKind, Stage};
use sideline_domain::scoring::{contributions_for, Activity, Parent};
use sideline_domain::time::parse_time;
use sideline_lambda::{BatchItemFailure, BatchResponse, SqsEvent};
use sideline_ports::{
    Clock, ConfigStoreError, MessageError, MessageStore, Ports, Pseudonyms, ScoreError, ScoreStore,
    Scored,
};
use tracing::Instrument;

/// The function's parts.
pub struct ScoringDeps<P> {
    pub ports: P,
    /// Shared with whatever else in the process reads settings (devstack's API
    /// drops a tenant's entry when it stores a new document).
    pub settings: Arc<TenantSettings>,
}

/// What scoring did with one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not an event that scores (or about a message that is gone).
    Skipped(&'static str),
    /// Scored before: nothing changed.
    Duplicate,
    /// Scored: how many users' scores moved, and how many tiers.
    Scored { users: usize, tiers: usize },
}

/// Why an event was not scored. `BadEvent` will not get better with a retry, but
/// is still failed back so the queue's redrive moves it to the dead-letter queue
/// after its bounded receives, where it can be looked at (never scored as is).
#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    #[error("event: {0}")]
    BadEvent(String),
    #[error("messages")]
    Message(#[from] MessageError),
    #[error("scores")]
    Score(#[from] ScoreError),
    #[error("tenant settings")]
    Config(#[from] ConfigStoreError),
    #[error("pseudonyms")]
    Pseudonym(#[from] sideline_ports::ErasureError),
}

fn bad(e: impl std::fmt::Display) -> ScoringError {
    ScoringError::BadEvent(e.to_string())
}

/// What scoring needs to know of a message an event is about.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageFacts {
    pub author: UserId,
    pub reply_to: Option<MessageId>,
    pub created_at_ms: i64,
}

impl From<StoredMessage> for MessageFacts {
    fn from(m: StoredMessage) -> Self {
        Self {
            author: m.author.id,
            reply_to: m.reply_to,
            created_at_ms: m.created_at_ms,
        }
    }
}

/// Where the messages an event is about are read from: the store (live), or the
/// events seen so far ([`replay`]).
pub trait Messages: Sync {
    fn message(
        &self,
        id: &MessageId,
    ) -> impl std::future::Future<Output = Result<Option<MessageFacts>, ScoringError>> + Send;

    /// The user an event names (its pseudonym, or a user id in events from
    /// before pseudonyms); `None` for `system` and for users since erased.
    fn user(
        &self,
        named: &str,
    ) -> impl std::future::Future<Output = Result<Option<UserId>, ScoringError>> + Send;
}

/// What a message replies to, for credit.
async fn parent_of<M: Messages>(
    messages: &M,
    reply_to: Option<&MessageId>,
) -> Result<Parent, ScoringError> {
    let Some(id) = reply_to else {
        return Ok(Parent::None);
    };
    Ok(match messages.message(id).await? {
        Some(parent) => Parent::Author(parent.author),
        None => Parent::Unknown,
    })
}

/// The store's messages of one room.
struct Lookup<'a, P> {
    ports: &'a P,
    tenant: &'a TenantId,
    room: Option<&'a RoomId>,
}

impl<P: Ports> Messages for Lookup<'_, P> {
    async fn message(&self, id: &MessageId) -> Result<Option<MessageFacts>, ScoringError> {
        let room = self
            .room
            .ok_or_else(|| ScoringError::BadEvent("missing `roomId`".into()))?;
        Ok(self
            .ports
            .store()
            .message(self.tenant, room, id)
            .await?
            // An erased author's tombstone, and the host's own message, credit
            // nobody.
            .filter(|m| {
                m.author.id != sideline_domain::erasure::erased_author()
                    && m.author.id != sideline_domain::message::system_author()
            })
            .map(MessageFacts::from))
    }

    async fn user(&self, named: &str) -> Result<Option<UserId>, ScoringError> {
        if named.starts_with("p_") {
            return Ok(self.ports.store().user_behind(self.tenant, named).await?);
        }
        legacy_user(named)
    }
}

/// A user named otherwise than by pseudonym: `system` (no one), or the user id
/// of an event from before pseudonyms; anything else is a bad event.
fn legacy_user(named: &str) -> Result<Option<UserId>, ScoringError> {
    match named {
        "system" | "erased" => Ok(None),
        _ => UserId::parse(named).map(Some).map_err(bad),
    }
}

/// The activities one event is, at the times they count from.
async fn activities<M: Messages>(
    event: &BusEvent,
    lookup: &M,
) -> Result<Result<Vec<(Activity, i64)>, &'static str>, ScoringError> {
    let detail = &event.detail;
    let at = parse_time(&detail.occurred_at)
        .ok_or_else(|| bad(format!("occurredAt `{}` is not a time", detail.occurred_at)))?;
    let named = lookup.user(&detail.actor.canonical_id).await?;
    // An erased user's events (late, or replayed from the archive) name nobody.
    let actor = || named.clone().ok_or("the user is erased or unknown");
    if let Some(name) = event.detail_type.strip_prefix("product.") {
        let user = match actor() {
            Ok(user) => user,
            Err(why) => return Ok(Err(why)),
        };
        return Ok(Ok(vec![(
            Activity::Product {
                user,
                name: name.to_owned(),
            },
            at,
        )]));
    }
    macro_rules! actor {
        () => {
            match actor() {
                Ok(user) => user,
                Err(why) => return Ok(Err(why)),
            }
        };
    }
    let data = match detail.typed_data() {
        Ok(data) => data,
        Err(sideline_domain::events::DataError::UnknownType(_)) => {
            return Ok(Err("not an event that scores"))
        }
        Err(e) => return Err(bad(e)),
    };
    let mut out = Vec::new();
    match data {
        EventData::MessageSent(sent) => {
            // Held and shadowed messages score when (if) a moderator approves them.
            if sent.visibility != Visibility::Public {
                return Ok(Err("message not public"));
            }
            out.push((
                Activity::MessageSent {
                    author: actor!(),
                    parent: parent_of(lookup, sent.reply_to.as_ref()).await?,
                },
                at,
            ));
        }
        EventData::ReactionAdded(r) => {
            let Some(message) = lookup.message(&r.message_id).await? else {
                return Ok(Err("message gone"));
            };
            out.push((
                Activity::ReactionAdded {
                    reactor: actor!(),
                    author: message.author.clone(),
                },
                at,
            ));
        }
        EventData::ReactionRemoved(r) => {
            let Some(message) = lookup.message(&r.message_id).await? else {
                return Ok(Err("message gone"));
            };
            out.push((
                Activity::ReactionRemoved {
                    reactor: actor!(),
                    author: message.author.clone(),
                    added_at_ms: r.added_at,
                },
                at,
            ));
        }
        EventData::Moderation(kind, decision) => {
            if decision.stage == Stage::Human {
                if let Some(moderator) = named.clone() {
                    out.push((Activity::ModeratorDecision { moderator }, at));
                }
            }
            let message = match decision.message_id.as_ref() {
                Some(id) => lookup.message(id).await?,
                None => None,
            };
            let subject = match decision.subject_id.as_deref() {
                Some(named) => lookup.user(named).await?,
                None => None,
            };
            match (kind, message, subject) {
                (DecisionKind::MessageApproved, Some(m), _) => out.push((
                    Activity::MessageSent {
                        parent: parent_of(lookup, m.reply_to.as_ref()).await?,
                        author: m.author.clone(),
                    },
                    m.created_at_ms,
                )),
                (DecisionKind::MessageRemoved, Some(m), _) => out.push((
                    Activity::MessageRemoved {
                        parent: parent_of(lookup, m.reply_to.as_ref()).await?,
                        author: m.author.clone(),
                        sent_at_ms: m.created_at_ms,
                    },
                    at,
                )),
                (DecisionKind::MessageRejected | DecisionKind::MessageBlocked, _, Some(user)) => {
                    out.push((Activity::Violation { user }, at))
                }
                _ => {}
            }
            if out.is_empty() {
                return Ok(Err("decision that scores nothing"));
            }
        }
        _ => return Ok(Err("not an event that scores")),
    }
    Ok(Ok(out))
}

/// Scores one EventBridge event (`detail-type` and `detail` as EventBridge
/// delivers them).
pub async fn handle_event<P: Ports>(
    event: &Value,
    deps: &ScoringDeps<P>,
) -> Result<Outcome, ScoringError> {
    let event = BusEvent::deserialize(event).map_err(bad)?;
    let detail = &event.detail;
    let tenant = TenantId::parse(&detail.tenant_id).map_err(bad)?;
    let room = detail
        .room_id
        .as_deref()
        .map(RoomId::parse)
        .transpose()
        .map_err(bad)?;
    let lookup = Lookup {
        ports: &deps.ports,
        tenant: &tenant,
        room: room.as_ref(),
    };
    let activities = match activities(&event, &lookup).await? {
        Ok(activities) => activities,
        Err(why) => return Ok(Outcome::Skipped(why)),
    };
    let now_ms = deps.ports.clock().now_ms();
    let current = deps
        .settings
        .current(deps.ports.store(), &tenant, now_ms)
        .await?;
    let config = &current.config;
    let made: Vec<_> = activities
        .iter()
        .flat_map(|(activity, at)| contributions_for(activity, *at, &**config))
        .collect();
    if made.is_empty() {
        return Ok(Outcome::Skipped(
            "nothing to score (self-credit, no weight)",
        ));
    }
    let changes = match deps
        .ports
        .store()
        .score_event(
            &tenant,
            &detail.event_id,
            room.as_ref(),
            &made,
            config,
            now_ms,
        )
        .await?
    {
        Scored::Duplicate => return Ok(Outcome::Duplicate),
        Scored::Changed(changes) => changes,
    };
    let mut tiers = 0;
    for change in &changes {
        if change.tier_changed() {
            tiers += 1;
            tracing::info!(user = %change.user, from = change.previous.as_str(), to = change.standing.tier.tier.as_str(), "tier changed");
            announce_tier(&deps.ports, &tenant, change, config, now_ms).await;
        }
    }
    Ok(Outcome::Scored {
        users: changes.len(),
        tiers,
    })
}

/// A payload `scoring` cannot read (neither an SQS batch nor a scheduled event).
#[derive(Debug, thiserror::Error)]
#[error("scoring cannot read this payload: {0}")]
pub struct UnreadablePayload(String);

impl From<UnreadablePayload> for sideline_lambda::Diagnostic {
    fn from(err: UnreadablePayload) -> Self {
        Self {
            error_type: "UnreadablePayload".into(),
            error_message: err.to_string(),
        }
    }
}

/// The function's entry point: the scoring queue (an SQS batch, answered with its
/// failures) and the schedule of the demotion pass (`Scheduled Event`, answered
/// with what the pass did) invoke the same function.
pub async fn handle<P: Ports>(
    payload: Value,
    deps: &ScoringDeps<P>,
) -> Result<Value, UnreadablePayload> {
    if payload.get("Records").is_some() {
        let event: SqsEvent =
            serde_json::from_value(payload).map_err(|e| UnreadablePayload(e.to_string()))?;
        let outcome = handle_sqs(event, deps).await;
        return serde_json::to_value(outcome.response)
            .map_err(|e| UnreadablePayload(e.to_string()));
    }
    if payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        return match demotion_pass(&deps.ports, &deps.settings, PASS_LIMIT).await {
            Ok(report) => {
                tracing::info!(
                    recut = report.recut,
                    moved = report.moved,
                    failed = report.failed,
                    checked = report.checked,
                    demoted = report.demoted,
                    refiled = report.refiled,
                    "tier pass"
                );
                Ok(serde_json::json!({
                    "recut": report.recut,
                    "moved": report.moved,
                    "failed": report.failed,
                    "checked": report.checked,
                    "demoted": report.demoted,
                    "refiled": report.refiled,
                }))
            }
            // The next scheduled run takes up what this one could not.
            Err(err) => {
                tracing::warn!(error = %err, cause = ?std::error::Error::source(&err), "demotion pass failed");
                Ok(serde_json::json!({"failed": err.to_string()}))
            }
        };
    }
    Err(UnreadablePayload(
        "expected an SQS batch (`Records`) or a scheduled event".into(),
    ))
}

/// What became of one message of an SQS batch.
#[derive(Debug)]
pub struct RecordOutcome {
    pub message_id: String,
    pub result: Result<Outcome, ScoringError>,
}

/// What a batch came to: each message's outcome, and the answer for Lambda.
#[derive(Debug)]
pub struct SqsOutcome {
    pub records: Vec<RecordOutcome>,
    /// Every message that failed, unreadable ones included: the queue redelivers
    /// them up to its `maxReceiveCount`, then moves them to the dead-letter queue.
    pub response: BatchResponse,
}

/// Handles a batch: each message independently, in a span of its own.
pub async fn handle_sqs<P: Ports>(event: SqsEvent, deps: &ScoringDeps<P>) -> SqsOutcome {
    let mut records = Vec::with_capacity(event.records.len());
    let mut failures = Vec::new();
    for record in event.records {
        let span = tracing::info_span!("sqs_record", sqs_message_id = %record.message_id);
        let result = async {
            let outcome = match serde_json::from_str::<Value>(&record.body) {
                Ok(value) => handle_event(&value, deps).await,
                Err(e) => Err(bad(e)),
            };
            match &outcome {
                Ok(outcome) => tracing::info!(outcome = ?outcome, "scored"),
                Err(ScoringError::BadEvent(reason)) => {
                    tracing::error!(reason = %reason, "unreadable event; failed back towards the dead-letter queue")
                }
                Err(err) => {
                    tracing::warn!(error = %err, cause = ?std::error::Error::source(err), "will retry")
                }
            }
            outcome
        }
        .instrument(span)
        .await;
        if result.is_err() {
            failures.push(BatchItemFailure {
                item_identifier: record.message_id.clone(),
            });
        }
        records.push(RecordOutcome {
            message_id: record.message_id,
            result,
        });
    }
    SqsOutcome {
        records,
        response: BatchResponse {
            batch_item_failures: failures,
        },
    }
}

#[cfg(test)]
mod tests;
