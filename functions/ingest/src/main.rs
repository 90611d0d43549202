//! Lambda bootstrap for `ingest`: the DynamoDB stream event source and the host
//! events HTTP route invoke the same function; the payload says which it is.

use ingest::host::{handle_host_events, HttpRequest};
use ingest::{handle_stream, IngestConfig};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use sideline_shared::gateway::sdk_config_from_env;
use sideline_shared::ports::{Clock, SystemClock};
use sideline_shared::publish::EventBridgeSink;
use sideline_shared::stream::StreamEvent;
use sideline_shared::telemetry;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let config = IngestConfig::from_env()?;
    let sink = EventBridgeSink::from_sdk(&sdk_config_from_env()?);
    run(service_fn(|event: LambdaEvent<Value>| {
        let (sink, config) = (&sink, &config);
        async move {
            // A stream batch has `Records`; anything else is an HTTP request.
            let answer = if event.payload.get("Records").is_some() {
                let batch: StreamEvent = serde_json::from_value(event.payload)?;
                serde_json::to_value(handle_stream(batch, sink, config).await)?
            } else {
                let request: HttpRequest = serde_json::from_value(event.payload)?;
                let now_ms = SystemClock.now_ms();
                serde_json::to_value(handle_host_events(request, sink, config, now_ms).await)?
            };
            Ok::<Value, Error>(answer)
        }
    }))
    .await
}
