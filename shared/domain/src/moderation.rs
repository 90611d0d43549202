//! What moderation keeps: sanctions on users, the immutable record of every
//! decision (the audit trail, published as `community.moderation.*` events), the
//! review queue, and users' reports; and the pure rules of escalation, reputation
//! and flood detection that the handlers apply to them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::Limits;
use crate::identity::Role;
use crate::ids::{DecisionId, RoomId, TenantId, UserId};
use crate::message::MessageId;
use crate::scoring::Tier;

/// Version of the rules behind automatic decisions, recorded on each of them so a
/// decision can be traced to the heuristics that made it.
pub const RULE_VERSION: &str = "sideline-moderation/2026.11";

/// Every kind of moderation decision; each is published as
/// `community.moderation.{as_str}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The inline stage masked personal data or profanity.
    MessageMasked,
    /// Stored visible to its author only.
    MessageShadowed,
    /// Stored and queued for review.
    MessageHeld,
    /// Refused; nothing stored.
    MessageBlocked,
    /// A held or hidden message went to the room.
    MessageApproved,
    /// A held or hidden message was turned down.
    MessageRejected,
    /// Put in the review queue while staying visible.
    MessageFlagged,
    /// Hidden pending review after enough distinct reports.
    MessageHidden,
    /// Retracted from the room (by the asynchronous stage or a moderator).
    MessageRemoved,
    UserMuted,
    UserBanned,
    UserShadowBanned,
    /// A mute, ban or shadow-ban ended early.
    SanctionLifted,
    RoomSlowModeSet,
    RoomModeSet,
    /// A user's erasure completed (the subject is gone: the request names it).
    UserErased,
    /// A legal hold was put on the tenant, a room or a user.
    LegalHoldSet,
    /// A legal hold was lifted.
    LegalHoldLifted,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 18] = [
        DecisionKind::MessageMasked,
        DecisionKind::MessageShadowed,
        DecisionKind::MessageHeld,
        DecisionKind::MessageBlocked,
        DecisionKind::MessageApproved,
        DecisionKind::MessageRejected,
        DecisionKind::MessageFlagged,
        DecisionKind::MessageHidden,
        DecisionKind::MessageRemoved,
        DecisionKind::UserMuted,
        DecisionKind::UserBanned,
        DecisionKind::UserShadowBanned,
        DecisionKind::SanctionLifted,
        DecisionKind::RoomSlowModeSet,
        DecisionKind::RoomModeSet,
        DecisionKind::UserErased,
        DecisionKind::LegalHoldSet,
        DecisionKind::LegalHoldLifted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::MessageMasked => "message_masked",
            DecisionKind::MessageShadowed => "message_shadowed",
            DecisionKind::MessageHeld => "message_held",
            DecisionKind::MessageBlocked => "message_blocked",
            DecisionKind::MessageApproved => "message_approved",
            DecisionKind::MessageRejected => "message_rejected",
            DecisionKind::MessageFlagged => "message_flagged",
            DecisionKind::MessageHidden => "message_hidden",
            DecisionKind::MessageRemoved => "message_removed",
            DecisionKind::UserMuted => "user_muted",
            DecisionKind::UserBanned => "user_banned",
            DecisionKind::UserShadowBanned => "user_shadow_banned",
            DecisionKind::SanctionLifted => "sanction_lifted",
            DecisionKind::RoomSlowModeSet => "room_slow_mode_set",
            DecisionKind::RoomModeSet => "room_mode_set",
            DecisionKind::UserErased => "user_erased",
            DecisionKind::LegalHoldSet => "legal_hold_set",
            DecisionKind::LegalHoldLifted => "legal_hold_lifted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The event's `detail-type`: `community.moderation.{as_str}`.
    pub fn detail_type(self) -> &'static str {
        match self {
            DecisionKind::MessageMasked => "community.moderation.message_masked",
            DecisionKind::MessageShadowed => "community.moderation.message_shadowed",
            DecisionKind::MessageHeld => "community.moderation.message_held",
            DecisionKind::MessageBlocked => "community.moderation.message_blocked",
            DecisionKind::MessageApproved => "community.moderation.message_approved",
            DecisionKind::MessageRejected => "community.moderation.message_rejected",
            DecisionKind::MessageFlagged => "community.moderation.message_flagged",
            DecisionKind::MessageHidden => "community.moderation.message_hidden",
            DecisionKind::MessageRemoved => "community.moderation.message_removed",
            DecisionKind::UserMuted => "community.moderation.user_muted",
            DecisionKind::UserBanned => "community.moderation.user_banned",
            DecisionKind::UserShadowBanned => "community.moderation.user_shadow_banned",
            DecisionKind::SanctionLifted => "community.moderation.sanction_lifted",
            DecisionKind::RoomSlowModeSet => "community.moderation.room_slow_mode_set",
            DecisionKind::RoomModeSet => "community.moderation.room_mode_set",
            DecisionKind::UserErased => "community.moderation.user_erased",
            DecisionKind::LegalHoldSet => "community.moderation.legal_hold_set",
            DecisionKind::LegalHoldLifted => "community.moderation.legal_hold_lifted",
        }
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which part of moderation decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The synchronous filter in `ws-message`.
    Inline,
    /// The `moderation` function behind EventBridge.
    Async,
    /// Users' reports reaching the threshold.
    Reports,
    /// Automatic escalation (repeated violations).
    Escalation,
    /// A moderator or admin.
    Human,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Inline => "inline",
            Stage::Async => "async",
            Stage::Reports => "reports",
            Stage::Escalation => "escalation",
            Stage::Human => "human",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "inline" => Stage::Inline,
            "async" => Stage::Async,
            "reports" => Stage::Reports,
            "escalation" => Stage::Escalation,
            "human" => Stage::Human,
            _ => return None,
        })
    }
}

/// One decision, kept for ever as it was made (written once, never updated).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub tenant: TenantId,
    /// UUIDv7 made at `at_ms`, so a tenant's decisions sort by time.
    pub id: DecisionId,
    pub kind: DecisionKind,
    pub stage: Stage,
    /// The moderator for human decisions; `None` for automatic ones.
    pub actor: Option<UserId>,
    /// `system` for automatic decisions, else the moderator's role.
    pub actor_role: String,
    pub room: Option<RoomId>,
    /// The user the decision is about (a message's author, a sanctioned user).
    pub subject: Option<UserId>,
    pub message: Option<MessageId>,
    pub reason: Option<String>,
    pub categories: Vec<String>,
    pub scores: BTreeMap<String, f32>,
    pub rule_version: String,
    /// False when a rule set in shadow mode only records what it would have done.
    pub enforced: bool,
    /// How long a sanction or slow mode lasts (seconds), when it has a length.
    pub duration_s: Option<i64>,
    pub at_ms: i64,
    /// The request (or event) that led to it.
    pub correlation_id: Option<String>,
}

impl Decision {
    /// An automatic decision by `stage`, enforced, under the current rule version.
    pub fn automatic(tenant: &TenantId, kind: DecisionKind, stage: Stage, at_ms: i64) -> Self {
        Self {
            tenant: tenant.clone(),
            id: DecisionId::at(at_ms),
            kind,
            stage,
            actor: None,
            actor_role: "system".into(),
            room: None,
            subject: None,
            message: None,
            reason: None,
            categories: Vec::new(),
            scores: BTreeMap::new(),
            rule_version: RULE_VERSION.into(),
            enforced: true,
            duration_s: None,
            at_ms,
            correlation_id: None,
        }
    }

    /// A moderator's decision.
    pub fn human(
        tenant: &TenantId,
        kind: DecisionKind,
        moderator: &UserId,
        role: Role,
        at_ms: i64,
    ) -> Self {
        Self {
            actor: Some(moderator.clone()),
            actor_role: role.as_str().into(),
            rule_version: "human".into(),
            ..Self::automatic(tenant, kind, Stage::Human, at_ms)
        }
    }
}

/// What a sanction stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    /// May read but not send or react.
    Mute,
    /// Connections closed; may not join (room) or connect (tenant).
    Ban,
    /// Messages are visible to their author only; they are not told.
    ShadowBan,
}

impl SanctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Mute => "mute",
            SanctionKind::Ban => "ban",
            SanctionKind::ShadowBan => "shadow_ban",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "mute" => SanctionKind::Mute,
            "ban" => SanctionKind::Ban,
            "shadow_ban" => SanctionKind::ShadowBan,
            _ => return None,
        })
    }

    /// The decision recorded when it is imposed.
    pub fn decision(self) -> DecisionKind {
        match self {
            SanctionKind::Mute => DecisionKind::UserMuted,
            SanctionKind::Ban => DecisionKind::UserBanned,
            SanctionKind::ShadowBan => DecisionKind::UserShadowBanned,
        }
    }
}

/// Where a sanction applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Room(RoomId),
    Tenant,
}

impl Scope {
    pub fn room(&self) -> Option<&RoomId> {
        match self {
            Scope::Room(room) => Some(room),
            Scope::Tenant => None,
        }
    }

    /// Whether it applies in `room`.
    pub fn covers(&self, room: &RoomId) -> bool {
        match self {
            Scope::Room(r) => r == room,
            Scope::Tenant => true,
        }
    }
}

/// A sanction on a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub user: UserId,
    pub kind: SanctionKind,
    pub scope: Scope,
    /// When it ends (ms); `None` until lifted.
    pub until_ms: Option<i64>,
    pub reason: Option<String>,
    /// Who imposed it (`system` for escalation).
    pub by: String,
    /// Their role then (`None` for escalation): only someone of that rank or above
    /// may change or lift it.
    pub by_role: Option<Role>,
    pub at_ms: i64,
}

impl Sanction {
    pub fn in_force(&self, now_ms: i64) -> bool {
        self.until_ms.is_none_or(|until| until > now_ms)
    }

    /// Milliseconds left, `None` when it has no end.
    pub fn remaining_ms(&self, now_ms: i64) -> Option<i64> {
        self.until_ms.map(|until| (until - now_ms).max(0))
    }
}

/// The strongest sanction of `kind` in force for `room` among `sanctions`: one
/// without an end first, else the one ending last.
pub fn strongest<'a>(
    sanctions: &'a [Sanction],
    kind: SanctionKind,
    room: &RoomId,
    now_ms: i64,
) -> Option<&'a Sanction> {
    sanctions
        .iter()
        .filter(|s| s.kind == kind && s.scope.covers(room) && s.in_force(now_ms))
        .max_by_key(|s| s.until_ms.unwrap_or(i64::MAX))
}

/// "12 min", "45 s", "3 h 5 min": a remaining time for people.
pub fn human_duration(ms: i64) -> String {
    let s = (ms + 999) / 1000;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", (s + 59) / 60)
    } else if s < 86_400 {
        let (h, m) = (s / 3600, (s % 3600) / 60);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else {
        format!("{} d", (s + 86_399) / 86_400)
    }
}

/// Where a review item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
    Removed,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Removed => "removed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => ReviewStatus::Pending,
            "approved" => ReviewStatus::Approved,
            "rejected" => ReviewStatus::Rejected,
            "removed" => ReviewStatus::Removed,
            _ => return None,
        })
    }
}

/// How soon a moderator should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Normal,
    High,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "low" => Priority::Low,
            "normal" => Priority::Normal,
            "high" => Priority::High,
            _ => return None,
        })
    }
}

/// A message waiting for (or decided by) a moderator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    #[serde(skip)]
    pub tenant: TenantId,
    pub room: RoomId,
    pub message_id: MessageId,
    pub author_id: UserId,
    /// The stored text (personal data already masked).
    pub text: String,
    pub status: ReviewStatus,
    pub priority: Priority,
    pub reason: String,
    pub categories: Vec<String>,
    pub reports: u32,
    /// `createdAt` + the review SLA (default 4 h).
    #[serde(rename = "dueAt", serialize_with = "crate::time::serialize_time")]
    #[ts(type = "string")]
    pub due_at_ms: i64,
    #[serde(rename = "createdAt", serialize_with = "crate::time::serialize_time")]
    #[ts(type = "string")]
    pub created_at_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decided_by: Option<String>,
}

impl ReviewItem {
    /// This pending item seen again (flagged, reported): it keeps its place in the
    /// queue and its deadline; the priority only rises and categories accumulate.
    pub fn refreshed(&self, priority: Priority, categories: &[String]) -> Self {
        let mut item = self.clone();
        item.priority = priority.max(self.priority);
        for c in categories {
            if !item.categories.contains(c) {
                item.categories.push(c.clone());
            }
        }
        item
    }
}

/// Which review items to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub room: Option<RoomId>,
    /// `None`: every status.
    pub status: Option<ReviewStatus>,
    pub priority: Option<Priority>,
}

impl ReviewFilter {
    pub fn matches(&self, item: &ReviewItem) -> bool {
        self.room.as_ref().is_none_or(|r| r == &item.room)
            && self.status.is_none_or(|s| s == item.status)
            && self.priority.is_none_or(|p| p == item.priority)
    }
}

/// One page of the review queue, oldest (most urgent for a given priority) first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPage {
    pub items: Vec<ReviewItem>,
    /// Pass as `after` for the next page.
    pub next: Option<MessageId>,
}

impl ReviewPage {
    /// A page from up to `limit + 1` items: the one past the limit only says that
    /// there is a next page.
    pub fn from_overfetch(mut items: Vec<ReviewItem>, limit: usize) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|i| i.message_id)
        } else {
            None
        };
        Self { items, next }
    }
}

/// A user's report of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub tenant: TenantId,
    pub room: RoomId,
    pub message: MessageId,
    /// The message's author.
    pub author: UserId,
    pub reporter: UserId,
    pub reporter_role: Role,
    pub reason: String,
    pub at_ms: i64,
    pub correlation_id: Option<String>,
}

/// The result of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOutcome {
    /// Distinct users who have reported the message, this one included.
    pub reports: u32,
    /// False when this user had already reported it (nothing changed).
    pub new: bool,
}

/// What is known of a user beyond their token: kept from their last connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub user: UserId,
    pub name: String,
    /// The role of their last token.
    pub role: Role,
    pub last_seen_ms: i64,
}

/// The backstop on a decided review item: DynamoDB's TTL removes it this long
/// after its decision if retention has not (retention removes it within the hour
/// of the tenant's `retention.reviewDays`, at most 365).
pub const REVIEW_DECIDED_TTL_SECS: i64 = 366 * 24 * 3600;

/// How long a sanction that ended is kept (DynamoDB's TTL removes it then).
pub const SANCTION_KEPT_AFTER_END_SECS: i64 = 24 * 3600;

/// A user's sanctions in force and recent violations: what `send` reads of its
/// author in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserStanding {
    pub sanctions: Vec<Sanction>,
    pub violations: u32,
}

/// Where the violation window that contains `now_ms` starts.
pub fn violation_window_start(limits: &Limits, now_ms: i64) -> i64 {
    let window_ms = i64::try_from(limits.escalation_window.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    now_ms - now_ms.rem_euclid(window_ms)
}

/// An author's reputation from their tier and their recent violations: 0.5 for
/// no tier (unknown, or new), 0.6 / 0.7 / 0.8 for silver / gold / platinum, less
/// 0.1 per violation in the current window — so earned standing loosens the
/// inline stage's reputation thresholds and repeat offences tighten them, whatever
/// the tier.
pub fn reputation(tier: Tier, recent_violations: u32) -> f32 {
    let base = match tier {
        Tier::None => 0.5,
        Tier::Silver => 0.6,
        Tier::Gold => 0.7,
        Tier::Platinum => 0.8,
    };
    (base - 0.1 * recent_violations as f32).clamp(0.0, 1.0)
}

/// The fingerprint of a text for flood detection: FNV-1a (64 bits) of the text with
/// case, spacing and punctuation removed, so the same message typed again matches.
///
/// The value is persisted (a user's recent messages), so it must never change
/// between builds: FNV-1a is fixed by its definition, unlike `DefaultHasher`, whose
/// output the standard library may change in any release. Fingerprints stored by
/// builds that used `DefaultHasher` simply stop matching; they age out of the
/// ten-minute flood window.
pub fn fingerprint(text: &str) -> u64 {
    let mut hash = Fnv1a::default();
    let mut buf = [0u8; 4];
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        for lower in c.to_lowercase() {
            hash.write(lower.encode_utf8(&mut buf).as_bytes());
        }
    }
    hash.0
}

/// The 64-bit FNV-1a hash.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// What the asynchronous stage remembers of a user's latest messages, to see floods
/// and repeats across rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentMessage {
    pub room: RoomId,
    pub message: MessageId,
    /// The text's [`fingerprint`].
    pub fingerprint: u64,
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(1), "1 s");
        assert_eq!(human_duration(45_000), "45 s");
        assert_eq!(human_duration(60_000), "1 min");
        assert_eq!(human_duration(14 * 60_000 + 1), "15 min");
        assert_eq!(human_duration(3_600_000), "1 h");
        assert_eq!(human_duration(3_900_000), "1 h 5 min");
        assert_eq!(human_duration(86_400_000 * 2), "2 d");
    }

    #[test]
    fn fingerprints_are_fnv1a_of_the_normalised_text() {
        // FNV-1a's published test vectors: they pin the persisted values.
        assert_eq!(fingerprint(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fingerprint("foobar"), 0x85944171f73967e8);
        assert_eq!(fingerprint("Foo, BAR!"), fingerprint("foobar"));
        assert_ne!(fingerprint("foobar"), fingerprint("foobaz"));
    }

    #[test]
    fn repeat_offenders_lose_reputation() {
        assert_eq!(reputation(Tier::None, 0), 0.5);
        assert!((reputation(Tier::None, 3) - 0.2).abs() < 1e-6);
        assert_eq!(reputation(Tier::None, 9), 0.0);
        // A tier raises the start, not the cost of offending.
        assert!((reputation(Tier::Gold, 0) - 0.7).abs() < 1e-6);
        assert!((reputation(Tier::Gold, 2) - 0.5).abs() < 1e-6);
        assert_eq!(reputation(Tier::Platinum, 9), 0.0);
    }

    #[test]
    fn decision_kinds_round_trip() {
        for kind in DecisionKind::ALL {
            assert_eq!(DecisionKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                kind.detail_type(),
                format!("community.moderation.{}", kind.as_str())
            );
        }
        assert_eq!(DecisionKind::parse("nope"), None);
    }

    #[test]
    fn the_strongest_sanction_in_force_wins() {
        let room = RoomId::parse("r").unwrap();
        let other = RoomId::parse("o").unwrap();
        let user = UserId::derive(&TenantId::parse("t").unwrap(), "u");
        let s = |scope, until| Sanction {
            user: user.clone(),
            kind: SanctionKind::Mute,
            scope,
            until_ms: until,
            reason: None,
            by: "system".into(),
            by_role: None,
            at_ms: 0,
        };
        let all = [
            s(Scope::Room(room.clone()), Some(2_000)),
            s(Scope::Tenant, Some(5_000)),
            s(Scope::Room(other.clone()), None),
            s(Scope::Tenant, Some(500)),
        ];
        let found = strongest(&all, SanctionKind::Mute, &room, 1_000).unwrap();
        assert_eq!(found.until_ms, Some(5_000));
        assert!(strongest(&all, SanctionKind::Ban, &room, 1_000).is_none());
        assert_eq!(
            strongest(&all, SanctionKind::Mute, &other, 1_000)
                .unwrap()
                .until_ms,
            None
        );
        assert!(strongest(&all, SanctionKind::Mute, &room, 6_000).is_none());
    }
}
