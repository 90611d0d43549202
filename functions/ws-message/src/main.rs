//! Lambda bootstrap for `ws-message`: configuration, clients and adapters are built
//! once per cold start; each event goes to [`ws_message::handle`].

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use sideline_shared::config::{required_var, Limits};
use sideline_shared::dynamo::DynamoStore;
use sideline_shared::gateway::{sdk_config_from_env, ApiGatewayConnections};
use sideline_shared::lambda::WebSocketEvent;
use sideline_shared::moderation::policy::Policies;
use sideline_shared::ports::SystemClock;
use sideline_shared::telemetry;
use ws_message::{handle, MessageDeps};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let limits = Limits::from_env()?;
    let table = required_var("TABLE_NAME")?;
    let endpoint = required_var("CONNECTIONS_ENDPOINT")?;
    let sdk = sdk_config_from_env()?;
    let mut deps = MessageDeps::new(
        DynamoStore::from_sdk(&sdk, table),
        ApiGatewayConnections::for_endpoint(&sdk, &endpoint),
        SystemClock,
        limits,
    );
    deps.policies = Policies::from_env()?;
    run(service_fn(|event: LambdaEvent<WebSocketEvent>| {
        let deps = &deps;
        async move { Ok::<_, Error>(handle(event.payload, deps).await) }
    }))
    .await
}
