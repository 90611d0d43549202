//! The DynamoDB stream as Lambda delivers it: records with `Keys`, `NewImage` and
//! `OldImage` in DynamoDB's JSON (`{"S": "…"}`, `{"N": "1"}`, …). [`decode`] reads
//! one into the domain's [`OutboxRecord`] through the item codec; [`encode`] makes
//! one from a store's [`Change`] (devstack's stand-in for the stream).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use sideline_domain::outbox::{Change, ChangeKind, OutboxRecord, Stored};
use sideline_ports::BackendError;

use crate::dynamo::codec::{item_of, stored_from};
use crate::dynamo::{keys, Item};

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

/// A stream record that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("stream record {sequence}: {reason}")]
pub struct StreamError {
    pub sequence: String,
    pub reason: String,
}

impl StreamError {
    fn new(record: &StreamRecord, reason: impl std::fmt::Display) -> Self {
        Self {
            sequence: record.dynamodb.sequence_number.clone(),
            reason: reason.to_string(),
        }
    }
}

/// Whether a removed item's `ttl` had passed when it was removed: retention
/// sweeping a lapsed connection or membership, which is an expiry as much as
/// DynamoDB's own TTL deletion is.
fn lapsed(item: &Item, at_s: Option<f64>) -> bool {
    let (Some(at_s), Some(AttributeValue::N(ttl))) = (at_s, item.get("ttl")) else {
        return false;
    };
    ttl.parse::<f64>().is_ok_and(|ttl| ttl <= at_s)
}

/// Reads one record through the item codec; `None` for a change that is not an
/// insert, modify or remove. The image the event is made from (the new one, the old
/// one of a removal) must decode — else it is an error, so the batch is retried
/// rather than the event lost; the other image only informs (an edit's old text),
/// so one that cannot be read is left out. Items that make no event decode to
/// [`Stored::Other`].
pub fn decode(record: &StreamRecord) -> Result<Option<OutboxRecord>, StreamError> {
    let Some(kind) = ChangeKind::parse(&record.event_name) else {
        return Ok(None);
    };
    let change = &record.dynamodb;
    let image = |image: &Option<Image>| -> Option<Result<(Item, Stored), BackendError>> {
        image.as_ref().map(|image| {
            let item = item_from_image(image);
            stored_from(&item).map(|stored| (item, stored))
        })
    };
    let (main_image, other_image) = match kind {
        ChangeKind::Insert | ChangeKind::Modify => (&change.new_image, &change.old_image),
        ChangeKind::Remove => (&change.old_image, &change.new_image),
    };
    let main = image(main_image)
        .ok_or_else(|| {
            StreamError::new(
                record,
                "no item image: the stream must carry new and old images",
            )
        })?
        .map_err(|e| StreamError::new(record, e))?;
    let other = image(other_image).and_then(|decoded| {
        decoded
            .map_err(|e| {
                tracing::warn!(sequence = %change.sequence_number, error = %e, "the other image of a change is unreadable; left out");
            })
            .ok()
    });
    let item_key = keys::item_key(&main.0)
        .or_else(|| keys::item_key(&item_from_image(&change.keys)))
        .ok_or_else(|| StreamError::new(record, "no keys"))?;
    let expired = record.is_ttl_removal()
        || (kind == ChangeKind::Remove && lapsed(&main.0, change.approximate_creation_date_time));
    let (new, old) = match kind {
        ChangeKind::Insert | ChangeKind::Modify => (Some(main), other),
        ChangeKind::Remove => (other, Some(main)),
    };
    Ok(Some(OutboxRecord {
        change: Change {
            kind,
            old: old.map(|(_, stored)| stored),
            new: new.map(|(_, stored)| stored),
        },
        item_key,
        sequence: change.sequence_number.clone(),
        at_ms: change
            .approximate_creation_date_time
            .map(|s| (s * 1000.0) as i64),
        expired,
    }))
}

/// The record the table's stream would carry for `change` (devstack's stream).
/// `None` for a change of nothing the outbox knows.
pub fn encode(change: &Change, sequence: u64, at_s: f64) -> Option<StreamRecord> {
    let new = change.new.as_ref().and_then(item_of);
    let old = change.old.as_ref().and_then(item_of);
    let image = new.as_ref().or(old.as_ref())?;
    let keys: Item = image
        .iter()
        .filter(|(k, _)| k.as_str() == "PK" || k.as_str() == "SK")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(StreamRecord {
        event_id: Some(format!("local-{sequence}")),
        event_name: change.kind.as_str().to_owned(),
        dynamodb: StreamChange {
            approximate_creation_date_time: Some(at_s),
            keys: image_from_item(&keys),
            new_image: new.as_ref().map(image_from_item),
            old_image: old.as_ref().map(image_from_item),
            sequence_number: format!("{sequence:021}"),
        },
        user_identity: None,
    })
}

/// An item as the stream carries it (DynamoDB JSON).
pub fn image_from_item(item: &Item) -> Image {
    item.iter()
        .filter_map(|(k, v)| Some((k.clone(), attr_from_value(v)?)))
        .collect()
}

/// A stream image as an item the codec reads.
pub fn item_from_image(image: &Image) -> Item {
    image
        .iter()
        .map(|(k, v)| (k.clone(), value_from_attr(v)))
        .collect()
}

fn attr_from_value(v: &AttributeValue) -> Option<AttrValue> {
    Some(match v {
        AttributeValue::S(s) => AttrValue::S(s.clone()),
        AttributeValue::N(n) => AttrValue::N(n.clone()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::Null(b) => AttrValue::Null(*b),
        AttributeValue::Ss(v) => AttrValue::Ss(v.clone()),
        AttributeValue::Ns(v) => AttrValue::Ns(v.clone()),
        AttributeValue::M(m) => AttrValue::M(
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), attr_from_value(v)?)))
                .collect(),
        ),
        AttributeValue::L(l) => AttrValue::L(l.iter().filter_map(attr_from_value).collect()),
        _ => return None,
    })
}

fn value_from_attr(v: &AttrValue) -> AttributeValue {
    match v {
        AttrValue::S(s) => AttributeValue::S(s.clone()),
        AttrValue::N(n) => AttributeValue::N(n.clone()),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null(b) => AttributeValue::Null(*b),
        AttrValue::Ss(v) => AttributeValue::Ss(v.clone()),
        AttrValue::Ns(v) => AttributeValue::Ns(v.clone()),
        AttrValue::M(m) => AttributeValue::M(
            m.iter()
                .map(|(k, v)| (k.clone(), value_from_attr(v)))
                .collect(),
        ),
        AttrValue::L(l) => AttributeValue::L(l.iter().map(value_from_attr).collect()),
        // Binary values are base64 in the stream's JSON; Sideline stores none.
        AttrValue::B(b) => AttributeValue::S(b.clone()),
        AttrValue::Bs(v) => AttributeValue::Ss(v.clone()),
    }
}
