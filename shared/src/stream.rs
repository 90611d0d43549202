//! The DynamoDB stream as Lambda delivers it: records with `Keys`, `NewImage` and
//! `OldImage` in DynamoDB's JSON (`{"S": "…"}`, `{"N": "1"}`, …), and the partial
//! batch response that names the records to retry.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// One attribute value in DynamoDB JSON.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub enum AttrValue {
    S(String),
    N(String),
    #[serde(rename = "BOOL")]
    Bool(bool),
    #[serde(rename = "NULL")]
    Null(bool),
    #[serde(rename = "SS")]
    Ss(Vec<String>),
    #[serde(rename = "NS")]
    Ns(Vec<String>),
    M(HashMap<String, AttrValue>),
    L(Vec<AttrValue>),
    B(String),
    #[serde(rename = "BS")]
    Bs(Vec<String>),
}

/// An item image.
pub type Image = HashMap<String, AttrValue>;

/// The Lambda event for a DynamoDB stream batch.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

/// One item change.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamRecord {
    #[serde(rename = "eventID", default)]
    pub event_id: Option<String>,
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    pub dynamodb: StreamChange,
    /// Present for removals by the TTL process (`principalId` `dynamodb.amazonaws.com`).
    #[serde(default)]
    pub user_identity: Option<StreamIdentity>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamChange {
    /// Seconds since the epoch (Lambda sends a number, possibly fractional).
    #[serde(default)]
    pub approximate_creation_date_time: Option<f64>,
    #[serde(default)]
    pub keys: Image,
    #[serde(default)]
    pub new_image: Option<Image>,
    #[serde(default)]
    pub old_image: Option<Image>,
    pub sequence_number: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamIdentity {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
}

impl StreamRecord {
    /// Whether DynamoDB's TTL process deleted the item (not a user action).
    pub fn is_ttl_removal(&self) -> bool {
        self.user_identity.as_ref().is_some_and(|u| {
            u.kind.as_deref() == Some("Service")
                && u.principal_id.as_deref() == Some("dynamodb.amazonaws.com")
        })
    }
}

/// The answer that makes Lambda retry from the first failed record
/// (`FunctionResponseTypes: [ReportBatchItemFailures]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<BatchItemFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    /// The record's sequence number.
    pub item_identifier: String,
}
