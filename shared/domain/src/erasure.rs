//! Right to erasure (GDPR Art. 17): a request's life, what it erases, and the
//! receipt it leaves.
//!
//! A request is named by its tenant and the user's keyed hash, so asking twice is
//! the same request. It names the user (`user`) only while it is open; once
//! completed it holds the keyed hash alone, as the moderation record and the
//! erasure ledger do. Its [`Receipt`] counts what was erased per kind, with times,
//! and is chained: each receipt holds the hash of the tenant's previous one, so a
//! receipt removed or altered shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{derived_uuid, TenantId, UserId};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErasureStatus {
    /// Accepted; the next retention run starts it.
    Pending,
    /// Connections closed and refused; items being erased.
    Running,
    /// Everything erased; the receipt is written.
    Completed,
    /// A legal hold names the tenant or the user: waits until it is lifted.
    Blocked,
    /// Items kept failing after [`MAX_ATTEMPTS`] runs; the request stays open and
    /// is retried by every run, so it is never left half-done.
    Failed,
}

impl ErasureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureStatus::Pending => "pending",
            ErasureStatus::Running => "running",
            ErasureStatus::Completed => "completed",
            ErasureStatus::Blocked => "blocked",
            ErasureStatus::Failed => "failed",
        }
    }

    /// Whether retention runs still have work on it.
    pub fn is_open(self) -> bool {
        self != ErasureStatus::Completed
    }
}

/// Runs with failures after which a request reads `failed` (it keeps being
/// retried).
pub const MAX_ATTEMPTS: u32 = 5;

/// How long after completion a request is checked again for anything that came
/// back (a late write, a replay).
pub const RECHECK_AFTER_MS: i64 = 24 * 3_600_000;

/// What erasure counts, per kind of item.
pub mod kinds {
    /// Messages turned into tombstones (text, author and name gone).
    pub const MESSAGES: &str = "messages";
    /// The user's reactions removed (the messages' counts corrected).
    pub const REACTIONS: &str = "reactions";
    /// Reports the user made, removed.
    pub const REPORTS: &str = "reports";
    /// The user's poll votes, removed (and taken out of the tallies of polls
    /// still open; a closed poll's result stands).
    pub const VOTES: &str = "votes";
    /// Polls the user created, whose creator became the erased author.
    pub const POLLS: &str = "pollsCreated";
    /// Moderation decisions about the user, whose subject became the keyed hash
    /// and whose reason went.
    pub const DECISIONS: &str = "decisionsPseudonymised";
    /// What the user did as a moderator: decisions they made (the actor
    /// becomes the keyed hash), with the sanction they imposed and the review
    /// item they decided.
    pub const ACTS: &str = "actsPseudonymised";
    /// Review items about the user's messages, whose text went.
    pub const REVIEWS: &str = "reviewItemsScrubbed";
    /// Profile, recent-message list, pseudonym.
    pub const PROFILE: &str = "profile";
    /// Connections and room memberships.
    pub const CONNECTIONS: &str = "connections";
    /// Sanctions in force or ended.
    pub const SANCTIONS: &str = "sanctions";
    /// Rate, violation and slow-mode counters, client message ids.
    pub const COUNTERS: &str = "counters";
    /// Scores, room scores (leaderboard entries), tier record, score buckets.
    pub const SCORES: &str = "scores";
    /// Old versions of the tenant's settings whose legal hold named the user
    /// (the name taken out; the hold's decisions keep the keyed hash).
    pub const SETTINGS: &str = "settingsVersions";
}

/// The id of a user's `generation`th erasure in `tenant` (from 0), from the
/// user's keyed hash: a user who came back after an erasure can be erased again.
pub fn erasure_id(tenant: &TenantId, subject: &str, generation: u32) -> String {
    let name = match generation {
        0 => format!("erasure\u{1f}{tenant}\u{1f}{subject}"),
        n => format!("erasure\u{1f}{tenant}\u{1f}{subject}\u{1f}{n}"),
    };
    derived_uuid(&name).as_hyphenated().to_string()
}

/// Erasures of one user a tenant may ask for.
pub const MAX_GENERATIONS: u32 = 1_000;

/// Whether `raw` is shaped as an erasure id (a hyphenated UUID).
pub fn is_erasure_id(raw: &str) -> bool {
    raw.len() == 36 && uuid::Uuid::parse_str(raw).is_ok()
}

/// The author of a message whose author was erased: no user.
pub fn erased_author() -> UserId {
    // 32 zero digits: never the output of `UserId::derive` in practice, and
    // parses as a user id so a tombstone reads as a message.
    UserId::parse("u_00000000000000000000000000000000").unwrap_or_else(|_| unreachable!())
}

/// An erasure request as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureRequest {
    pub request_id: String,
    pub tenant: TenantId,
    /// The user, while the request is open; `None` once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The user, sealed under the tenant's key, from completion until the
    /// re-check (which needs to find them) drops it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_user: Option<String>,
    /// The pseudonym the user's events carried, for `community.user.erased`
    /// (analytics tools know them by it); dropped at the re-check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// The user's keyed hash (`h_…`): what the ledger and the audit keep.
    pub subject: String,
    pub status: ErasureStatus,
    /// Why it is blocked or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub requested_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at_ms: Option<i64>,
    /// What the run that started it found to erase, per kind (see [`kinds`]);
    /// later finds (a write that raced the start) are added.
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    /// Rooms the user's items were in (for the per-room keys).
    #[serde(default)]
    pub rooms: Vec<String>,
    /// Runs that ended with items failing.
    #[serde(default)]
    pub attempts: u32,
    /// Items that failed in the last run.
    #[serde(default)]
    pub failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// The check a day after completion: when, and what it found (and erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rechecked_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck_found: Option<u64>,
    /// Optimistic-lock version: every save expects the one it read.
    #[serde(default)]
    pub version: u64,
}

impl ErasureRequest {
    /// A new request for `user`, pending (or blocked when `hold` says why).
    pub fn new(
        tenant: TenantId,
        user: UserId,
        subject: String,
        generation: u32,
        now_ms: i64,
        hold: Option<String>,
    ) -> Self {
        Self {
            request_id: erasure_id(&tenant, &subject, generation),
            tenant,
            user: Some(user),
            sealed_user: None,
            pseudonym: None,
            subject,
            status: if hold.is_some() {
                ErasureStatus::Blocked
            } else {
                ErasureStatus::Pending
            },
            reason: hold,
            requested_at_ms: now_ms,
            started_at_ms: None,
            completed_at_ms: None,
            counts: BTreeMap::new(),
            rooms: Vec::new(),
            attempts: 0,
            failed: 0,
            receipt: None,
            rechecked_at_ms: None,
            recheck_found: None,
            version: 0,
        }
    }

    /// Whether a run has work on it at `now_ms`: open, or completed and due for
    /// its re-check.
    pub fn due(&self, now_ms: i64) -> bool {
        self.status.is_open()
            || (self.rechecked_at_ms.is_none()
                && self
                    .completed_at_ms
                    .is_some_and(|at| now_ms >= at + RECHECK_AFTER_MS))
    }
}

/// The note a completion leaves for the outbox (`community.user.erased`): the
/// request and the pseudonym the user's events carried. Kept a week (its TTL),
/// so a replayed stream still finds it, then gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureDone {
    pub tenant: TenantId,
    pub request_id: String,
    pub pseudonym: Option<String>,
    pub at_ms: i64,
}

/// How long a completion's note is kept.
pub const DONE_NOTE_TTL_S: i64 = 7 * 86_400;

/// A completed erasure's proof: counts and times, nothing that names the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub request_id: String,
    pub tenant_id: String,
    /// Its place in the tenant's chain, from 1.
    pub seq: u64,
    pub requested_at: String,
    pub started_at: String,
    pub completed_at: String,
    pub counts: BTreeMap<String, u64>,
    /// The previous receipt's `hash` (64 zeros for the first).
    pub previous_hash: String,
    /// SHA-256 (hex) of [`Receipt::canonical`].
    pub hash: String,
}

/// The `previous_hash` of a tenant's first receipt.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Receipt {
    /// The bytes the hash covers: every field but `hash`, in a fixed order.
    pub fn canonical(&self) -> Vec<u8> {
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "sideline.erasure-receipt/1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.request_id,
            self.tenant_id,
            self.seq,
            self.requested_at,
            self.started_at,
            self.completed_at,
            counts.join(","),
            self.previous_hash
        )
        .into_bytes()
    }
}

/// The head of a tenant's receipt chain: the last receipt's place and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_request_per_tenant_and_subject() {
        let a = TenantId::parse("a").unwrap();
        let b = TenantId::parse("b").unwrap();
        assert_eq!(erasure_id(&a, "h_1", 0), erasure_id(&a, "h_1", 0));
        assert_ne!(erasure_id(&a, "h_1", 0), erasure_id(&a, "h_2", 0));
        assert_ne!(erasure_id(&a, "h_1", 0), erasure_id(&b, "h_1", 0));
        assert_ne!(erasure_id(&a, "h_1", 0), erasure_id(&a, "h_1", 1));
        assert!(is_erasure_id(&erasure_id(&a, "h_1", 0)));
        assert!(!is_erasure_id("nope"));
        assert!(!is_erasure_id("../../etc/passwd-0000-0000-0000-0000000"));
    }

    #[test]
    fn due_while_open_and_once_for_the_recheck() {
        let t = TenantId::parse("a").unwrap();
        let u = UserId::derive(&t, "x");
        let mut r = ErasureRequest::new(t, u, "h_1".into(), 0, 0, None);
        assert!(r.due(0));
        r.status = ErasureStatus::Completed;
        r.completed_at_ms = Some(10);
        assert!(!r.due(10));
        assert!(r.due(10 + RECHECK_AFTER_MS));
        r.rechecked_at_ms = Some(10 + RECHECK_AFTER_MS);
        assert!(!r.due(20 + RECHECK_AFTER_MS));
    }

    #[test]
    fn the_canonical_form_covers_every_field_but_the_hash() {
        let mut r = Receipt {
            request_id: "r".into(),
            tenant_id: "t".into(),
            seq: 1,
            requested_at: "a".into(),
            started_at: "b".into(),
            completed_at: "c".into(),
            counts: BTreeMap::from([("messages".into(), 3)]),
            previous_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let first = r.canonical();
        r.hash = "x".into();
        assert_eq!(first, r.canonical());
        r.counts.insert("messages".into(), 4);
        assert_ne!(first, r.canonical());
        r.counts.insert("messages".into(), 3);
        r.seq = 2;
        assert_ne!(first, r.canonical());
    }
}
