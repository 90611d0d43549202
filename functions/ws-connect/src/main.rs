//! Lambda bootstrap for `ws-connect`.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use sideline_shared::config::required_var;
use sideline_shared::dynamo::DynamoStore;
use sideline_shared::gateway::sdk_config_from_env;
use sideline_shared::lambda::WebSocketEvent;
use sideline_shared::ports::SystemClock;
use sideline_shared::telemetry;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let table = required_var("TABLE_NAME")?;
    let sdk = sdk_config_from_env()?;
    let store = DynamoStore::from_sdk(&sdk, table);
    run(service_fn(|event: LambdaEvent<WebSocketEvent>| {
        let store = &store;
        async move { Ok::<_, Error>(ws_connect::handle(event.payload, store, &SystemClock).await) }
    }))
    .await
}
