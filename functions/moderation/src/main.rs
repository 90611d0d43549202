//! Lambda bootstrap for `moderation`: the moderation queue (fed by the EventBridge
//! rule on sent and edited messages and reports) invokes it with SQS batches.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use moderation::classifier::HttpClassifier;
use moderation::stage::StageDeps;
use moderation::{handle_sqs, SqsEvent};
use sideline_shared::config::{idempotency_window, required_var, Limits};
use sideline_shared::dynamo::DynamoStore;
use sideline_shared::gateway::{sdk_config_from_env, ApiGatewayConnections};
use sideline_shared::moderation::policy::Policies;
use sideline_shared::ports::SystemClock;
use sideline_shared::telemetry;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let sdk = sdk_config_from_env()?;
    let deps = StageDeps {
        store: DynamoStore::from_sdk(&sdk, required_var("TABLE_NAME")?),
        connections: ApiGatewayConnections::for_endpoint(
            &sdk,
            &required_var("CONNECTIONS_ENDPOINT")?,
        ),
        clock: SystemClock,
        limits: Limits::from_env()?,
        policies: Policies::from_env()?,
        classifier: HttpClassifier::from_env()?,
        idempotency_window_s: idempotency_window(|name| std::env::var(name).ok())?.as_secs() as i64,
    };
    run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let deps = &deps;
        async move { Ok::<_, Error>(handle_sqs(event.payload, &deps.stage()).await) }
    }))
    .await
}
