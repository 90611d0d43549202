//! Sideline's domain: the values and rules every function shares, with no I/O —
//! no AWS SDK, no tokio. Every other crate points inward to this one.
//!
//! # Layout
//!
//! - [`ids`]: validated identifiers — tenants, users, rooms, connections, decisions —
//!   and time-ordered ids made from a given time.
//! - [`identity`]: roles, login providers, the verified identity a connection carries.
//! - [`room`]: room modes, capabilities (role × mode), a room's settings.
//! - [`connection`]: a live connection and its memberships.
//! - [`message`]: message values, stored messages, reactions.
//! - [`moderation`]: sanctions, the decision record, the review queue, reports, and
//!   the pure rules behind escalation and flood detection.
//! - [`poll`]: polls, votes, and the moment on screen a poll or message is about.
//! - [`events`]: the event catalogue and envelope, deterministic event ids.
//! - [`outbox`]: what a store's changes are, as the stream carries them.
//! - [`scoring`]: engagement scoring's pure part — exact decay, order-independent
//!   daily caps, tiers with hysteresis.
//! - [`retention`]: how long each class of item is kept, and the quarter-hour
//!   index retention sweeps.
//! - [`erasure`]: erasure requests, what they erase, their chained receipts.
//! - [`time`]: the one timestamp format of the wire and the events.
//! - [`config`]: typed configuration read through one lookup, with typed errors.

pub mod config;
pub mod connection;
pub mod erasure;
pub mod events;
pub mod identity;
pub mod ids;
pub mod message;
pub mod moderation;
pub mod outbox;
pub mod poll;
pub mod retention;
pub mod room;
pub mod scoring;
pub mod tenant;
pub mod time;
