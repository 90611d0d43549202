//! API Gateway's `@connections`: sending frames to WebSocket connections.

use std::future::Future;
use std::time::Duration;

use sideline_domain::ids::ConnectionId;

use crate::BoxError;

/// Errors of [`Connections`].
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The connection no longer exists (API Gateway's `GoneException`, HTTP 410).
    #[error("connection is gone")]
    Gone,
    /// Refused for the account's rate (HTTP 429) on every try: the frame was not
    /// delivered, and the client's catch-up must fill the gap.
    #[error("post to connection throttled")]
    Throttled,
    /// Anything else; the frame was not delivered.
    #[error("post to connection failed")]
    Failed(#[source] BoxError),
}

/// A share of the deployment's `@connections` rate ([`Connections::reserve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Posts that may be sent now (at most the number asked for).
    pub granted: usize,
    /// When the next share may be asked for, if this one fell short.
    pub next_in: Duration,
}

impl Grant {
    /// Everything asked for.
    pub fn all(wanted: usize) -> Self {
        Self {
            granted: wanted,
            next_in: Duration::ZERO,
        }
    }
}

/// Sends frames to WebSocket connections (API Gateway's `@connections` API).
///
/// # Errors
///
/// [`PostError::Gone`] when the connection no longer exists;
/// [`PostError::Throttled`] when API Gateway refused it for the rate (after the
/// adapter's own retries); [`PostError::Failed`] for every other failure.
pub trait Connections: Send + Sync {
    /// Sends one text frame.
    fn post(
        &self,
        id: &ConnectionId,
        payload: &[u8],
    ) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Closes a connection (its `$disconnect` runs afterwards).
    fn disconnect(&self, id: &ConnectionId) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Asks for `wanted` posts of the deployment-wide post budget before a fan-out
    /// sends them; without a budget, all of them.
    fn reserve(&self, wanted: usize) -> impl Future<Output = Grant> + Send {
        std::future::ready(Grant::all(wanted))
    }
}

impl<T: Connections + ?Sized> Connections for &T {
    fn post(
        &self,
        id: &ConnectionId,
        payload: &[u8],
    ) -> impl Future<Output = Result<(), PostError>> + Send {
        (**self).post(id, payload)
    }

    fn disconnect(&self, id: &ConnectionId) -> impl Future<Output = Result<(), PostError>> + Send {
        (**self).disconnect(id)
    }

    fn reserve(&self, wanted: usize) -> impl Future<Output = Grant> + Send {
        (**self).reserve(wanted)
    }
}
