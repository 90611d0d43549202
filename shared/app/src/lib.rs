//! Sideline's application services: what several handlers do with the ports, in
//! one place.
//!
//! # Layout
//!
//! - [`audit`]: the host's acts (erasures, legal holds) as moderation decisions.
//! - [`erasure`]: erasure requests run to chained receipts, in bounded steps.
//! - [`export`]: everything held about one user as one JSON document.
//! - [`fanout`]: one frame to a room with bounded concurrency, forgetting
//!   connections that are gone and telling their rooms.
//! - [`polls`]: polls announced to their rooms, lapsed ones closed, result
//!   updates coalesced to two a second.
//! - [`enforce`]: imposing sanctions (record, then act) and automatic escalation.
//! - [`publish`]: putting events on the bus within PutEvents' limits, retrying
//!   only the entries that failed.
//! - [`retention`]: the retention pass over the expiry index, within a budget,
//!   checkpointed per tenant and class.
//! - [`standing`]: tenants' settings documents (re-read within a minute), scores
//!   and tiers as views, demotions by decay on read, `tier` frames.

pub mod audit;
pub mod coalesce;
pub mod enforce;
pub mod erasure;
pub mod export;
pub mod fanout;
pub mod polls;
pub mod publish;
pub mod retention;
pub mod standing;
