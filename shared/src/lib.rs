//! Sideline's shared library: the domain, the wire protocol, the ports and their
//! adapters. Every Lambda function and devstack build on it, so the same rules run
//! in AWS and on a laptop.
//!
//! # Layout
//!
//! - [`identity`], [`token`]: who is speaking — tenants, canonical user ids, roles,
//!   and the JWT that proves them.
//! - [`room`], [`message`]: validated newtypes for rooms, modes, capabilities and
//!   messages.
//! - [`protocol`]: client frames (parsed into [`protocol::Command`]) and server frames.
//! - [`config`]: typed limits with defaults, read once at start-up.
//! - [`ports`]: the narrow traits the handlers depend on ([`ports::CommunityStore`],
//!   [`ports::Connections`], [`ports::Clock`]) and their error contracts.
//! - [`memory`], [`dynamo`], [`gateway`]: in-memory, DynamoDB and API Gateway
//!   `@connections` adapters.
//! - [`moderation`]: the inline moderation stage (personal data, toxicity, spam).
//! - [`fanout`]: delivering one frame to a room with bounded concurrency, forgetting
//!   connections that are gone.
//! - [`lambda`]: the Lambda event and response shapes the functions read and write.
//! - [`stream`], [`events`]: the table's stream as Lambda delivers it, and the typed
//!   events (catalogue, envelope, deterministic ids) mapped from it.
//! - [`publish`]: the `EventSink` port, the EventBridge adapter, and batching with
//!   retries of failed entries only.
//! - [`telemetry`]: one tracing set-up for every binary.
//! - `contract` (feature `contract`): the test suite every store adapter must pass.

pub mod config;
#[cfg(feature = "contract")]
pub mod contract;
pub mod dynamo;
pub mod events;
pub mod fanout;
pub mod gateway;
pub mod identity;
pub mod lambda;
pub mod memory;
pub mod message;
pub mod moderation;
pub mod ports;
pub mod protocol;
pub mod publish;
pub mod room;
pub mod stream;
pub mod telemetry;
pub mod token;
