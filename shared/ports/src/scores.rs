//! [`ScoreStore`]: engagement scores, their capped buckets, and which events were
//! scored — written together, so an event is scored once or not at all.

use std::future::Future;

use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::scoring::{Contribution, Decayed, ScoringConfig};

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

/// What scoring one event did.
#[derive(Debug, Clone, PartialEq)]
pub enum Scored {
    /// The event was scored before: nothing changed.
    Duplicate,
    /// The scores of the users it touched, after it.
    Changed(Vec<(UserId, Decayed)>),
}

/// Scores, per tenant.
pub trait ScoreStore: Send + Sync {
    /// Adds one event's contributions (`scoring::contributions`) to their buckets
    /// and their users' scores, once per `event_id`: the event's mark, the buckets
    /// and the scores are written together or not at all.
    fn score_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
        contributions: &[Contribution],
        config: &ScoringConfig,
    ) -> impl Future<Output = Result<Scored, ScoreError>> + Send;

    /// A user's score (its value at the time it refers to); `None` if never scored.
    fn score(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<Decayed>, ScoreError>> + Send;
}
