//! The ports: one narrow trait per capability the handlers need, named for it,
//! returning domain types and a typed error of its own. Adapters (DynamoDB,
//! `@connections`, EventBridge, in-memory) implement them; handlers are generic
//! over the ones they use.
//!
//! # Layout
//!
//! - [`store`]: the storage ports — [`ConnectionRegistry`], [`RoomStore`],
//!   [`MessageStore`], [`Counters`], [`Sanctions`], [`DecisionLog`],
//!   [`ReviewQueue`], [`RecentMessages`], [`SeenEvents`] — and their errors.
//! - [`scores`]: [`ScoreStore`], engagement scores with their capped buckets and
//!   tiers; [`TenantConfigs`], tenants' versioned settings.
//! - [`polls`]: [`PollStore`], rooms' polls, tallies and votes.
//! - [`retention`]: [`Retention`], the expiry index retention sweeps.
//! - [`erasure`]: [`Erasure`], erasure requests and the erasing itself.
//! - [`user_data`]: [`UserData`], what the store holds of one user (export, erasure).
//! - [`exports`]: [`ExportFiles`], exports kept outside the table with a link.
//! - [`gateway`]: [`Connections`], API Gateway's `@connections`.
//! - [`bus`]: [`EventSink`], the event bus.
//! - [`clock`]: [`Clock`], the system's and a manual one.
//! - [`bundle`]: [`Ports`] (a [`Store`] of every storage port, `@connections`, a
//!   clock) for the handlers that use many ports.
//!
//! # Errors
//!
//! Every storage port's error has a `Backend` variant ([`BackendError`]: the
//! service failed, or an item could not be read back) and typed variants for what
//! the caller can act on (`RoomLimit { max }`, `VisibilityChanged { .. }`). Their
//! messages are for logs; what clients read is written once, at the protocol edge.

pub mod bundle;
pub mod bus;
pub mod clock;
pub mod erasure;
pub mod exports;
pub mod gateway;
pub mod polls;
pub mod retention;
pub mod scores;
pub mod store;
pub mod user_data;

pub use bundle::{Adapters, Ports, Store};
pub use bus::{EventSink, PutEntry, SinkError, MAX_CALL_BYTES, MAX_ENTRIES_PER_CALL};
pub use clock::{Clock, ManualClock, SystemClock};
pub use erasure::{Erased, Erasure, ErasureError, Pseudonyms, StoredPseudonym};
pub use exports::{ExportFileError, ExportFiles, KeptExport};
pub use gateway::{Connections, Grant, PostError};
pub use polls::{PollError, PollStore};
pub use retention::{KnownTenant, Retention, RetentionError, Swept};
pub use scores::{
    Board, BoardEntry, ConfigStoreError, DueDemotion, Rank, ScoreChange, ScoreError, ScoreRecords,
    ScoreStore, Scored, TenantConfigs, DEMOTION_LOOKBACK_MS, EXACT_RANKS, MAX_BOARD_DEPTH,
};
pub use store::*;
pub use user_data::{UserData, UserDataError};

/// Any error from an outside system, kept as the source of ours.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
