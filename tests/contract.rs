//! The store contract against both adapters: in memory, and DynamoDB on moto.

use sideline_aws::sdk::local as local_sdk_config;
use sideline_aws::DynamoStore;
use sideline_memory::{contract, MemoryStore};
use sideline_tests::{fresh_table, moto_endpoint};

#[tokio::test]
async fn memory_store_meets_the_contract() {
    contract::run_all(&MemoryStore::new()).await;
    contract::scores::run_all(&MemoryStore::new()).await;
    contract::retention::run_all(&MemoryStore::new()).await;
    contract::erasure::run_all(&MemoryStore::new()).await;
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn dynamodb_store_meets_the_contract_on_moto() {
    let endpoint = moto_endpoint();
    let store = DynamoStore::from_sdk(&local_sdk_config(&endpoint), fresh_table());
    store.ensure_table().await.expect("create table on moto");
    contract::run_all(&store).await;
    contract::scores::run_all(&store).await;
    contract::retention::run_all(&store).await;
    contract::erasure::run_all(&store).await;
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn dynamodb_table_has_stream_and_ttl_on_moto() {
    let endpoint = moto_endpoint();
    let store = DynamoStore::from_sdk(&local_sdk_config(&endpoint), fresh_table());
    store.ensure_table().await.expect("create table");
    store.ensure_table().await.expect("ensure is idempotent");
    let table = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .expect("describe");
    let spec = table
        .table()
        .and_then(|t| t.stream_specification())
        .expect("stream spec");
    assert!(spec.stream_enabled());
    assert_eq!(
        spec.stream_view_type().map(|v| v.as_str()),
        Some("NEW_AND_OLD_IMAGES")
    );
    let ttl = store
        .client()
        .describe_time_to_live()
        .table_name(store.table())
        .send()
        .await
        .expect("ttl");
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("ttl")
    );
}
