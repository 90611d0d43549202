//! Sideline's AWS adapters: the ports over the AWS SDK.
//!
//! # Layout
//!
//! - [`dynamo`]: [`DynamoStore`], every storage port on one table — keys, the item
//!   codec, the table schema, one module per port.
//! - [`stream`]: the table's stream as Lambda delivers it, decoded through the same
//!   codec into the domain's outbox records (and encoded, for devstack's stream).
//! - [`gateway`]: [`ApiGatewayConnections`], the `@connections` port.
//! - [`eventbridge`]: [`EventBridgeSink`], the event bus port.
//! - [`s3`]: [`S3ExportFiles`], export files in a bucket with presigned links.
//! - [`sdk`]: the SDK configuration every client is built from.

pub mod dynamo;
pub mod eventbridge;
pub mod gateway;
pub mod http;
pub mod s3;
pub mod sdk;
pub mod stream;

pub use dynamo::DynamoStore;
pub use eventbridge::EventBridgeSink;
pub use gateway::{ApiGatewayConnections, PostBudget, PostCounts, PostRetry};
pub use s3::S3ExportFiles;

#[cfg(test)]
mod proptests;
