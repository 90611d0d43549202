//! The event bus: putting events, within PutEvents' limits.

use std::future::Future;

use crate::BoxError;

/// PutEvents takes at most 10 entries per call.
pub const MAX_ENTRIES_PER_CALL: usize = 10;
/// PutEvents takes at most 256 KB per call (and so per entry).
pub const MAX_CALL_BYTES: usize = 256 * 1024;

/// One event to put, as PutEvents takes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutEntry {
    pub source: String,
    pub detail_type: String,
    /// The envelope, as JSON text.
    pub detail: String,
    pub event_bus_name: String,
}

impl PutEntry {
    /// The entry's size as EventBridge counts it (Time counts 14 bytes).
    pub fn size(&self) -> usize {
        14 + self.source.len() + self.detail_type.len() + self.detail.len()
    }
}

/// Errors of [`EventSink`].
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The call failed as a whole (network, throttling, auth); no entry was put.
    #[error("put events failed")]
    Unavailable(#[source] BoxError),
}

/// An event bus.
///
/// # Errors
///
/// [`SinkError::Unavailable`] when the whole call failed. Entries that failed one
/// by one are not an error: they come back as `Some(error code)` at their index.
pub trait EventSink: Send + Sync {
    /// Puts at most [`MAX_ENTRIES_PER_CALL`] entries; one result per entry, `None`
    /// when accepted.
    fn put_events(
        &self,
        entries: &[PutEntry],
    ) -> impl Future<Output = Result<Vec<Option<String>>, SinkError>> + Send;
}
