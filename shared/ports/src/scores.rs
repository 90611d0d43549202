//! [`ScoreStore`]: engagement scores, their capped buckets, tiers, and which events
//! were scored — written together, so an event is scored once or not at all.
//! [`TenantConfigs`]: each tenant's versioned settings document.

use std::future::Future;

use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::scoring::{Bucket, BucketKey, Contribution, Standing, Tier, TierState};
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

/// Scores, per tenant.
pub trait ScoreStore: Send + Sync {
    /// Adds one event's contributions (`scoring::contributions`) to their buckets
    /// and their users' scores, and moves each touched user's tier by its score at
    /// `now_ms` (`TierState::next`), once per `event_id`: the event's mark, the
    /// buckets, the scores and any tier change (a record the outbox turns into
    /// `community.user.tier_changed`) are written together or not at all.
    fn score_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
        contributions: &[Contribution],
        config: &TenantConfig,
        now_ms: i64,
    ) -> impl Future<Output = Result<Scored, ScoreError>> + Send;

    /// A user's score (its value at the time it refers to) and kept tier; `None`
    /// if never scored.
    fn user_score(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<Standing>, ScoreError>> + Send;

    /// A user's buckets (what their score is made of), for breakdowns.
    fn buckets(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Vec<(BucketKey, Bucket)>, ScoreError>> + Send;

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
    /// (0: none yet) and returns the new version; `Stale` otherwise.
    fn put_tenant_config(
        &self,
        tenant: &TenantId,
        expected: u64,
        config: &TenantConfig,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, ConfigStoreError>> + Send;
}
