//! [`UserData`]: what the store holds of one user, found through the user rather
//! than a scan — for export now, and for erasure.

use std::future::Future;

use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::outbox::Stored;

use crate::BackendError;

/// Errors of [`UserData`].
#[derive(Debug, thiserror::Error)]
pub enum UserDataError {
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// The items a user made or that are about them.
pub trait UserData: Send + Sync {
    /// The user's messages, reactions and reports, and the moderation decisions
    /// about them, oldest first (as stored, past their windows only until
    /// retention removes them).
    fn owned_by(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Vec<Stored>, UserDataError>> + Send;
}
