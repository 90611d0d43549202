//! The Lambda event and response shapes Sideline reads and writes: API Gateway
//! WebSocket route events, the `$connect` REQUEST authorizer, proxy responses.
//! Only the fields Sideline uses are declared; the rest are ignored.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::identity::{ContextError, Identity};
use crate::ports::ConnectionId;

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
