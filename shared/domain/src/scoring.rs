//! Engagement scoring, the pure part: exact exponential decay kept in O(1) per
//! contribution, daily caps that do not depend on the order events arrive in, and
//! tiers with hysteresis.
//!
//! A score is `S(t) = Σ wᵢ·e^(−λ(t−tᵢ))`, `λ` per day. It is kept as [`Decayed`]: its
//! value at one reference time, which any other time's value follows from exactly.
//! Adding a contribution moves the later of the two reference times forward, so the
//! result is the same sum whatever order contributions come in (up to floating
//! point, far below 1e-9 relative), and the same again when they are replayed.
//!
//! This differs from the common `raw × e^(−λ·daysSinceLastActivity)`: that decays
//! every point from the *last* activity, so one new point revives the whole history
//! at full value, and the result depends on the order and the timing of reads.
//! Here each contribution decays from its own time.
//!
//! Caps bound what a day can earn. Contributions are kept in buckets — one per user,
//! kind and UTC day for one's own actions, one per author, giver and day for credit
//! received — each holding its raw points and its decayed sum; a bucket over its cap
//! counts `cap / raw` of its decayed sum. A bucket's credit is a function of the set
//! of its contributions, not of their order, so capping stays order-independent and
//! a contribution (or a reversal) costs O(1): the bucket's credit is replaced in the
//! score.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::UserId;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A quantity that decays exponentially: its value at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decayed {
    pub value: f64,
    pub at_ms: i64,
}

impl Decayed {
    pub const ZERO: Decayed = Decayed {
        value: 0.0,
        at_ms: 0,
    };

    pub fn new(value: f64, at_ms: i64) -> Self {
        Self { value, at_ms }
    }

    /// The value at `t_ms` (before `at_ms` too: it was larger then).
    pub fn at(&self, t_ms: i64, decay_per_day: f64) -> f64 {
        if self.value == 0.0 {
            return 0.0;
        }
        let days = (t_ms as f64 - self.at_ms as f64) / DAY_MS as f64;
        self.value * (-decay_per_day * days).exp()
    }

    /// The same quantity, referred to `t_ms`.
    pub fn moved_to(&self, t_ms: i64, decay_per_day: f64) -> Self {
        Self::new(self.at(t_ms, decay_per_day), t_ms)
    }

    /// The sum, referred to the later of the two times (so values never grow by
    /// being moved, which keeps them far from overflow).
    pub fn plus(&self, other: &Decayed, decay_per_day: f64) -> Self {
        if other.value == 0.0 {
            return *self;
        }
        if self.value == 0.0 {
            return *other;
        }
        let t = self.at_ms.max(other.at_ms);
        Self::new(self.at(t, decay_per_day) + other.at(t, decay_per_day), t)
    }

    pub fn minus(&self, other: &Decayed, decay_per_day: f64) -> Self {
        self.plus(&Decayed::new(-other.value, other.at_ms), decay_per_day)
    }

    /// When an idle score falls to `threshold` (> 0): `t + ln(S/θ)/λ`; `None` if it
    /// is not above it now or never decays.
    pub fn crosses_at(&self, threshold: f64, decay_per_day: f64) -> Option<i64> {
        if threshold <= 0.0 || self.value <= threshold || decay_per_day <= 0.0 {
            return None;
        }
        let days = (self.value / threshold).ln() / decay_per_day;
        Some(self.at_ms.saturating_add((days * DAY_MS as f64) as i64))
    }
}

/// What a contribution is for, as far as caps and weights go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A message that starts a thread (no `replyTo`).
    ThreadStart,
    /// A reply.
    Reply,
    /// A reaction given.
    Reaction,
    /// A moderator's decision.
    ModeratorDecision,
    /// A reaction from someone else to one's message.
    ReactionReceived,
    /// A reply from someone else to one's message.
    ReplyReceived,
    /// Host product events (`product.*`), weighted by name.
    Product,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ThreadStart => "thread_start",
            Kind::Reply => "reply",
            Kind::Reaction => "reaction",
            Kind::ModeratorDecision => "moderator_decision",
            Kind::ReactionReceived => "reaction_received",
            Kind::ReplyReceived => "reply_received",
            Kind::Product => "product",
        }
    }

    pub const ALL: [Kind; 7] = [
        Kind::ThreadStart,
        Kind::Reply,
        Kind::Reaction,
        Kind::ModeratorDecision,
        Kind::ReactionReceived,
        Kind::ReplyReceived,
        Kind::Product,
    ];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where a user's score comes from now: each part's credit decayed to `now_ms`
/// (`own` kinds by name, `received` for credit from others, `penalties`), summing
/// to the score.
pub fn breakdown(
    buckets: &[(BucketKey, Bucket)],
    config: &ScoringConfig,
    now_ms: i64,
) -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    for (key, bucket) in buckets {
        let name = match key {
            BucketKey::Own { kind, .. } => kind.as_str(),
            BucketKey::Given { .. } => "received",
            BucketKey::Uncapped { .. } => "penalties",
        };
        let credit = bucket
            .credit(cap_of(key, config))
            .at(now_ms, config.decay_per_day);
        *out.entry(name).or_insert(0.0) += credit;
    }
    out
}

/// Weights, caps and decay. Defaults are the documented ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ScoringConfig {
    /// λ, per day.
    pub decay_per_day: f64,
    pub thread_start: f64,
    pub reply: f64,
    pub reaction: f64,
    pub moderator_decision: f64,
    pub reaction_received: f64,
    pub reply_received: f64,
    /// What a message removed by moderation costs, besides its own points.
    pub removal_penalty: f64,
    /// What a blocked message (a violation that stored nothing) costs.
    pub violation_penalty: f64,
    /// Points one user may earn per kind per UTC day.
    pub daily_cap_per_kind: f64,
    /// Points one user may give one author per UTC day.
    pub daily_cap_per_giver: f64,
    /// Weights of host product events by name (`video_watched`: 2); none by default.
    pub product_events: BTreeMap<String, f64>,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        Self {
            decay_per_day: 0.05,
            thread_start: 10.0,
            reply: 5.0,
            reaction: 1.0,
            moderator_decision: 3.0,
            reaction_received: 1.0,
            reply_received: 2.0,
            removal_penalty: 10.0,
            violation_penalty: 5.0,
            daily_cap_per_kind: 200.0,
            daily_cap_per_giver: 5.0,
            product_events: BTreeMap::new(),
        }
    }
}

/// Something that happened, as scoring needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub enum Activity {
    /// A message stored, and what it replies to.
    MessageSent {
        author: UserId,
        parent: Parent,
    },
    ReactionAdded {
        reactor: UserId,
        author: UserId,
    },
    /// Reverses a reaction: the same points, taken back at the reaction's own time.
    ReactionRemoved {
        reactor: UserId,
        author: UserId,
        added_at_ms: i64,
    },
    ModeratorDecision {
        moderator: UserId,
    },
    /// A message removed by moderation: its own points are reversed (at the time it
    /// was sent) and its author pays the removal penalty.
    MessageRemoved {
        author: UserId,
        parent: Parent,
        sent_at_ms: i64,
    },
    /// A violation that stored nothing (a blocked message): the violation penalty.
    Violation {
        user: UserId,
    },
    /// A host product event, weighted by its name (`productEvents`; unnamed: 0).
    Product {
        user: UserId,
        name: String,
    },
}

/// What a message replies to, as far as credit goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// Nothing: the message starts a thread.
    None,
    /// A message by this author.
    Author(UserId),
    /// A message that is gone: still a reply, crediting no one.
    Unknown,
}

impl From<Option<UserId>> for Parent {
    fn from(author: Option<UserId>) -> Self {
        author.map_or(Parent::None, Parent::Author)
    }
}

/// Where a contribution is capped: one's own kind per day, or what one giver gives
/// one author per day, or nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BucketKey {
    Own {
        user: UserId,
        kind: Kind,
        day: i64,
    },
    Given {
        author: UserId,
        giver: UserId,
        day: i64,
    },
    Uncapped {
        user: UserId,
    },
}

impl BucketKey {
    pub fn user(&self) -> &UserId {
        match self {
            BucketKey::Own { user, .. } | BucketKey::Uncapped { user } => user,
            BucketKey::Given { author, .. } => author,
        }
    }
}

/// One user's points from one activity, before caps.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub bucket: BucketKey,
    pub points: f64,
    pub at_ms: i64,
}

fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// The contributions an activity at `at_ms` makes. Self-reactions and self-replies
/// score nothing; a reversal lands in the bucket (and at the time) of what it
/// reverses, so a reaction toggled on and off nets nothing and never more than one
/// reaction's weight.
pub fn contributions(activity: &Activity, at_ms: i64, config: &ScoringConfig) -> Vec<Contribution> {
    let own = |user: &UserId, kind: Kind, points: f64, at: i64| Contribution {
        bucket: BucketKey::Own {
            user: user.clone(),
            kind,
            day: day_of(at),
        },
        points,
        at_ms: at,
    };
    let given = |author: &UserId, giver: &UserId, points: f64, at: i64| Contribution {
        bucket: BucketKey::Given {
            author: author.clone(),
            giver: giver.clone(),
            day: day_of(at),
        },
        points,
        at_ms: at,
    };
    let message = |author: &UserId, parent: &Parent, sign: f64, at: i64| {
        let mut out = Vec::new();
        match parent {
            Parent::None => out.push(own(
                author,
                Kind::ThreadStart,
                sign * config.thread_start,
                at,
            )),
            Parent::Author(parent) if parent == author => {} // a self-reply scores nothing
            Parent::Author(parent) => {
                out.push(own(author, Kind::Reply, sign * config.reply, at));
                out.push(given(parent, author, sign * config.reply_received, at));
            }
            Parent::Unknown => out.push(own(author, Kind::Reply, sign * config.reply, at)),
        }
        out
    };
    match activity {
        Activity::MessageSent { author, parent } => message(author, parent, 1.0, at_ms),
        Activity::ReactionAdded { reactor, author } if reactor != author => vec![
            own(reactor, Kind::Reaction, config.reaction, at_ms),
            given(author, reactor, config.reaction_received, at_ms),
        ],
        Activity::ReactionRemoved {
            reactor,
            author,
            added_at_ms,
        } if reactor != author => vec![
            own(reactor, Kind::Reaction, -config.reaction, *added_at_ms),
            given(author, reactor, -config.reaction_received, *added_at_ms),
        ],
        Activity::ReactionAdded { .. } | Activity::ReactionRemoved { .. } => Vec::new(),
        Activity::ModeratorDecision { moderator } => vec![own(
            moderator,
            Kind::ModeratorDecision,
            config.moderator_decision,
            at_ms,
        )],
        Activity::MessageRemoved {
            author,
            parent,
            sent_at_ms,
        } => {
            let mut out = message(author, parent, -1.0, *sent_at_ms);
            out.push(Contribution {
                bucket: BucketKey::Uncapped {
                    user: author.clone(),
                },
                points: -config.removal_penalty,
                at_ms,
            });
            out
        }
        Activity::Violation { user } => vec![Contribution {
            bucket: BucketKey::Uncapped { user: user.clone() },
            points: -config.violation_penalty,
            at_ms,
        }],
        Activity::Product { user, name } => match config.product_events.get(name) {
            Some(weight) if *weight != 0.0 => vec![own(user, Kind::Product, *weight, at_ms)],
            _ => Vec::new(),
        },
    }
}

/// The scoring settings each user is weighed and capped by: the same for all (a
/// [`ScoringConfig`]), or each user's experiment arm's (a tenant's document). The
/// decay is one for all: boards order every user under it.
pub trait ScoringFor {
    fn scoring_for(&self, user: &UserId) -> &ScoringConfig;
    fn decay_per_day(&self) -> f64;
}

impl ScoringFor for ScoringConfig {
    fn scoring_for(&self, _: &UserId) -> &ScoringConfig {
        self
    }

    fn decay_per_day(&self) -> f64 {
        self.decay_per_day
    }
}

/// The contributions an activity at `at_ms` makes, each user's weighed by their
/// own settings (their experiment variant's, if enrolled; see [`contributions`]).
pub fn contributions_for(
    activity: &Activity,
    at_ms: i64,
    config: &impl ScoringFor,
) -> Vec<Contribution> {
    let mut out = Vec::new();
    for user in activity.users() {
        out.extend(
            contributions(activity, at_ms, config.scoring_for(user))
                .into_iter()
                .filter(|c| c.bucket.user() == user),
        );
    }
    out
}

impl Activity {
    /// The users an activity may credit or charge, each once.
    pub fn users(&self) -> Vec<&UserId> {
        let mut users: Vec<&UserId> = match self {
            Activity::MessageSent { author, parent }
            | Activity::MessageRemoved { author, parent, .. } => match parent {
                Parent::Author(parent) => vec![author, parent],
                Parent::None | Parent::Unknown => vec![author],
            },
            Activity::ReactionAdded { reactor, author }
            | Activity::ReactionRemoved {
                reactor, author, ..
            } => vec![reactor, author],
            Activity::ModeratorDecision { moderator: user }
            | Activity::Violation { user }
            | Activity::Product { user, .. } => vec![user],
        };
        users.dedup();
        users
    }
}

/// A bucket's contributions: their raw points and their decayed sum.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    pub raw: f64,
    pub sum: Option<Decayed>,
}

impl Bucket {
    pub fn with(&self, c: &Contribution, decay_per_day: f64) -> Self {
        let added = Decayed::new(c.points, c.at_ms);
        Self {
            raw: self.raw + c.points,
            sum: Some(match &self.sum {
                Some(sum) => sum.plus(&added, decay_per_day),
                None => added,
            }),
        }
    }

    /// What the bucket counts for in the score: all of it, or `cap / raw` of it
    /// when its raw points exceed `cap`.
    pub fn credit(&self, cap: Option<f64>) -> Decayed {
        let Some(sum) = self.sum else {
            return Decayed::ZERO;
        };
        match cap {
            Some(cap) if self.raw > cap && self.raw > 0.0 => {
                Decayed::new(sum.value * (cap / self.raw), sum.at_ms)
            }
            _ => sum,
        }
    }
}

/// The cap of a bucket under `config`.
pub fn cap_of(key: &BucketKey, config: &ScoringConfig) -> Option<f64> {
    match key {
        BucketKey::Own { .. } => Some(config.daily_cap_per_kind),
        BucketKey::Given { .. } => Some(config.daily_cap_per_giver),
        BucketKey::Uncapped { .. } => None,
    }
}

/// A user's score after a bucket changed: the bucket's old credit out, its new one
/// in. O(1), whatever the history.
pub fn rescore(
    score: &Decayed,
    before: &Bucket,
    after: &Bucket,
    cap: Option<f64>,
    decay_per_day: f64,
) -> Decayed {
    score
        .minus(&before.credit(cap), decay_per_day)
        .plus(&after.credit(cap), decay_per_day)
}

/// The buckets and scores an event touches, as a store reads them before writing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Touched {
    pub buckets: BTreeMap<BucketKey, Bucket>,
    pub scores: BTreeMap<UserId, Decayed>,
    /// What `apply` credited each user, each change of credit valued at its
    /// contribution's own time (undecayed points, caps applied): what windowed
    /// boards add. A reaction toggled off nets to zero here too.
    pub earned: BTreeMap<UserId, f64>,
}

impl Touched {
    /// The bucket keys and users `contributions` touch: what to read first.
    pub fn keys(contributions: &[Contribution]) -> (Vec<BucketKey>, Vec<UserId>) {
        let buckets: BTreeSet<BucketKey> = contributions.iter().map(|c| c.bucket.clone()).collect();
        let users: BTreeSet<UserId> = buckets.iter().map(|b| b.user().clone()).collect();
        (buckets.into_iter().collect(), users.into_iter().collect())
    }

    /// What `contributions` touch as they stand, read through `bucket` and `score`
    /// (`None`: nothing yet).
    pub fn gather(
        contributions: &[Contribution],
        bucket: impl Fn(&BucketKey) -> Option<Bucket>,
        score: impl Fn(&UserId) -> Option<Decayed>,
    ) -> Self {
        let (buckets, users) = Self::keys(contributions);
        Self {
            buckets: buckets
                .into_iter()
                .filter_map(|k| Some((k.clone(), bucket(&k)?)))
                .collect(),
            scores: users
                .into_iter()
                .filter_map(|u| Some((u.clone(), score(&u)?)))
                .collect(),
            earned: BTreeMap::new(),
        }
    }

    /// Adds the contributions: each bucket takes its points, and its user's score
    /// trades the bucket's old credit for its new one. Missing entries start empty.
    pub fn apply(&mut self, contributions: &[Contribution], config: &ScoringConfig) {
        self.apply_capped(contributions, config.decay_per_day, |_| config);
    }

    /// [`Touched::apply`] with each bucket capped by its user's settings (their
    /// experiment variant's, if enrolled).
    pub fn apply_for(&mut self, contributions: &[Contribution], config: &impl ScoringFor) {
        self.apply_capped(contributions, config.decay_per_day(), |user| {
            config.scoring_for(user)
        });
    }

    fn apply_capped<'a>(
        &mut self,
        contributions: &[Contribution],
        lambda: f64,
        config_of: impl Fn(&UserId) -> &'a ScoringConfig,
    ) {
        for c in contributions {
            let cap = cap_of(&c.bucket, config_of(c.bucket.user()));
            let before = self.buckets.get(&c.bucket).copied().unwrap_or_default();
            let after = before.with(c, lambda);
            let score = self
                .scores
                .get(c.bucket.user())
                .copied()
                .unwrap_or(Decayed::ZERO);
            self.scores.insert(
                c.bucket.user().clone(),
                rescore(&score, &before, &after, cap, lambda),
            );
            let change = after
                .credit(cap)
                .minus(&before.credit(cap), lambda)
                .at(c.at_ms, lambda);
            *self.earned.entry(c.bucket.user().clone()).or_default() += change;
            self.buckets.insert(c.bucket.clone(), after);
        }
    }
}

/// Scores in memory: what a scoring store keeps (scores, buckets, seen event ids),
/// for tests and rebuilds.
#[derive(Debug, Clone, Default)]
pub struct Ledger<C = ScoringConfig> {
    /// The settings it scores with (each user's variant's, if enrolled).
    pub config: C,
    scores: HashMap<UserId, Decayed>,
    buckets: HashMap<BucketKey, Bucket>,
    seen: HashSet<String>,
}

impl Ledger {
    pub fn new(scoring: ScoringConfig) -> Self {
        Self::with_config(scoring)
    }
}

impl<C: ScoringFor> Ledger<C> {
    /// A ledger that scores as these settings do (a tenant's document: each user
    /// by their arm).
    pub fn with_config(config: C) -> Self {
        Self {
            config,
            scores: HashMap::new(),
            buckets: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    /// Scores an activity once per `event_id`; false for a repeat.
    pub fn record(&mut self, event_id: &str, activity: &Activity, at_ms: i64) -> bool {
        let made = contributions_for(activity, at_ms, &self.config);
        self.record_contributions(event_id, &made)
    }

    /// Adds one event's contributions once per `event_id`, as a store does; false
    /// for a repeat.
    pub fn record_contributions(&mut self, event_id: &str, made: &[Contribution]) -> bool {
        if !self.seen.insert(event_id.to_owned()) {
            return false;
        }
        let made = made.to_vec();
        let mut touched = Touched::gather(
            &made,
            |k| self.buckets.get(k).copied(),
            |u| self.scores.get(u).copied(),
        );
        touched.apply_for(&made, &self.config);
        self.buckets.extend(touched.buckets);
        self.scores.extend(touched.scores);
        true
    }

    /// Every user's score as kept (its value at the time it refers to).
    pub fn scores(&self) -> impl Iterator<Item = (&UserId, &Decayed)> {
        self.scores.iter()
    }

    /// A user's score at `t_ms`.
    pub fn score(&self, user: &UserId, t_ms: i64) -> f64 {
        self.scores
            .get(user)
            .map_or(0.0, |s| s.at(t_ms, self.config.decay_per_day()))
    }
}

/// Reputation tiers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    None,
    Silver,
    Gold,
    Platinum,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::None, Tier::Silver, Tier::Gold, Tier::Platinum];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The tier above this one.
    pub fn next_up(self) -> Option<Tier> {
        match self {
            Tier::None => Some(Tier::Silver),
            Tier::Silver => Some(Tier::Gold),
            Tier::Gold => Some(Tier::Platinum),
            Tier::Platinum => None,
        }
    }
}

/// Tier thresholds and their hysteresis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TierConfig {
    pub silver: f64,
    pub gold: f64,
    pub platinum: f64,
    /// Demoted only below the threshold less this share of it.
    pub demotion_margin: f64,
    /// Never demoted this soon after a promotion.
    pub min_days_before_demotion: i64,
    /// Thresholds as percentiles of the tenant's active users instead: recomputed
    /// by the scheduled pass ([`TierCuts`]); `silver` / `gold` / `platinum` hold
    /// until there are enough active users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percentiles: Option<Percentiles>,
    /// Who is active for percentiles: scored within this many days.
    pub active_days: i64,
    /// Thresholds cut from percentiles decay as scores do, from the time of the
    /// cut (ms) at λ per day, so idle users keep their rank against them. Not in
    /// documents: set with the cut in force (`TenantConfig::with_cuts`).
    #[serde(skip)]
    pub decays_from: Option<(i64, f64)>,
}

impl Default for TierConfig {
    fn default() -> Self {
        Self {
            silver: 150.0,
            gold: 500.0,
            platinum: 1500.0,
            demotion_margin: 0.10,
            min_days_before_demotion: 7,
            percentiles: None,
            active_days: 30,
            decays_from: None,
        }
    }
}

/// Each tier's threshold as a percentile (0–100, exclusive; to a hundredth) of
/// the active users' scores: `gold: 90` is the score the top 10 % reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Percentiles {
    pub silver: f64,
    pub gold: f64,
    pub platinum: f64,
}

/// Fewer active users than this and percentile thresholds are not used (the
/// document's points apply): a percentile of a handful of users means little.
pub const MIN_ACTIVE_FOR_PERCENTILES: u64 = 20;

/// Tier thresholds in points, as of `at_ms` (they decay from then as scores do).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub silver: f64,
    pub gold: f64,
    pub platinum: f64,
    pub at_ms: i64,
    /// The active users they were cut from.
    pub active_users: u64,
}

/// Thresholds cut from a tenant's percentiles: the active users' scores at
/// `at_ms` where each percentile falls, in force from `from_ms` (the thresholds
/// before them, `before`, until then, so that every process has re-read its
/// settings by the time anyone is judged against the new ones).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierCuts {
    /// `None` when fewer than [`MIN_ACTIVE_FOR_PERCENTILES`] users were active:
    /// the document's points hold.
    pub cut: Option<Thresholds>,
    pub active_users: u64,
    pub at_ms: i64,
    pub from_ms: i64,
    /// What was in force before (`None`: the document's points).
    pub before: Option<Thresholds>,
    /// What they were cut for.
    pub percentiles: Percentiles,
    pub active_days: i64,
    /// Whether the tiers they move have been settled.
    pub settled: bool,
}

impl TierCuts {
    /// The cuts for `percentiles` among `scores` (the active users' values at
    /// `at_ms`, any order): the percentile `p` falls on the user ranked
    /// `⌈n·(100 − p)/100⌉` from the top, whose score reaches it. Ties are nudged
    /// apart so the thresholds increase.
    pub fn from_scores(
        mut scores: Vec<f64>,
        tiers: &TierConfig,
        percentiles: Percentiles,
        at_ms: i64,
        from_ms: i64,
        before: Option<Thresholds>,
    ) -> Self {
        scores.retain(|s| s.is_finite() && *s > 0.0);
        scores.sort_by(|a, b| b.total_cmp(a));
        let n = scores.len();
        // In hundredths of a percent, whole numbers: no rounding moves a rank.
        let at = |p: f64| {
            let above = 10_000 - ((p * 100.0).round() as usize).min(10_000);
            let rank = (n * above).div_ceil(10_000);
            scores[rank.clamp(1, n) - 1]
        };
        let next_up = |x: f64| f64::from_bits(x.to_bits() + 1);
        let above = |x: f64, floor: f64| if x > floor { x } else { next_up(floor) };
        // A hair below the score on the rank, so its holder reaches it whatever
        // the rounding of later comparisons. When two ranks hold the same score,
        // the higher threshold goes just above it: those tied reach the lower tier
        // only.
        const HAIR: f64 = 1.0 - 1e-12;
        let cut = (n as u64 >= MIN_ACTIVE_FOR_PERCENTILES).then(|| {
            let (s, g, p) = (
                at(percentiles.silver),
                at(percentiles.gold),
                at(percentiles.platinum),
            );
            let silver = s * HAIR;
            let gold = if g > s {
                above(g * HAIR, silver)
            } else {
                next_up(s)
            };
            let platinum = if p > g {
                above(p * HAIR, gold)
            } else {
                above(next_up(g), gold)
            };
            Thresholds {
                silver,
                gold,
                platinum,
                at_ms,
                active_users: n as u64,
            }
        });
        Self {
            cut,
            active_users: n as u64,
            at_ms,
            from_ms,
            before,
            percentiles,
            active_days: tiers.active_days,
            settled: false,
        }
    }

    /// The thresholds in force at `now_ms` (`None`: the document's points).
    pub fn in_force(&self, now_ms: i64) -> Option<Thresholds> {
        if now_ms >= self.from_ms {
            self.cut
        } else {
            self.before
        }
    }

    /// Whether they were cut for these settings (the same percentiles and
    /// active days).
    pub fn cut_for(&self, tiers: &TierConfig) -> bool {
        tiers.percentiles == Some(self.percentiles) && tiers.active_days == self.active_days
    }
}

impl TierConfig {
    /// The score a tier starts at.
    pub fn threshold(&self, tier: Tier) -> f64 {
        match tier {
            Tier::None => f64::NEG_INFINITY,
            Tier::Silver => self.silver,
            Tier::Gold => self.gold,
            Tier::Platinum => self.platinum,
        }
    }

    /// The score a tier starts at, at `now_ms` (cut thresholds decay as scores do).
    pub fn threshold_at(&self, tier: Tier, now_ms: i64) -> f64 {
        let base = self.threshold(tier);
        match self.decays_from {
            Some((at_ms, lambda)) => {
                base * (-lambda * now_ms.saturating_sub(at_ms) as f64 / DAY_MS as f64).exp()
            }
            None => base,
        }
    }

    /// The highest tier `score` reaches at `now_ms`.
    pub fn reached_at(&self, score: f64, now_ms: i64) -> Tier {
        [Tier::Platinum, Tier::Gold, Tier::Silver]
            .into_iter()
            .find(|t| score >= self.threshold_at(*t, now_ms))
            .unwrap_or(Tier::None)
    }

    /// Whether the thresholds are positive and increase (what the arithmetic of
    /// tiers relies on).
    pub fn increasing(&self) -> bool {
        self.silver > 0.0 && self.gold > self.silver && self.platinum > self.gold
    }

    /// Points a day that hold `tier` in the steady state: a score fed `p` a day
    /// settles at `p / (1 − e^(−λ))`, so `p = θ·(1 − e^(−λ))` (≈ θ·λ).
    pub fn daily_points_to_hold(&self, tier: Tier, decay_per_day: f64) -> f64 {
        self.threshold(tier).max(0.0) * (1.0 - (-decay_per_day).exp())
    }
}

/// A user's tier and when it was last raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierState {
    pub tier: Tier,
    pub promoted_at_ms: i64,
}

impl TierState {
    pub const START: TierState = TierState {
        tier: Tier::None,
        promoted_at_ms: 0,
    };

    /// The tier for `score` at `now_ms`: promoted as soon as a threshold is reached;
    /// demoted only below the current threshold less the margin, and not within the
    /// minimum days of the last promotion — so a score wavering at a threshold does
    /// not flap.
    pub fn next(&self, score: f64, now_ms: i64, config: &TierConfig) -> TierState {
        let reached = config.reached_at(score, now_ms);
        if reached > self.tier {
            return TierState {
                tier: reached,
                promoted_at_ms: now_ms,
            };
        }
        if reached == self.tier {
            return *self;
        }
        let floor = config.threshold_at(self.tier, now_ms) * (1.0 - config.demotion_margin);
        let settled =
            now_ms.saturating_sub(self.promoted_at_ms) >= config.min_days_before_demotion * DAY_MS;
        if score < floor && settled {
            TierState {
                tier: reached,
                promoted_at_ms: self.promoted_at_ms,
            }
        } else {
            *self
        }
    }
}

/// A user's score and tier, as a scores store keeps them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    pub score: Decayed,
    pub tier: TierState,
}

impl Standing {
    pub const START: Standing = Standing {
        score: Decayed::ZERO,
        tier: TierState::START,
    };

    /// The tier at `now_ms`: the kept one, moved by the score decayed to now (so a
    /// demotion by decay shows on read, before anything is written).
    pub fn tier_at(&self, now_ms: i64, scoring: &ScoringConfig, tiers: &TierConfig) -> TierState {
        self.tier
            .next(self.score.at(now_ms, scoring.decay_per_day), now_ms, tiers)
    }

    /// When the kept tier falls by decay alone if the user stays idle: the later of
    /// the crossing of its demotion floor and the end of the wait after promotion;
    /// `None` for no tier or no decay.
    pub fn demotion_due(&self, scoring: &ScoringConfig, tiers: &TierConfig) -> Option<i64> {
        if self.tier.tier == Tier::None {
            return None;
        }
        let floor = tiers.threshold(self.tier.tier) * (1.0 - tiers.demotion_margin);
        let settled = self
            .tier
            .promoted_at_ms
            .saturating_add(tiers.min_days_before_demotion.saturating_mul(DAY_MS));
        let crossing = match tiers.decays_from {
            // The floor decays as the score does: idle, it never crosses.
            Some(_) => {
                let floor_then = tiers.threshold_at(self.tier.tier, self.score.at_ms)
                    * (1.0 - tiers.demotion_margin);
                if self.score.value < floor_then {
                    self.score.at_ms
                } else {
                    return None;
                }
            }
            None if self.score.value < floor => self.score.at_ms,
            None => self.score.crosses_at(floor, scoring.decay_per_day)?,
        };
        Some(crossing.max(settled))
    }
}

/// The standings after an event: each touched user's new score, and their tier
/// moved by that score at `now_ms` (against their own thresholds: their
/// experiment variant's, if enrolled); with the tier before (`tiers`: the kept tiers
/// of those users, missing ones `none`).
pub fn standings_after<'a>(
    scores: &BTreeMap<UserId, Decayed>,
    tiers: &BTreeMap<UserId, TierState>,
    lambda: f64,
    tiers_for: impl Fn(&UserId) -> &'a TierConfig,
    now_ms: i64,
) -> Vec<(UserId, Standing, Tier)> {
    scores
        .iter()
        .map(|(user, score)| {
            let before = tiers.get(user).copied().unwrap_or(TierState::START);
            let tier = before.next(score.at(now_ms, lambda), now_ms, tiers_for(user));
            (
                user.clone(),
                Standing {
                    score: *score,
                    tier,
                },
                before.tier,
            )
        })
        .collect()
}

/// Where a score sorts on a board: `ln(S) + λ·t` (t in days), the log of its value
/// referred to the epoch. Every score decays by the same factor, so this order is
/// the order of the values now, at any now, and a score changes only its own key
/// (O(1) per event, whatever the board's size). `None` for a score that is not
/// positive (not on boards).
pub fn board_key(score: &Decayed, decay_per_day: f64) -> Option<f64> {
    (score.value > 0.0 && score.value.is_finite())
        .then(|| score.value.ln() + decay_per_day * score.at_ms as f64 / DAY_MS as f64)
}

/// A board that covers one period and ends by itself: the points earned in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    /// An ISO week (`2026-W49`, Monday to Sunday, UTC).
    Week,
    /// A calendar month (`2026-12`, UTC).
    Month,
    /// A season: the tenant's own (named in its settings document), else a
    /// calendar quarter (`2026-Q4`, UTC).
    Season,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Week, Window::Month, Window::Season];

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Week => "week",
            Window::Month => "month",
            Window::Season => "season",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == raw)
    }

    /// The period `t_ms` falls in (for seasons, the calendar quarter: a tenant's
    /// own seasons are its settings document's, `TenantConfig::period`).
    pub fn period_of(self, t_ms: i64) -> String {
        let days = t_ms.div_euclid(DAY_MS);
        match self {
            Window::Season => {
                let (y, m, _) = crate::time::civil_from_days(days);
                format!("{y:04}-Q{}", (m - 1) / 3 + 1)
            }
            Window::Month => {
                let (y, m, _) = crate::time::civil_from_days(days);
                format!("{y:04}-{m:02}")
            }
            Window::Week => {
                // The week's Thursday decides its year (1970-01-01 was a Thursday).
                let weekday = (days + 3).rem_euclid(7); // Monday = 0
                let thursday = days - weekday + 3;
                let (year, _, _) = crate::time::civil_from_days(thursday);
                let jan1 = crate::time::days_from_civil(year, 1, 1);
                format!("{year:04}-W{:02}", (thursday - jan1) / 7 + 1)
            }
        }
    }

    /// Whether `raw` names a period of this window (as `period_of` writes them,
    /// or, for seasons, a season's name: 1 to 64 of `a-z 0-9 _ -`).
    pub fn is_period(self, raw: &str) -> bool {
        let b = raw.as_bytes();
        let digits =
            |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        match self {
            Window::Month => {
                b.len() == 7
                    && digits(0..4)
                    && b[4] == b'-'
                    && digits(5..7)
                    && (1..=12).contains(&raw[5..7].parse::<u32>().unwrap_or(0))
            }
            Window::Week => {
                b.len() == 8
                    && digits(0..4)
                    && &b[4..6] == b"-W"
                    && digits(6..8)
                    && (1..=53).contains(&raw[6..8].parse::<u32>().unwrap_or(0))
            }
            Window::Season => {
                let quarter = b.len() == 7
                    && digits(0..4)
                    && &b[4..6] == b"-Q"
                    && (b'1'..=b'4').contains(&b[6]);
                quarter || is_season_name(raw)
            }
        }
    }
}

/// Whether `raw` can name a season: 1 to 64 of `a-z 0-9 _ -` (`2026-27`,
/// `spring_cup`, `2026-Q4`).
pub fn is_season_name(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A user's points in the current period of a window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPoints {
    pub period: String,
    pub points: f64,
}

/// A tier change, as the store records it for the outbox
/// (`community.user.tier_changed`).
#[derive(Debug, Clone, PartialEq)]
pub struct TierChange {
    pub tenant: crate::ids::TenantId,
    pub user: UserId,
    pub from: Tier,
    pub to: Tier,
    /// The score at the change.
    pub score: f64,
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TenantId;
    use proptest::prelude::*;

    const T0: i64 = 1_800_000_000_000;

    fn user(n: u8) -> UserId {
        UserId::derive(&TenantId::parse("acme").unwrap(), &format!("u{n}"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn a_contribution_decays_from_its_own_time() {
        let mut ledger = Ledger::new(ScoringConfig::default());
        let ada = user(1);
        let sent = Activity::MessageSent {
            author: ada.clone(),
            parent: Parent::None,
        };
        ledger.record("e1", &sent, T0);
        ledger.record("e2", &sent, T0 + 10 * DAY_MS);
        let at = T0 + 20 * DAY_MS;
        let expected = 10.0 * (-0.05f64 * 20.0).exp() + 10.0 * (-0.05f64 * 10.0).exp();
        assert!(close(ledger.score(&ada, at), expected));
        // A repeat changes nothing.
        assert!(!ledger.record("e2", &sent, T0 + 10 * DAY_MS));
        assert!(close(ledger.score(&ada, at), expected));
    }

    #[test]
    fn self_credit_scores_nothing_and_a_toggled_reaction_nets_nothing() {
        let config = ScoringConfig::default();
        let ada = user(1);
        let bob = user(2);
        assert!(contributions(
            &Activity::ReactionAdded {
                reactor: ada.clone(),
                author: ada.clone()
            },
            T0,
            &config
        )
        .is_empty());
        let mut ledger = Ledger::new(config);
        ledger.record(
            "on",
            &Activity::ReactionAdded {
                reactor: bob.clone(),
                author: ada.clone(),
            },
            T0,
        );
        ledger.record(
            "off",
            &Activity::ReactionRemoved {
                reactor: bob.clone(),
                author: ada.clone(),
                added_at_ms: T0,
            },
            T0 + 1000,
        );
        assert!(close(ledger.score(&ada, T0 + DAY_MS), 0.0));
        assert!(close(ledger.score(&bob, T0 + DAY_MS), 0.0));
    }

    #[test]
    fn one_giver_credits_an_author_at_most_the_daily_cap() {
        let mut ledger = Ledger::new(ScoringConfig::default());
        let (ada, bob) = (user(1), user(2));
        for n in 0..20 {
            ledger.record(
                &format!("r{n}"),
                &Activity::ReactionAdded {
                    reactor: bob.clone(),
                    author: ada.clone(),
                },
                T0,
            );
        }
        assert!(
            close(ledger.score(&ada, T0), 5.0),
            "{}",
            ledger.score(&ada, T0)
        );
        // The next day opens a new bucket.
        ledger.record(
            "next-day",
            &Activity::ReactionAdded {
                reactor: bob.clone(),
                author: ada.clone(),
            },
            T0 + DAY_MS,
        );
        assert!(close(
            ledger.score(&ada, T0 + DAY_MS),
            5.0 * (-0.05f64).exp() + 1.0
        ));
    }

    #[test]
    fn an_idle_score_crosses_a_threshold_when_the_closed_form_says() {
        let score = Decayed::new(300.0, T0);
        let at = score.crosses_at(150.0, 0.05).expect("crosses");
        assert!(close(score.at(at, 0.05), 150.0));
        assert_eq!(at, T0 + ((2f64.ln() / 0.05) * DAY_MS as f64) as i64);
        assert_eq!(score.crosses_at(400.0, 0.05), None);
    }

    #[test]
    fn steady_state_points_to_hold_each_tier() {
        let tiers = TierConfig::default();
        let per_day = |t| tiers.daily_points_to_hold(t, 0.05);
        assert!((per_day(Tier::Silver) - 7.32).abs() < 0.01);
        assert!((per_day(Tier::Gold) - 24.39).abs() < 0.01);
        assert!((per_day(Tier::Platinum) - 73.16).abs() < 0.01);
        // And a score fed that much a day does settle there.
        let mut s = Decayed::ZERO;
        for day in 0..400 {
            s = s.plus(&Decayed::new(per_day(Tier::Gold), day * DAY_MS), 0.05);
        }
        assert!((s.value - 500.0).abs() < 0.5, "{}", s.value);
    }

    #[test]
    fn periods_are_iso_weeks_and_months() {
        let at = |y, m, d| crate::time::days_from_civil(y, m, d) * DAY_MS + 3_600_000;
        assert_eq!(Window::Week.period_of(at(2026, 12, 2)), "2026-W49");
        assert_eq!(Window::Week.period_of(at(2021, 1, 3)), "2020-W53");
        assert_eq!(Window::Week.period_of(at(2024, 12, 30)), "2025-W01");
        assert_eq!(Window::Month.period_of(at(2026, 12, 31)), "2026-12");
        assert!(Window::Week.is_period("2026-W49"));
        assert!(!Window::Week.is_period("2026-W54"));
        assert!(Window::Month.is_period("2026-01"));
        assert!(!Window::Month.is_period("2026-13"));
        assert!(!Window::Month.is_period("2026-1"));
    }

    #[test]
    fn board_keys_order_as_the_values_do_at_any_time() {
        let a = Decayed::new(100.0, T0);
        let b = Decayed::new(60.0, T0 + 10 * DAY_MS);
        let c = Decayed::new(0.0, T0);
        let (ka, kb) = (board_key(&a, 0.05).unwrap(), board_key(&b, 0.05).unwrap());
        for now in [T0 + 10 * DAY_MS, T0 + 400 * DAY_MS] {
            assert_eq!(ka > kb, a.at(now, 0.05) > b.at(now, 0.05));
        }
        assert_eq!(board_key(&c, 0.05), None);
        assert_eq!(board_key(&Decayed::new(-3.0, T0), 0.05), None);
    }

    #[test]
    fn tiers_rise_at_once_and_fall_only_past_the_margin_and_the_wait() {
        let config = TierConfig::default();
        let s = TierState::START.next(151.0, T0, &config);
        assert_eq!(s.tier, Tier::Silver);
        // Just under the threshold, and even well under it within the week: kept.
        assert_eq!(s.next(149.0, T0 + 30 * DAY_MS, &config).tier, Tier::Silver);
        assert_eq!(s.next(10.0, T0 + DAY_MS, &config).tier, Tier::Silver);
        // Below 135 after the week: demoted.
        assert_eq!(s.next(134.0, T0 + 8 * DAY_MS, &config).tier, Tier::None);
        assert_eq!(s.next(600.0, T0 + DAY_MS, &config).tier, Tier::Gold);
    }

    fn activity() -> impl Strategy<Value = (Activity, i64)> {
        let u = (0u8..4).prop_map(user);
        let t = 0i64..(30 * DAY_MS);
        prop_oneof![
            (u.clone(), proptest::option::of(u.clone()), t.clone()).prop_map(|(a, p, t)| (
                Activity::MessageSent {
                    author: a,
                    parent: p.into()
                },
                T0 + t
            )),
            (u.clone(), u.clone(), t.clone()).prop_map(|(r, a, t)| (
                Activity::ReactionAdded {
                    reactor: r,
                    author: a
                },
                T0 + t
            )),
            (u.clone(), t.clone())
                .prop_map(|(m, t)| (Activity::ModeratorDecision { moderator: m }, T0 + t)),
            (u.clone(), proptest::option::of(u), t.clone(), t).prop_map(|(a, p, sent, t)| (
                Activity::MessageRemoved {
                    author: a,
                    parent: p.into(),
                    sent_at_ms: T0 + sent
                },
                T0 + sent.max(t)
            )),
        ]
    }

    proptest! {
        /// Any order, duplicates included, yields the same scores.
        #[test]
        fn scores_do_not_depend_on_order_or_repeats(
            events in proptest::collection::vec(activity(), 1..60),
            seed in any::<u64>(),
        ) {
            let mut forward = Ledger::new(ScoringConfig::default());
            for (n, (a, t)) in events.iter().enumerate() {
                forward.record(&n.to_string(), a, *t);
            }
            let mut order: Vec<usize> = (0..events.len()).collect();
            // A deterministic shuffle, and every event twice.
            let mut state = seed | 1;
            for i in (1..order.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut shuffled = Ledger::new(ScoringConfig::default());
            for &n in order.iter().chain(order.iter()) {
                let (a, t) = &events[n];
                shuffled.record(&n.to_string(), a, *t);
            }
            let at = T0 + 31 * DAY_MS;
            for n in 0..4 {
                let (a, b) = (forward.score(&user(n), at), shuffled.score(&user(n), at));
                prop_assert!(close(a, b), "user {n}: {a} vs {b}");
            }
        }

        /// Without caps, the score is the closed form at any time.
        #[test]
        fn uncapped_scores_match_the_closed_form(
            events in proptest::collection::vec(activity(), 1..40),
            read_after in 0i64..(400 * DAY_MS),
        ) {
            let config = ScoringConfig {
                daily_cap_per_kind: f64::INFINITY,
                daily_cap_per_giver: f64::INFINITY,
                ..ScoringConfig::default()
            };
            let mut ledger = Ledger::new(config.clone());
            let mut expected = [0.0f64; 4];
            let at = T0 + 30 * DAY_MS + read_after;
            for (n, (a, t)) in events.iter().enumerate() {
                ledger.record(&n.to_string(), a, *t);
                for c in contributions(a, *t, &config) {
                    let i = (0..4u8).find(|&i| &user(i) == c.bucket.user()).unwrap() as usize;
                    expected[i] += c.points
                        * (-config.decay_per_day * (at - c.at_ms) as f64 / DAY_MS as f64).exp();
                }
            }
            for (i, e) in expected.iter().enumerate() {
                let got = ledger.score(&user(i as u8), at);
                prop_assert!(close(got, *e), "user {i}: {got} vs {e}");
            }
        }

        /// However many reactions one user gives another in a day, the author is
        /// credited at most the cap (undecayed, at the day's end).
        #[test]
        fn caps_bound_a_day(count in 1usize..80, offsets in proptest::collection::vec(0i64..DAY_MS, 80)) {
            let mut ledger = Ledger::new(ScoringConfig::default());
            let (ada, bob) = (user(1), user(2));
            let day_start = T0 - T0.rem_euclid(DAY_MS);
            for (n, offset) in offsets.iter().take(count).enumerate() {
                ledger.record(&n.to_string(), &Activity::ReactionAdded { reactor: bob.clone(), author: ada.clone() }, day_start + offset);
            }
            let credited_at_start = ledger.score(&ada, day_start);
            // Read at the day's start every contribution is at least its value.
            prop_assert!(credited_at_start >= (count.min(5) as f64) - 1e-9);
            prop_assert!(ledger.score(&ada, day_start + DAY_MS) <= 5.0 + 1e-9);
        }

        /// A score wavering around a threshold after a promotion changes the tier
        /// at most once a week.
        #[test]
        fn tiers_do_not_flap(scores in proptest::collection::vec(120.0f64..180.0, 1..200)) {
            let config = TierConfig::default();
            let mut state = TierState::START;
            let mut changes = Vec::new();
            for (hour, score) in scores.iter().enumerate() {
                let now = T0 + hour as i64 * 3_600_000;
                let next = state.next(*score, now, &config);
                if next.tier != state.tier {
                    changes.push(now);
                }
                state = next;
            }
            for pair in changes.windows(3) {
                // A promotion and a demotion at least a week apart.
                prop_assert!(pair[2] - pair[0] >= 7 * DAY_MS);
            }
        }
    }
}
