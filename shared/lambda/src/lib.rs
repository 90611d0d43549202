//! Sideline's Lambda glue: every function's `main` is [`boot`] and [`serve`], and
//! its handler reads and writes the shapes here.
//!
//! # Layout
//!
//! - [`boot`], [`serve`]: start-up (JSON logs, the environment) and the runtime loop.
//! - [`telemetry`]: one tracing set-up for every binary.
//! - Event shapes: API Gateway WebSocket route events, the `$connect` REQUEST
//!   authorizer, proxy responses, SQS batches and the partial batch response. Only
//!   the fields Sideline uses are declared; the rest are ignored.

use std::collections::HashMap;
use std::future::Future;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sideline_domain::config::ProcessEnv;
use sideline_domain::identity::{ContextError, Identity};
use sideline_domain::ids::ConnectionId;

pub mod telemetry;

pub use lambda_runtime::{Diagnostic, Error};

/// Start-up, first thing in `main`: JSON logs for CloudWatch, and the environment
/// every configuration is read from.
pub fn boot() -> ProcessEnv {
    telemetry::init_json();
    ProcessEnv
}

/// Runs the Lambda loop: each event's payload goes to `handler`, its answer back to
/// Lambda. Dependencies the handler borrows are built once, before, in `main`.
pub fn serve<A, R, F, Fut>(handler: F) -> impl Future<Output = Result<(), Error>>
where
    A: DeserializeOwned,
    R: Serialize,
    F: Fn(A) -> Fut,
    Fut: Future<Output = R>,
{
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<A>| {
            let answer = handler(event.payload);
            async move { Ok::<R, Error>(answer.await) }
        },
    ))
}

/// As [`serve`], for a handler that may fail the invocation: its error becomes the
/// invocation's [`Diagnostic`] (the authorizer's `Unauthorized`, a payload that
/// cannot be read).
pub fn serve_fallible<A, R, E, F, Fut>(handler: F) -> impl Future<Output = Result<(), Error>>
where
    A: DeserializeOwned,
    R: Serialize,
    E: Into<Diagnostic> + std::fmt::Debug,
    F: Fn(A) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<A>| handler(event.payload),
    ))
}

/// An SQS batch as Lambda delivers it (a queue between a bus rule and a function).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SqsEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<SqsRecord>,
}

/// One SQS message.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsRecord {
    pub message_id: String,
    pub body: String,
}

/// The answer that makes Lambda retry only the named records
/// (`FunctionResponseTypes: [ReportBatchItemFailures]`): stream records (by
/// sequence number; the batch restarts at the first) and SQS messages (by id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<BatchItemFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    /// The stream record's sequence number, or the SQS message's id.
    pub item_identifier: String,
}

/// A WebSocket route event (`$connect`, `$disconnect`, `$default`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketEvent {
    pub request_context: WebSocketContext,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
    #[serde(default)]
    pub query_string_parameters: Option<HashMap<String, String>>,
}

/// `requestContext` of a WebSocket route event.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketContext {
    pub route_key: String,
    #[serde(default)]
    pub event_type: Option<String>,
    pub connection_id: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub domain_name: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub connected_at: Option<i64>,
    #[serde(default)]
    pub request_time_epoch: Option<i64>,
    /// The authorizer's context (plus `principalId`), present on every route.
    #[serde(default)]
    pub authorizer: Option<Map<String, Value>>,
    #[serde(default)]
    pub disconnect_status_code: Option<i64>,
    #[serde(default)]
    pub disconnect_reason: Option<String>,
}

impl WebSocketContext {
    /// The connection id, if API Gateway gave a usable one.
    pub fn connection(&self) -> Option<ConnectionId> {
        ConnectionId::parse(&self.connection_id)
    }

    /// The connection id, or the 400 answer to give (and a log line) when API
    /// Gateway gave none usable: a misconfigured route, never a client's doing.
    pub fn connection_or_400(&self) -> Result<ConnectionId, ProxyResponse> {
        self.connection().ok_or_else(|| {
            tracing::error!(connection_id = %self.connection_id, "unusable connection id");
            ProxyResponse::status(400, "bad connection id")
        })
    }

    /// The connection and the identity its authorizer established; when either is
    /// missing (a misconfigured route), the answer to give — 400 for the id,
    /// `without_identity` for the identity — and a log line saying why.
    pub fn caller(
        &self,
        without_identity: ProxyResponse,
    ) -> Result<(ConnectionId, Identity), ProxyResponse> {
        let connection = self.connection_or_400()?;
        match self.identity() {
            Ok(identity) => Ok((connection, identity)),
            Err(err) => {
                tracing::warn!(connection_id = %connection, error = %err, "no identity; is the authorizer attached?");
                Err(without_identity)
            }
        }
    }

    /// The identity the `$connect` authorizer established for this connection.
    pub fn identity(&self) -> Result<Identity, ContextError> {
        self.authorizer
            .as_ref()
            .ok_or_else(|| ContextError("no authorizer context".into()))
            .and_then(Identity::from_context)
    }
}

/// The `$connect` REQUEST authorizer's input.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerRequest {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    pub method_arn: String,
    #[serde(default)]
    pub query_string_parameters: Option<HashMap<String, String>>,
    #[serde(default)]
    pub headers: Option<HashMap<String, String>>,
}

/// The authorizer's answer: an IAM policy and the context later routes receive.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerResponse {
    pub principal_id: String,
    pub policy_document: PolicyDocument,
    pub context: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: String,
    pub statement: Vec<PolicyStatement>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyStatement {
    pub action: String,
    pub effect: String,
    pub resource: String,
}

impl AuthorizerResponse {
    /// Whether the policy allows the connection.
    pub fn allows(&self) -> bool {
        self.policy_document
            .statement
            .iter()
            .any(|s| s.effect == "Allow")
    }
}

/// A route's response. For WebSocket routes only the status code matters on
/// `$connect` (non-2xx refuses the connection).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyResponse {
    pub status_code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl ProxyResponse {
    pub fn ok() -> Self {
        Self {
            status_code: 200,
            body: None,
        }
    }

    pub fn status(status_code: u16, body: &str) -> Self {
        Self {
            status_code,
            body: Some(body.to_owned()),
        }
    }
}
