//! In-memory adapters: the store devstack uses by default and handler tests use,
//! and recording doubles for `@connections` and the event bus. The store passes
//! the same contract suite as the AWS adapters.
//!
//! # Layout
//!
//! - [`MemoryStore`]: every storage port; with [`MemoryStore::with_outbox`] it
//!   reports its changes as the table's stream would.
//! - [`RecordingConnections`], [`RecordingSink`]: doubles that keep what they were
//!   given and fail what a test chooses.
//! - `contract` (feature `contract`): the checks every storage adapter must pass,
//!   one module per port.

#[cfg(feature = "contract")]
pub mod contract;
mod recording;
mod store;

pub use recording::{RecordingConnections, RecordingExportFiles, RecordingSink};
pub use store::{MemoryStore, Outbox};
