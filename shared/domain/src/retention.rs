//! Retention: how long each class of item is kept, and the quarter-hour index the
//! scheduled `retention` function sweeps so that a run costs what expired, not
//! the table's size.
//!
//! Every item retention removes belongs to one [`Class`] and has a *reference
//! time*: a message's creation (its reactions and reports share it), a read
//! model's last change, a review item's decision, a decision's own time, a
//! connection's or membership's expiry. Items are indexed by tenant, class and day,
//! sorted by the quarter hour of their reference time. A quarter is swept once
//! every item in it is past the tenant's window for the class, so an item goes at
//! most one quarter plus the schedule's interval after its window ends, and a
//! tenant's changed window applies to what it already holds.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{RoomId, UserId};

/// The index's granularity: a quarter of an hour.
pub const QUARTER_MS: i64 = 15 * 60 * 1000;

const DAY_MS: i64 = 86_400_000;

/// Longest window a document may set (100 years).
pub const MAX_DAYS: u32 = 36_500;

/// Longest a decided review item may be kept (its TTL backstop is just over).
pub const MAX_REVIEW_DAYS: u32 = 365;

/// What an item is kept for, which sets its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Messages, and the reactions and reports on them (from the message's time).
    Messages,
    /// Scores, room scores, tier records and profiles (from their last change).
    ReadModels,
    /// Decided review items (from the decision).
    Reviews,
    /// The moderation decision record (from the decision).
    Audit,
    /// Connections and memberships (from their expiry: no window of their own).
    Live,
}

impl Class {
    pub const ALL: [Class; 5] = [
        Class::Messages,
        Class::ReadModels,
        Class::Reviews,
        Class::Audit,
        Class::Live,
    ];

    /// The class's name in index keys, checkpoints and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Messages => "messages",
            Class::ReadModels => "models",
            Class::Reviews => "reviews",
            Class::Audit => "audit",
            Class::Live => "live",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Class::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// A tenant's retention windows, in whole days (the `retention` section of its
/// settings document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Messages and their reactions and reports.
    pub messages_days: u32,
    /// Scores, leaderboard entries, tier records and profiles, from their last change.
    pub read_models_days: u32,
    /// Review items, from their decision.
    pub review_days: u32,
    /// The moderation decision record; at least `messagesDays`.
    pub audit_days: u32,
    /// What retention must keep whatever its age (litigation, an inquiry).
    pub legal_hold: LegalHold,
}

/// A legal hold: the whole tenant, or the items of some rooms or users, kept
/// past their windows until it is lifted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LegalHold {
    /// Nothing of the tenant is removed.
    pub tenant: bool,
    /// Room ids whose items (messages, reactions, reports, memberships,
    /// decisions and review items in them) are kept.
    pub rooms: BTreeSet<String>,
    /// Canonical user ids (`u_…`) whose items are kept: what they made, what is
    /// about them, their scores and profile.
    pub users: BTreeSet<String>,
}

/// Most rooms and most users one hold may name.
pub const MAX_HELD: usize = 100;

impl LegalHold {
    /// Whether an item of `room` naming `users` is held.
    pub fn holds<'a>(&self, room: Option<&str>, mut users: impl Iterator<Item = &'a str>) -> bool {
        self.tenant
            || room.is_some_and(|r| self.rooms.contains(r))
            || users.any(|u| self.users.contains(u))
    }

    pub fn is_empty(&self) -> bool {
        !self.tenant && self.rooms.is_empty() && self.users.is_empty()
    }
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            messages_days: 90,
            read_models_days: 365,
            review_days: 30,
            audit_days: 400,
            legal_hold: LegalHold::default(),
        }
    }
}

impl RetentionConfig {
    /// What a document may not say: a window under a day or over [`MAX_DAYS`], or
    /// an audit period shorter than the messages' window. The field's path and why.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        for (path, days) in [
            ("retention.messagesDays", self.messages_days),
            ("retention.readModelsDays", self.read_models_days),
            ("retention.reviewDays", self.review_days),
            ("retention.auditDays", self.audit_days),
        ] {
            let max = if path == "retention.reviewDays" {
                MAX_REVIEW_DAYS
            } else {
                MAX_DAYS
            };
            if !(1..=max).contains(&days) {
                return Some((
                    path,
                    format!("must be between 1 and {max} days, got {days}"),
                ));
            }
        }
        let hold = &self.legal_hold;
        if hold.rooms.len() > MAX_HELD || hold.users.len() > MAX_HELD {
            return Some((
                "retention.legalHold",
                format!("at most {MAX_HELD} rooms and {MAX_HELD} users"),
            ));
        }
        if let Some(bad) = hold.rooms.iter().find(|r| RoomId::parse(r).is_err()) {
            return Some((
                "retention.legalHold.rooms",
                format!("`{bad:.40}` is not a room id"),
            ));
        }
        if let Some(bad) = hold.users.iter().find(|u| UserId::parse(u).is_err()) {
            return Some((
                "retention.legalHold.users",
                format!("`{bad:.40}` is not a canonical user id (`u_` and 32 hex digits)"),
            ));
        }
        if self.audit_days < self.messages_days {
            return Some((
                "retention.auditDays",
                format!(
                    "must be at least messagesDays ({}), got {}",
                    self.messages_days, self.audit_days
                ),
            ));
        }
        None
    }

    /// How long after its reference time an item of `class` is kept.
    pub fn window_ms(&self, class: Class) -> i64 {
        let days = match class {
            Class::Messages => self.messages_days,
            Class::ReadModels => self.read_models_days,
            Class::Reviews => self.review_days,
            Class::Audit => self.audit_days,
            Class::Live => return 0,
        };
        i64::from(days) * DAY_MS
    }

    /// Whether an item of `class` with this reference time is past its window.
    pub fn is_expired(&self, class: Class, reference_ms: i64, now_ms: i64) -> bool {
        reference_ms.saturating_add(self.window_ms(class)) <= now_ms
    }

    /// The latest quarter whose every item of `class` is past its window at
    /// `now_ms`: quarter `q` holds reference times in `[q·Q, (q+1)·Q)`.
    pub fn last_expired_quarter(&self, class: Class, now_ms: i64) -> i64 {
        quarter_of(now_ms.saturating_sub(self.window_ms(class))) - 1
    }
}

/// The quarter hour a time falls in.
pub fn quarter_of(ms: i64) -> i64 {
    ms.div_euclid(QUARTER_MS)
}

/// Quarters in a day: the index keeps a tenant's class by day, sorted by quarter.
pub const QUARTERS_PER_DAY: i64 = 96;

/// The day (since the epoch) a quarter falls in.
pub fn day_of_quarter(quarter: i64) -> i64 {
    quarter.div_euclid(QUARTERS_PER_DAY)
}

/// How many index partitions a tenant's class and quarter is spread over, so a
/// busy tenant's writes are not all on one index partition.
pub const INDEX_SHARDS: u32 = 4;

/// The index shard of an item, from its identity (stable across builds: FNV-1a).
pub fn shard_of(identity: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in identity.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % INDEX_SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_is_swept_once_its_last_item_is_past_the_window() {
        let config = RetentionConfig::default();
        let window = config.window_ms(Class::Messages);
        let reference = 5 * QUARTER_MS + 7 * 60_000; // inside quarter 5
                                                     // The quarter's last possible item expires at 6·Q + window.
        assert_eq!(
            config.last_expired_quarter(Class::Messages, 6 * QUARTER_MS + window - 1),
            4
        );
        assert_eq!(
            config.last_expired_quarter(Class::Messages, 6 * QUARTER_MS + window),
            5
        );
        assert!(config.is_expired(Class::Messages, reference, reference + window));
        assert!(!config.is_expired(Class::Messages, reference, reference + window - 1));
        // Live items are indexed by their expiry: no window.
        assert_eq!(config.window_ms(Class::Live), 0);
        assert_eq!(config.last_expired_quarter(Class::Live, 6 * QUARTER_MS), 5);
    }

    #[test]
    fn windows_under_a_day_and_short_audits_are_refused() {
        assert_eq!(RetentionConfig::default().problem(), None);
        let zero = RetentionConfig {
            review_days: 0,
            ..RetentionConfig::default()
        };
        assert_eq!(zero.problem().map(|p| p.0), Some("retention.reviewDays"));
        let short_audit = RetentionConfig {
            messages_days: 120,
            audit_days: 100,
            ..RetentionConfig::default()
        };
        assert_eq!(
            short_audit.problem().map(|p| p.0),
            Some("retention.auditDays")
        );
        let mut bad_room = RetentionConfig::default();
        bad_room.legal_hold.rooms.insert("a#b".into());
        assert_eq!(
            bad_room.problem().map(|p| p.0),
            Some("retention.legalHold.rooms")
        );
        let mut bad_user = RetentionConfig::default();
        bad_user.legal_hold.users.insert("ada".into());
        assert_eq!(
            bad_user.problem().map(|p| p.0),
            Some("retention.legalHold.users")
        );
        let mut held = RetentionConfig::default();
        held.legal_hold.rooms.insert("match:1".into());
        held.legal_hold
            .users
            .insert("u_0123456789abcdef0123456789abcdef".into());
        assert_eq!(held.problem(), None);
        let hold = &held.legal_hold;
        assert!(hold.holds(Some("match:1"), std::iter::empty()));
        assert!(hold.holds(None, ["u_0123456789abcdef0123456789abcdef"].into_iter()));
        assert!(!hold.holds(
            Some("match:2"),
            ["u_ffffffffffffffffffffffffffffffff"].into_iter()
        ));
    }

    #[test]
    fn classes_round_trip_and_shards_stay_in_range() {
        for class in Class::ALL {
            assert_eq!(Class::parse(class.as_str()), Some(class));
        }
        assert_eq!(Class::parse("nope"), None);
        let shards: std::collections::BTreeSet<u32> =
            (0..200).map(|i| shard_of(&format!("item-{i}"))).collect();
        assert_eq!(shards.len(), INDEX_SHARDS as usize);
    }
}
