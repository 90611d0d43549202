//! The DynamoDB adapter: one table, every key tenant-scoped; sparse secondary
//! indexes for boards and for retention's expiry index.
//! `docs/data-model.md` lists every item, key and access pattern.
//!
//! # Layout
//!
//! - [`keys`]: every item's keys; [`codec`]: every record to its item and back (the
//!   stream's images decode through it too); [`schema`]: the table as the template
//!   declares it.
//! - One module per port: `registry` ([`ConnectionRegistry`](sideline_ports::ConnectionRegistry)),
//!   `rooms`, `messages`, `counters`, `sanctions`, `decisions`, `reviews`, `recent`,
//!   `seen`, `scores`, `tenants`, `expiry` ([`Retention`](sideline_ports::Retention)).
//! - [`DynamoStore`]: the client and table name, and the few operations the port
//!   modules share.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, ReturnValue, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use sideline_ports::BackendError;

pub mod codec;
pub mod keys;
pub mod schema;

mod counters;
mod decisions;
mod erasure;
pub mod expiry;
mod messages;
mod polls;
mod recent;
mod registry;
mod reviews;
mod rooms;
mod sanctions;
mod scores;
mod seen;
mod tenants;
mod user_data;

use codec::{n, s, Attrs};

/// An item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// Largest batch `BatchWriteItem` takes.
const BATCH_WRITE_MAX: usize = 25;

fn unavailable<E, R>(e: SdkError<E, R>) -> BackendError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    BackendError::Unavailable(Box::new(e))
}

/// A request the SDK's builder refused (a required field missing): a bug here.
fn build_error(e: impl std::error::Error + Send + Sync + 'static) -> BackendError {
    BackendError::Unavailable(Box::new(e))
}

/// Which parts of a cancelled transaction failed their condition.
fn cancelled_conditions(
    err: &SdkError<TransactWriteItemsError, impl std::fmt::Debug>,
) -> Option<Vec<bool>> {
    let SdkError::ServiceError(service) = err else {
        return None;
    };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err() else {
        return None;
    };
    Some(
        cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code() == Some("ConditionalCheckFailed"))
            .collect(),
    )
}

fn is_conditional_failure(err: &SdkError<UpdateItemError, impl std::fmt::Debug>) -> bool {
    matches!(err, SdkError::ServiceError(e) if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)))
}

fn is_put_conditional_failure(err: &SdkError<PutItemError, impl std::fmt::Debug>) -> bool {
    matches!(err, SdkError::ServiceError(e) if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)))
}

/// Every storage port on one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// Items written by scoring transactions that went through (a measure for
    /// benchmarks and logs; shared by clones).
    score_items: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Reads made by retention (index pages, tenant pages, checkpoints).
    retention_reads: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Index entries retention's sweeps read.
    retention_items: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Calls retention made to remove items.
    retention_writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Tenants this process has listed as holding data.
    registered:
        std::sync::Arc<std::sync::Mutex<std::collections::HashSet<sideline_domain::ids::TenantId>>>,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            score_items: Default::default(),
            retention_reads: Default::default(),
            retention_items: Default::default(),
            retention_writes: Default::default(),
            registered: Default::default(),
        }
    }

    /// Items written by the scoring transactions this store (and its clones)
    /// made that went through.
    pub fn score_items_written(&self) -> u64 {
        self.score_items.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A store on `table` with a client built from `sdk`.
    pub fn from_sdk(sdk: &aws_types::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), table)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn get(&self, key: Item) -> Result<Option<Item>, BackendError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    async fn put(&self, item: Item) -> Result<(), BackendError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Adds one to the counter `attr` of the item at `key` (creating it, with `kind`
    /// and a TTL) and returns the new count.
    async fn add_one(
        &self,
        key: Item,
        attr: &str,
        kind: &str,
        expires_at_s: i64,
    ) -> Result<u32, BackendError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("ADD #count :one SET #ttl = :ttl, kind = :kind")
            .expression_attribute_names("#count", attr)
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(expires_at_s))
            .expression_attribute_values(":kind", s(kind))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        let attrs = out.attributes.unwrap_or_default();
        Ok(u32::try_from(Attrs(&attrs).num(attr)?).unwrap_or(u32::MAX))
    }

    /// Sets one attribute of an existing item; false if there is no item at `key`.
    async fn set_existing(
        &self,
        key: Item,
        attr: &str,
        value: AttributeValue,
    ) -> Result<bool, BackendError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("SET #attr = :value")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#attr", attr)
            .expression_attribute_values(":value", value)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_conditional_failure(&err) => Ok(false),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// One transaction: a per-user marker (conditional: the user's first time) and
    /// an update of the message it is about (conditional: the message exists).
    /// `None` if the message does not exist; else whether the marker changed (false:
    /// the user had already done it, nothing was written) and the message as stored
    /// afterwards.
    async fn marker_and_message_update(
        &self,
        marker: TransactWriteItem,
        message_update: Update,
        message_key: Item,
    ) -> Result<Option<(bool, Item)>, BackendError> {
        let result = self
            .client
            .transact_write_items()
            .transact_items(marker)
            .transact_items(TransactWriteItem::builder().update(message_update).build())
            .send()
            .await;
        let changed = match result {
            Ok(_) => true,
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.get(1) == Some(&true) => return Ok(None),
                Some(reasons) if reasons.first() == Some(&true) => false,
                _ => return Err(unavailable(err)),
            },
        };
        Ok(self.get(message_key).await?.map(|stored| (changed, stored)))
    }

    async fn delete_keys(&self, keys: Vec<Item>) -> Result<(), BackendError> {
        for chunk in keys.chunks(BATCH_WRITE_MAX) {
            let mut requests = chunk
                .iter()
                .map(|k| {
                    DeleteRequest::builder()
                        .set_key(Some(k.clone()))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(build_error)
                })
                .collect::<Result<Vec<_>, _>>()?;
            // Unprocessed items are throttled ones: retry them a few times.
            for attempt in 0..5u32 {
                if requests.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(unavailable)?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
            }
            if !requests.is_empty() {
                return Err(BackendError::Unavailable(
                    "batch delete left unprocessed items".into(),
                ));
            }
        }
        Ok(())
    }

    async fn query_prefix(&self, pk: String, prefix: &str) -> Result<Vec<Item>, BackendError> {
        self.query_sk(pk, "begins_with(SK, :a)", s(prefix), None)
            .await
    }

    /// Every item of partition `pk` (every sort key is printable, so sorts
    /// after a space).
    async fn query_partition(&self, pk: String) -> Result<Vec<Item>, BackendError> {
        self.query_sk(pk, "SK > :a", s(" "), None).await
    }

    /// Every item of partition `pk` whose sort key meets `condition` (on `:a`, and
    /// on `:b` when given), all pages.
    async fn query_sk(
        &self,
        pk: String,
        condition: &str,
        a: AttributeValue,
        b: Option<AttributeValue>,
    ) -> Result<Vec<Item>, BackendError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("PK = :pk AND {condition}"))
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":a", a);
        if let Some(b) = b {
            query = query.expression_attribute_values(":b", b);
        }
        self.all_pages(query.consistent_read(true)).await
    }

    /// Every item a query finds, all pages.
    async fn all_pages(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, BackendError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}
