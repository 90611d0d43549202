//! Lambda bootstrap for `ws-disconnect`.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use sideline_shared::config::{required_var, Limits};
use sideline_shared::dynamo::DynamoStore;
use sideline_shared::gateway::{sdk_config_from_env, ApiGatewayConnections};
use sideline_shared::lambda::WebSocketEvent;
use sideline_shared::telemetry;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let limits = Limits::from_env()?;
    let table = required_var("TABLE_NAME")?;
    let endpoint = required_var("CONNECTIONS_ENDPOINT")?;
    let sdk = sdk_config_from_env()?;
    let store = DynamoStore::from_sdk(&sdk, table);
    let connections = ApiGatewayConnections::for_endpoint(&sdk, &endpoint);
    run(service_fn(|event: LambdaEvent<WebSocketEvent>| {
        let (store, connections, limits) = (&store, &connections, &limits);
        async move {
            Ok::<_, Error>(ws_disconnect::handle(event.payload, store, connections, limits).await)
        }
    }))
    .await
}
