//! The table as `template.yaml` declares it: `PK`/`SK` strings, pay per request,
//! sparse indexes (boards, and `expiry` for retention), a
//! stream of new and old images (the outbox), TTL on `ttl`. In AWS the template owns
//! the table; devstack and the tests create it here.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use sideline_ports::BackendError;

use super::{unavailable, DynamoStore};

/// The sparse index of what each user made or what is about them (`owPk`, `owSk`):
/// their messages, reactions, reports and the decisions about them, for export
/// and erasure.
pub const OWNER_INDEX: &str = "owner";

/// The sparse index boards are read from (`lbPk`, `lbSk`).
pub const LEADERBOARD_INDEX: &str = "leaderboard";

/// The sparse index of a window's boards (`wkPk`/`wkSk`, `moPk`/`moSk`,
/// `ssPk`/`ssSk`).
pub fn window_index(window: sideline_domain::scoring::Window) -> &'static str {
    match window {
        sideline_domain::scoring::Window::Week => "weekly",
        sideline_domain::scoring::Window::Month => "monthly",
        sideline_domain::scoring::Window::Season => "seasonal",
    }
}

fn key_element(name: &str, kind: KeyType) -> Result<KeySchemaElement, BackendError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| BackendError::Unavailable(Box::new(e)))
}

fn number(name: &str) -> Result<AttributeDefinition, BackendError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::N)
        .build()
        .map_err(|e| BackendError::Unavailable(Box::new(e)))
}

/// A sparse board index: `pk` (string), `sk` (number), projecting `include`.
fn board_gsi(
    name: &str,
    pk: &str,
    sk: &str,
    include: &[&str],
) -> Result<GlobalSecondaryIndex, BackendError> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key_element(pk, KeyType::Hash)?)
        .key_schema(key_element(sk, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(include.iter().map(|s| (*s).to_owned()).collect()))
                .build(),
        )
        .build()
        .map_err(|e| BackendError::Unavailable(Box::new(e)))
}

impl DynamoStore {
    /// Creates the table as `template.yaml` declares it (for devstack and tests;
    /// in AWS the template owns it). Does nothing if it exists.
    pub async fn ensure_table(&self) -> Result<(), BackendError> {
        self.create_table(true).await
    }

    /// The same table without its stream, for benchmarks that do not read it: moto
    /// copies a table (its stream records included) for every item of every
    /// transaction, so a stream makes each one slower than the last.
    pub async fn ensure_table_without_stream(&self) -> Result<(), BackendError> {
        self.create_table(false).await
    }

    async fn create_table(&self, stream: bool) -> Result<(), BackendError> {
        let exists = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .is_ok();
        if exists {
            return Ok(());
        }
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| BackendError::Unavailable(Box::new(e)))
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("PK")?)
            .attribute_definitions(attr("SK")?)
            .key_schema(key_element("PK", KeyType::Hash)?)
            .key_schema(key_element("SK", KeyType::Range)?)
            .attribute_definitions(attr("lbPk")?)
            .attribute_definitions(number("lbSk")?)
            .attribute_definitions(attr("wkPk")?)
            .attribute_definitions(number("wkSk")?)
            .attribute_definitions(attr("moPk")?)
            .attribute_definitions(number("moSk")?)
            .attribute_definitions(attr("ssPk")?)
            .attribute_definitions(number("ssSk")?)
            .attribute_definitions(attr("xpPk")?)
            .attribute_definitions(number("xpSk")?)
            .attribute_definitions(attr("owPk")?)
            .attribute_definitions(number("owSk")?)
            .set_global_secondary_indexes(Some(vec![
                board_gsi(
                    LEADERBOARD_INDEX,
                    "lbPk",
                    "lbSk",
                    &["userId", "value", "at", "tier", "promotedAt"],
                )?,
                board_gsi(
                    window_index(sideline_domain::scoring::Window::Week),
                    "wkPk",
                    "wkSk",
                    &["userId"],
                )?,
                board_gsi(
                    window_index(sideline_domain::scoring::Window::Month),
                    "moPk",
                    "moSk",
                    &["userId"],
                )?,
                board_gsi(
                    window_index(sideline_domain::scoring::Window::Season),
                    "ssPk",
                    "ssSk",
                    &["userId"],
                )?,
                GlobalSecondaryIndex::builder()
                    .index_name(super::expiry::EXPIRY_INDEX)
                    .key_schema(key_element("xpPk", KeyType::Hash)?)
                    .key_schema(key_element("xpSk", KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .set_non_key_attributes(Some(
                                ["kind", "room", "userId", "authorId", "subjectId"]
                                    .map(str::to_owned)
                                    .to_vec(),
                            ))
                            .build(),
                    )
                    .build()
                    .map_err(|e| BackendError::Unavailable(Box::new(e)))?,
                GlobalSecondaryIndex::builder()
                    .index_name(OWNER_INDEX)
                    .key_schema(key_element("owPk", KeyType::Hash)?)
                    .key_schema(key_element("owSk", KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build()
                    .map_err(|e| BackendError::Unavailable(Box::new(e)))?,
            ]))
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(stream)
                    .set_stream_view_type(stream.then_some(StreamViewType::NewAndOldImages))
                    .build()
                    .map_err(|e| BackendError::Unavailable(Box::new(e)))?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("ttl")
                    .build()
                    .map_err(|e| BackendError::Unavailable(Box::new(e)))?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
