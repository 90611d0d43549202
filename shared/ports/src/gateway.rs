//! API Gateway's `@connections`: sending frames to WebSocket connections.

use std::future::Future;

use sideline_domain::ids::ConnectionId;

use crate::BoxError;

/// Errors of [`Connections`].
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The connection no longer exists (API Gateway's `GoneException`, HTTP 410).
    #[error("connection is gone")]
    Gone,
    /// Anything else; the frame was not delivered.
    #[error("post to connection failed")]
    Failed(#[source] BoxError),
}

/// Sends frames to WebSocket connections (API Gateway's `@connections` API).
///
/// # Errors
///
/// [`PostError::Gone`] when the connection no longer exists; [`PostError::Failed`]
/// for every other failure.
pub trait Connections: Send + Sync {
    /// Sends one text frame.
    fn post(
        &self,
        id: &ConnectionId,
        payload: &[u8],
    ) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Closes a connection (its `$disconnect` runs afterwards).
    fn disconnect(&self, id: &ConnectionId) -> impl Future<Output = Result<(), PostError>> + Send;
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
}
