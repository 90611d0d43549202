//! Lambda bootstrap for `ingest` (DynamoDB stream event source).

use ingest::{handle_stream, IngestConfig};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use sideline_shared::gateway::sdk_config_from_env;
use sideline_shared::publish::EventBridgeSink;
use sideline_shared::stream::StreamEvent;
use sideline_shared::telemetry;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let config = IngestConfig::from_env()?;
    let sink = EventBridgeSink::from_sdk(&sdk_config_from_env()?);
    run(service_fn(|event: LambdaEvent<StreamEvent>| {
        let (sink, config) = (&sink, &config);
        async move { Ok::<_, Error>(handle_stream(event.payload, sink, config).await) }
    }))
    .await
}
