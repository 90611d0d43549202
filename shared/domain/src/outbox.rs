//! The outbox: what a store's changes are, as the table's stream carries them, and
//! the event each one makes.
//!
//! A store reports every change to an item that is an interaction — memberships,
//! messages, reactions, reports, moderation decisions — as a [`Change`] of typed
//! records. The DynamoDB stream carries the same changes as item images, which the
//! AWS adapter decodes back into these types; the in-memory store emits them
//! directly. [`event_for`] turns one into its event, the same way for both.

use serde_json::Map;

use crate::connection::Member;
use crate::erasure::{erased_author, ErasureDone};
use crate::events::{
    event_id, Actor, DecisionMade, Envelope, EventData, EventType, LeftReason, MessageDeleted,
    MessageEdited, MessageReported, MessageSent, PollClosed, PollCreated, PollVoted,
    ReactionChanged, ReactionRemoved, RoomJoined, RoomLeft, TierChanged, UserErased,
};
use crate::ids::{RoomId, TenantId};
use crate::message::{system_author, Reaction, StoredMessage};
use crate::moderation::{Decision, Report};
use crate::poll::{Poll, Vote};
use crate::scoring::TierChange;
use crate::time::format_time;

/// A stored record the outbox knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Member {
        tenant: TenantId,
        room: RoomId,
        member: Member,
    },
    Message(StoredMessage),
    Reaction(Reaction),
    Report(Report),
    Decision(Decision),
    /// A poll: created, its tally moved, closed.
    Poll(Poll),
    /// A user's vote in a poll.
    Vote(Vote),
    /// A user's tier changed (the scores store's record of it).
    TierChange(TierChange),
    /// An erasure's completion.
    ErasureDone(ErasureDone),
    /// Anything else the table holds (connections, counters, idempotency keys):
    /// no event.
    Other,
}

/// How an item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Insert,
    Modify,
    Remove,
}

impl ChangeKind {
    /// The stream's `eventName`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insert => "INSERT",
            ChangeKind::Modify => "MODIFY",
            ChangeKind::Remove => "REMOVE",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "INSERT" => ChangeKind::Insert,
            "MODIFY" => ChangeKind::Modify,
            "REMOVE" => ChangeKind::Remove,
            _ => return None,
        })
    }
}

/// One change to one item: its images before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    pub old: Option<Stored>,
    pub new: Option<Stored>,
}

impl Change {
    pub fn insert(new: Stored) -> Self {
        Self {
            kind: ChangeKind::Insert,
            old: None,
            new: Some(new),
        }
    }

    pub fn modify(old: Stored, new: Stored) -> Self {
        Self {
            kind: ChangeKind::Modify,
            old: Some(old),
            new: Some(new),
        }
    }

    pub fn remove(old: Stored) -> Self {
        Self {
            kind: ChangeKind::Remove,
            old: Some(old),
            new: None,
        }
    }

    /// The image the event is made from: the new one, or the old one of a removal.
    fn image(&self) -> Option<&Stored> {
        match self.kind {
            ChangeKind::Insert | ChangeKind::Modify => self.new.as_ref(),
            ChangeKind::Remove => self.old.as_ref(),
        }
    }
}

/// A change as the stream delivered it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub change: Change,
    /// The item's identity in the table (its keys), which event ids derive from.
    pub item_key: String,
    /// The stream's sequence number: tells apart two edits of one message.
    pub sequence: String,
    /// When the stream saw the change (ms), if it says.
    pub at_ms: Option<i64>,
    /// The item was removed because it expired — by DynamoDB's TTL process, or by
    /// retention past its window — not by a user's action.
    pub expired: bool,
}

/// What one event is made of before its id is known.
struct Draft<'a> {
    data: EventData,
    discriminator: String,
    tenant: &'a TenantId,
    room: Option<&'a RoomId>,
    actor: String,
    role: String,
    occurred_ms: i64,
    correlation: Option<&'a str>,
}

/// The event a change makes; `None` for changes that are not interactions
/// (connections, counters, refreshed memberships, reaction counts).
pub fn event_for(record: &OutboxRecord) -> Option<Envelope> {
    let change = &record.change;
    // Retention removing a message, a reaction or a report is not a user's act:
    // no `deleted` or `reaction.removed` (which would take back points).
    if record.expired
        && change.kind == ChangeKind::Remove
        && matches!(
            change.old,
            Some(Stored::Message(_) | Stored::Reaction(_) | Stored::Report(_))
        )
    {
        return None;
    }
    let at = |fallback: i64| record.at_ms.unwrap_or(fallback);
    let draft = match (change.image()?, change.kind) {
        (
            Stored::Member {
                tenant,
                room,
                member,
            },
            ChangeKind::Insert,
        ) => Draft {
            data: EventData::RoomJoined(RoomJoined {
                connection_id: member.connection_id.clone(),
            }),
            discriminator: member.joined_at_ms.to_string(),
            tenant,
            room: Some(room),
            actor: member.user.to_string(),
            role: member.role.as_str().to_owned(),
            occurred_ms: member.joined_at_ms,
            correlation: member.correlation_id.as_deref(),
        },
        (
            Stored::Member {
                tenant,
                room,
                member,
            },
            ChangeKind::Remove,
        ) => Draft {
            data: EventData::RoomLeft(RoomLeft {
                connection_id: member.connection_id.clone(),
                reason: if record.expired {
                    LeftReason::Expired
                } else {
                    LeftReason::Left
                },
            }),
            discriminator: member.joined_at_ms.to_string(),
            tenant,
            room: Some(room),
            actor: member.user.to_string(),
            role: member.role.as_str().to_owned(),
            occurred_ms: at(member.joined_at_ms),
            correlation: member.correlation_id.as_deref(),
        },
        // Erasure's tombstones are not edits: no event.
        (Stored::Message(m), _) if m.author.id == erased_author() => return None,
        (Stored::ErasureDone(done), ChangeKind::Insert) => Draft {
            data: EventData::UserErased(UserErased {
                request_id: done.request_id.clone(),
            }),
            discriminator: String::new(),
            tenant: &done.tenant,
            room: None,
            actor: done
                .pseudonym
                .clone()
                .unwrap_or_else(|| "erased".to_owned()),
            role: "system".to_owned(),
            occurred_ms: done.at_ms,
            correlation: None,
        },
        (Stored::Message(m), kind) => {
            let data = match kind {
                ChangeKind::Insert => EventData::MessageSent(MessageSent {
                    message_id: m.id,
                    text_length: m.text.as_str().chars().count(),
                    visibility: m.visibility,
                    reply_to: m.reply_to,
                }),
                ChangeKind::Modify => {
                    let old_text = match &change.old {
                        Some(Stored::Message(old)) => Some(old.text.as_str()),
                        _ => None,
                    };
                    if old_text == Some(m.text.as_str()) {
                        return None; // a reaction count or the visibility changed
                    }
                    EventData::MessageEdited(MessageEdited {
                        message_id: m.id,
                        text_length: m.text.as_str().chars().count(),
                    })
                }
                ChangeKind::Remove => {
                    EventData::MessageDeleted(MessageDeleted { message_id: m.id })
                }
            };
            Draft {
                discriminator: if kind == ChangeKind::Modify {
                    record.sequence.clone()
                } else {
                    String::new()
                },
                data,
                tenant: &m.tenant,
                room: Some(&m.room),
                // The host's own messages are by nobody.
                actor: if m.author.id == system_author() {
                    "system".to_owned()
                } else {
                    m.author.id.to_string()
                },
                role: if m.author.id == system_author() {
                    "system"
                } else {
                    m.author.role.as_str()
                }
                .to_owned(),
                occurred_ms: if kind == ChangeKind::Insert {
                    m.created_at_ms
                } else {
                    at(m.created_at_ms)
                },
                correlation: m.correlation_id.as_deref(),
            }
        }
        (Stored::Report(r), ChangeKind::Insert) => Draft {
            data: EventData::MessageReported(MessageReported {
                message_id: r.message,
                author_id: r.author.to_string(),
                reason: r.reason.clone(),
            }),
            discriminator: String::new(),
            tenant: &r.tenant,
            room: Some(&r.room),
            actor: r.reporter.to_string(),
            role: r.reporter_role.as_str().to_owned(),
            occurred_ms: r.at_ms,
            correlation: r.correlation_id.as_deref(),
        },
        (Stored::Decision(d), ChangeKind::Insert) => Draft {
            data: EventData::Moderation(d.kind, decision_made(d)),
            discriminator: String::new(),
            tenant: &d.tenant,
            room: d.room.as_ref(),
            actor: d
                .actor
                .as_ref()
                .map_or_else(|| "system".to_owned(), ToString::to_string),
            role: d.actor_role.clone(),
            occurred_ms: d.at_ms,
            correlation: d.correlation_id.as_deref(),
        },
        (Stored::Reaction(r), ChangeKind::Insert | ChangeKind::Remove) => {
            let added = change.kind == ChangeKind::Insert;
            Draft {
                data: if added {
                    EventData::ReactionAdded(ReactionChanged {
                        message_id: r.message,
                        emoji: r.emoji.clone(),
                    })
                } else {
                    EventData::ReactionRemoved(ReactionRemoved {
                        message_id: r.message,
                        emoji: r.emoji.clone(),
                        added_at: r.at_ms,
                    })
                },
                discriminator: r.at_ms.to_string(),
                tenant: &r.tenant,
                room: Some(&r.room),
                actor: r.user.to_string(),
                role: r.role.as_str().to_owned(),
                occurred_ms: if added { r.at_ms } else { at(r.at_ms) },
                correlation: r.correlation_id.as_deref(),
            }
        }
        (Stored::Poll(p), ChangeKind::Insert) => Draft {
            data: EventData::PollCreated(PollCreated {
                poll_id: p.id,
                question: p.question.clone(),
                options: p.options.clone(),
                multiple: p.multiple,
                results: p.results,
                closes_at: p.closes_at_ms.map(format_time),
                context: p.context.clone(),
            }),
            discriminator: String::new(),
            tenant: &p.tenant,
            room: Some(&p.room),
            actor: p.created_by.id(),
            role: p.created_by.role().to_owned(),
            occurred_ms: p.created_at_ms,
            correlation: p.correlation_id.as_deref(),
        },
        // A tally moving is no event (its votes are); the close is.
        (Stored::Poll(p), ChangeKind::Modify) => {
            let was_closed =
                matches!(&change.old, Some(Stored::Poll(old)) if old.closed_at_ms.is_some());
            let closed_at = p.closed_at_ms.filter(|_| !was_closed)?;
            Draft {
                data: EventData::PollClosed(PollClosed {
                    poll_id: p.id,
                    counts: p.counts.clone(),
                    voters: p.voters,
                    closed_by: if p.closed_by.is_some() {
                        "hand"
                    } else {
                        "schedule"
                    }
                    .to_owned(),
                    context: p.context.clone(),
                }),
                discriminator: "closed".to_owned(),
                tenant: &p.tenant,
                room: Some(&p.room),
                actor: p
                    .closed_by
                    .as_ref()
                    .map_or_else(|| "system".to_owned(), |a| a.id()),
                role: p
                    .closed_by
                    .as_ref()
                    .map_or("system", |a| a.role())
                    .to_owned(),
                occurred_ms: closed_at,
                correlation: None,
            }
        }
        (Stored::Vote(v), ChangeKind::Insert | ChangeKind::Modify) => {
            let previous = match &change.old {
                Some(Stored::Vote(old)) => Some(old.choices.clone()),
                _ => None,
            };
            if previous.as_ref() == Some(&v.choices) {
                return None;
            }
            Draft {
                data: EventData::PollVoted(PollVoted {
                    poll_id: v.poll,
                    choices: v.choices.clone(),
                    previous,
                }),
                // A returning user's vote after an erasure starts at version 1
                // again: the time tells it from the erased one.
                discriminator: format!("{}@{}", v.version, v.at_ms),
                tenant: &v.tenant,
                room: Some(&v.room),
                actor: v.user.to_string(),
                role: v.role.as_str().to_owned(),
                occurred_ms: v.at_ms,
                correlation: v.correlation_id.as_deref(),
            }
        }
        (Stored::TierChange(t), ChangeKind::Insert | ChangeKind::Modify) if t.from != t.to => {
            Draft {
                data: EventData::TierChanged(TierChanged {
                    user_id: t.user.to_string(),
                    from: t.from,
                    to: t.to,
                    score: (t.score * 1000.0).round() / 1000.0,
                }),
                discriminator: t.at_ms.to_string(),
                tenant: &t.tenant,
                room: None,
                actor: "system".to_owned(),
                role: "system".to_owned(),
                occurred_ms: t.at_ms,
                correlation: None,
            }
        }
        _ => return None,
    };
    Some(envelope(draft, &record.item_key))
}

fn decision_made(d: &Decision) -> DecisionMade {
    DecisionMade {
        decision_id: d.id,
        stage: d.stage,
        subject_id: d.subject.as_ref().map(ToString::to_string),
        message_id: d.message,
        reason: d.reason.clone(),
        categories: d.categories.clone(),
        scores: d
            .scores
            .iter()
            .map(|(name, score)| (name.clone(), three_decimals(*score)))
            .collect(),
        rule_version: d.rule_version.clone(),
        enforced: d.enforced,
        duration_s: d.duration_s,
    }
}

/// A score as the decision record keeps it: three decimals (`0.7`, not the
/// `0.699999988…` an `f32` widens to).
fn three_decimals(score: f32) -> f64 {
    format!("{score:.3}").parse().unwrap_or_default()
}

fn envelope(draft: Draft<'_>, item_key: &str) -> Envelope {
    let kind: EventType = draft.data.event_type();
    let id = event_id(kind, item_key, &draft.discriminator);
    let mut meta = Map::new();
    meta.insert("source".into(), "stream".into());
    if matches!(kind, EventType::MessageSent | EventType::MessageEdited) {
        meta.insert("messageType".into(), "text".into());
    }
    Envelope {
        correlation_id: draft
            .correlation
            .map(str::to_owned)
            .unwrap_or_else(|| id.clone()),
        event_id: id,
        event_type: kind.detail_type().to_owned(),
        analytics_name: kind.analytics_name().to_owned(),
        schema_version: kind.schema_version(),
        occurred_at: format_time(draft.occurred_ms),
        tenant_id: draft.tenant.to_string(),
        room_id: draft.room.map(ToString::to_string),
        actor: Actor {
            canonical_id: draft.actor,
            role: draft.role,
        },
        data: draft.data.to_value(),
        meta,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::identity::Role;
    use crate::ids::UserId;
    use crate::message::{Author, ClientMsgId, MessageId, MessageText, Visibility};
    use crate::moderation::{DecisionKind, Stage};

    fn record(change: Change) -> OutboxRecord {
        OutboxRecord {
            change,
            item_key: "T#acme#R#r\u{1f}MSG#x".into(),
            sequence: "1".into(),
            at_ms: Some(1_800_000_000_500),
            expired: false,
        }
    }

    fn message(text: &str) -> StoredMessage {
        let tenant = TenantId::parse("acme").unwrap();
        StoredMessage {
            author: Author {
                id: UserId::derive(&tenant, "ada"),
                name: "Ada".into(),
                role: Role::Member,
                tier: crate::scoring::Tier::None,
            },
            tenant,
            room: RoomId::parse("r").unwrap(),
            id: MessageId::at(1_800_000_000_000),
            text: MessageText::parse(text, 100).unwrap(),
            created_at_ms: 1_800_000_000_000,
            reply_to: None,
            client_msg_id: ClientMsgId::parse("c1").unwrap(),
            correlation_id: Some("req-1".into()),
            reactions: BTreeMap::new(),
            visibility: Visibility::Public,
            seq: None,
            batched: false,
        }
    }

    #[test]
    fn an_erasure_is_an_event_once_completed_and_tombstones_are_none() {
        let done = ErasureDone {
            tenant: TenantId::parse("acme").unwrap(),
            request_id: "5b0f1c2e-3d4a-5b6c-8d7e-9f0a1b2c3d4e".into(),
            pseudonym: Some("p_0123456789abcdef0123456789abcdef".into()),
            at_ms: 1_800_000_001_000,
        };
        let event = event_for(&record(Change::insert(Stored::ErasureDone(done.clone()))))
            .expect("completion is an event");
        assert_eq!(event.event_type, "community.user.erased");
        assert_eq!(
            event.actor.canonical_id,
            "p_0123456789abcdef0123456789abcdef"
        );
        assert_eq!(event.data["requestId"], done.request_id.as_str());
        // The note's removal (its TTL) is no second event.
        assert!(event_for(&record(Change::remove(Stored::ErasureDone(done)))).is_none());
        // An erasure's tombstone is no edit.
        let before = message("hello");
        let mut tomb = before.clone();
        tomb.author.id = crate::erasure::erased_author();
        tomb.text = crate::message::MessageText::from_stored(String::new());
        assert!(event_for(&record(Change::modify(
            Stored::Message(before),
            Stored::Message(tomb)
        )))
        .is_none());
    }

    #[test]
    fn a_stored_message_is_sent_and_a_count_change_is_nothing() {
        let sent =
            event_for(&record(Change::insert(Stored::Message(message("hi"))))).expect("an event");
        assert_eq!(sent.event_type, "community.message.sent");
        assert_eq!(sent.correlation_id, "req-1");
        assert_eq!(sent.occurred_at, "2027-01-15T08:00:00.000Z");
        assert!(matches!(
            sent.typed_data(),
            Ok(EventData::MessageSent(MessageSent { text_length: 2, .. }))
        ));
        let mut counted = message("hi");
        counted.reactions.insert("🔥".into(), 1);
        let same_text = Change::modify(Stored::Message(message("hi")), Stored::Message(counted));
        assert_eq!(event_for(&record(same_text)), None);
        let edited = Change::modify(
            Stored::Message(message("hi")),
            Stored::Message(message("hello")),
        );
        let edited = event_for(&record(edited)).expect("an edit");
        assert_eq!(edited.event_type, "community.message.edited");
        assert_eq!(
            edited.occurred_at, "2027-01-15T08:00:00.500Z",
            "the stream's time"
        );
    }

    #[test]
    fn decision_scores_keep_three_decimals() {
        let tenant = TenantId::parse("acme").unwrap();
        let mut decision = Decision::automatic(
            &tenant,
            DecisionKind::MessageHeld,
            Stage::Inline,
            1_800_000_000_000,
        );
        decision.scores.insert("toxicity".into(), 0.7);
        let event =
            event_for(&record(Change::insert(Stored::Decision(decision)))).expect("an event");
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.contains(r#""toxicity":0.7"#), "{text}");
        assert_eq!(event.actor.canonical_id, "system");
    }

    #[test]
    fn a_removed_reaction_says_when_it_was_added() {
        let tenant = TenantId::parse("acme").unwrap();
        let reaction = Reaction {
            tenant: tenant.clone(),
            room: RoomId::parse("r").unwrap(),
            message: MessageId::at(1_800_000_000_000),
            emoji: crate::message::Emoji::parse("🔥").unwrap(),
            user: UserId::derive(&tenant, "bob"),
            role: Role::Member,
            at_ms: 1_800_000_000_250,
            correlation_id: Some("req-react".into()),
            batched: false,
        };
        let removed =
            event_for(&record(Change::remove(Stored::Reaction(reaction)))).expect("an event");
        assert_eq!(removed.event_type, "community.reaction.removed");
        assert_eq!(
            removed.occurred_at, "2027-01-15T08:00:00.500Z",
            "the stream's time"
        );
        assert_eq!(removed.data["addedAt"], "2027-01-15T08:00:00.250Z");
        match removed.typed_data() {
            Ok(EventData::ReactionRemoved(data)) => assert_eq!(data.added_at, 1_800_000_000_250),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn polls_make_created_voted_and_closed_events_and_nothing_else() {
        use crate::poll::{Poll, PollActor, PollId, ResultsShown, Vote};
        let tenant = TenantId::parse("acme").unwrap();
        let ada = UserId::derive(&tenant, "ada");
        let poll = Poll {
            tenant: tenant.clone(),
            room: RoomId::parse("match:1").unwrap(),
            id: PollId::at(1_800_000_000_000),
            question: "Who scores next?".into(),
            options: vec!["Home".into(), "Away".into()],
            multiple: false,
            results: ResultsShown::Live,
            closes_at_ms: None,
            created_by: PollActor::System,
            created_at_ms: 1_800_000_000_000,
            context: None,
            counts: vec![0, 0],
            voters: 0,
            closed_at_ms: None,
            closed_by: None,
            correlation_id: None,
        };
        let created = event_for(&record(Change::insert(Stored::Poll(poll.clone())))).unwrap();
        assert_eq!(created.event_type, "community.poll.created");
        assert_eq!(created.actor.canonical_id, "system");
        let vote = Vote {
            tenant: tenant.clone(),
            room: poll.room.clone(),
            poll: poll.id,
            user: ada.clone(),
            role: Role::Member,
            choices: vec![1],
            at_ms: 1_800_000_000_100,
            version: 1,
            correlation_id: Some("v1".into()),
            batched: false,
        };
        let voted = event_for(&record(Change::insert(Stored::Vote(vote.clone())))).unwrap();
        assert_eq!(voted.event_type, "community.poll.voted");
        assert_eq!(voted.actor.canonical_id, ada.to_string());
        assert_eq!(voted.data["choices"], serde_json::json!([1]));
        let same = Change::modify(Stored::Vote(vote.clone()), Stored::Vote(vote.clone()));
        assert!(event_for(&record(same)).is_none(), "a repeat is no event");
        let changed = Vote {
            choices: vec![0],
            version: 2,
            ..vote.clone()
        };
        let moved = event_for(&record(Change::modify(
            Stored::Vote(vote),
            Stored::Vote(changed),
        )))
        .unwrap();
        assert_eq!(moved.data["previous"], serde_json::json!([1]));
        let tallied = Poll {
            counts: vec![0, 1],
            voters: 1,
            ..poll.clone()
        };
        let tally = Change::modify(Stored::Poll(poll.clone()), Stored::Poll(tallied.clone()));
        assert!(
            event_for(&record(tally)).is_none(),
            "a tally moving is no event"
        );
        let closed = Poll {
            closed_at_ms: Some(1_800_000_060_000),
            closed_by: Some(PollActor::User {
                id: ada.clone(),
                role: Role::Moderator,
            }),
            ..tallied.clone()
        };
        let event = event_for(&record(Change::modify(
            Stored::Poll(tallied),
            Stored::Poll(closed.clone()),
        )))
        .unwrap();
        assert_eq!(event.event_type, "community.poll.closed");
        assert_eq!(event.data["closedBy"], "hand");
        assert_eq!(event.data["counts"], serde_json::json!([0, 1]));
        assert_eq!(event.occurred_at, "2027-01-15T08:01:00.000Z");
        let again = Change::modify(Stored::Poll(closed.clone()), Stored::Poll(closed));
        assert!(event_for(&record(again)).is_none(), "closed once");
    }
}
