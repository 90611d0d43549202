//! [`ScoreStore`]: engagement scores, their capped buckets, tiers, and which events
//! were scored — written together, so an event is scored once or not at all.
//! [`TenantConfigs`]: each tenant's versioned settings document.

use std::future::Future;

use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::scoring::{
    Bucket, BucketKey, Contribution, Decayed, Standing, Tier, TierChange, TierCuts, TierState,
    Window,
};
use sideline_domain::tenant::{TenantConfig, VersionedConfig};

use crate::BackendError;

/// Errors of [`ScoreStore`].
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// Others kept changing the same scores; the event may be retried.
    #[error("scores kept changing")]
    Contended,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// One user's standing after an event.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreChange {
    pub user: UserId,
    pub standing: Standing,
    /// The tier before the event (the same as `standing.tier.tier` if unchanged).
    pub previous: Tier,
}

impl ScoreChange {
    pub fn tier_changed(&self) -> bool {
        self.previous != self.standing.tier.tier
    }
}

/// What scoring one event did.
#[derive(Debug, Clone, PartialEq)]
pub enum Scored {
    /// The event was scored before: nothing changed.
    Duplicate,
    /// The standings of the users it touched, after it.
    Changed(Vec<ScoreChange>),
}

/// A leaderboard: the tenant's, or one room's (the points earned there).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Board {
    Tenant,
    Room(RoomId),
    /// The tenant's points earned in one period (`Window::period_of`), not
    /// decayed; a board that ends by itself.
    Window {
        window: Window,
        period: String,
    },
}

impl Board {
    /// Whether the board's scores decay (windowed boards hold plain points).
    pub fn decays(&self) -> bool {
        !matches!(self, Board::Window { .. })
    }
}

/// One place on a board: the user's score there (its value at the time it refers
/// to; boards order by the value now, which every entry's decay keeps in order).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub user: UserId,
    pub score: Decayed,
}

/// Where a user stands on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    /// 1 for the top.
    Exact(u32),
    /// Below the first this many (ranks past them are not counted).
    Beyond(u32),
}

/// Ranks are counted exactly this far down a board.
pub const EXACT_RANKS: u32 = 1000;
/// Deepest a board may be paged (offset + limit).
pub const MAX_BOARD_DEPTH: u32 = EXACT_RANKS + 100;

/// What the store holds of one user's scores besides their tenant-wide standing
/// and buckets (an export's view of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreRecords {
    /// Their score in each room they earned points in (as of the time it refers to).
    pub rooms: Vec<(RoomId, Decayed)>,
    /// Their points in each window's current period.
    pub windows: Vec<(Window, String, f64)>,
    /// Their tier changes still kept, oldest first.
    pub tier_changes: Vec<TierChange>,
}

/// A check of a user's tier filed for when decay may take it down.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDemotion {
    pub tenant: TenantId,
    pub user: UserId,
    pub due_ms: i64,
}

/// How far back a pass looks for checks it has not handled.
pub const DEMOTION_LOOKBACK_MS: i64 = 48 * 3_600_000;

/// Scores, per tenant.
pub trait ScoreStore: Send + Sync {
    /// Adds one event's contributions (`scoring::contributions`) to their buckets
    /// and their users' scores, and moves each touched user's tier by its score at
    /// `now_ms` (`TierState::next`), once per `event_id`: the event's mark, the
    /// buckets, the scores and any tier change (a record the outbox turns into
    /// `community.user.tier_changed`, and for a promotion a check filed for when
    /// decay may undo it) are written together or not at all.
    ///
    /// With a `room`, what each user's score changed by is added to their score
    /// in that room too (room boards; a room's scores sum to what was earned there),
    /// and, as its value at `now_ms`, to their points in the current week and month.
    fn score_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
        room: Option<&RoomId>,
        contributions: &[Contribution],
        config: &TenantConfig,
        now_ms: i64,
    ) -> impl Future<Output = Result<Scored, ScoreError>> + Send;

    /// A page of a board, highest first: the entries from `offset` (at most
    /// [`MAX_BOARD_DEPTH`] deep). Users whose score there is not positive are not
    /// on it.
    fn leaderboard(
        &self,
        tenant: &TenantId,
        board: &Board,
        offset: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<BoardEntry>, ScoreError>> + Send;

    /// Everyone on the tenant board (a positive score) with their standing (score
    /// and kept tier), in no order: what percentile thresholds are cut from and
    /// re-judged against. Reads the whole board.
    fn board_scores(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<(UserId, Standing)>, ScoreError>> + Send;

    /// A user's place on a board; `None` if they are not on it.
    fn rank(
        &self,
        tenant: &TenantId,
        board: &Board,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<(Rank, Decayed)>, ScoreError>> + Send;

    /// A user's score (its value at the time it refers to) and kept tier; `None`
    /// if never scored.
    fn user_score(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<Standing>, ScoreError>> + Send;

    /// Files a check of a user's tier at `due_ms`.
    fn file_demotion(
        &self,
        due: &DueDemotion,
    ) -> impl Future<Output = Result<(), ScoreError>> + Send;

    /// Checks due by `until_ms` (filed within [`DEMOTION_LOOKBACK_MS`] of it),
    /// oldest first, at most `limit`.
    fn due_demotions(
        &self,
        until_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DueDemotion>, ScoreError>> + Send;

    /// Drops a handled check.
    fn clear_demotion(
        &self,
        due: &DueDemotion,
    ) -> impl Future<Output = Result<(), ScoreError>> + Send;

    /// A user's buckets (what their score is made of), for breakdowns.
    fn buckets(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Vec<(BucketKey, Bucket)>, ScoreError>> + Send;

    /// A user's room scores, window points and tier history.
    fn score_records(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<ScoreRecords, ScoreError>> + Send;

    /// Writes a tier that moved without an event (a demotion by decay, found on
    /// read or by the scheduled pass) if the standing is still `seen`; false if it
    /// changed meanwhile (nothing written). The change is recorded for the outbox
    /// as `score_event`'s are, with `score_now`.
    fn settle_tier(
        &self,
        tenant: &TenantId,
        user: &UserId,
        seen: &Standing,
        tier: TierState,
        score_now: f64,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, ScoreError>> + Send;
}

/// Errors of [`TenantConfigs`].
#[derive(Debug, thiserror::Error)]
pub enum ConfigStoreError {
    /// The document changed since the version the writer read.
    #[error("the current version is {current}")]
    Stale { current: u64 },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Tenants' settings documents, every version kept.
pub trait TenantConfigs: Send + Sync {
    /// The current document (`version: None`) or an old one; `None` if there is
    /// none (the tenant runs on the defaults).
    fn tenant_config(
        &self,
        tenant: &TenantId,
        version: Option<u64>,
    ) -> impl Future<Output = Result<Option<VersionedConfig>, ConfigStoreError>> + Send;

    /// Stores `config` as the next version if the current one is `expected`
    /// (0: none yet) and returns the new version; `Stale` otherwise. A tenant is
    /// listed ([`TenantConfigs::percentile_tenants`]) from its first document on
    /// percentile thresholds on.
    fn put_tenant_config(
        &self,
        tenant: &TenantId,
        expected: u64,
        config: &TenantConfig,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, ConfigStoreError>> + Send;

    /// Tenants that have had a document on percentile thresholds (their current
    /// one may be back on points).
    fn percentile_tenants(
        &self,
    ) -> impl Future<Output = Result<Vec<TenantId>, ConfigStoreError>> + Send;

    /// The thresholds last cut from a tenant's percentiles.
    fn tier_cuts(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<TierCuts>, ConfigStoreError>> + Send;

    /// Keeps newly cut thresholds.
    fn put_tier_cuts(
        &self,
        tenant: &TenantId,
        cuts: &TierCuts,
    ) -> impl Future<Output = Result<(), ConfigStoreError>> + Send;
}
