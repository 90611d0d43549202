//! Lambda bootstrap for `ingest`: the DynamoDB stream event source and the host
//! events HTTP route invoke the same function; [`ingest::handle`] tells them apart.

use ingest::IngestConfig;
use sideline_aws::{sdk, EventBridgeSink};
use sideline_lambda::{boot, serve_fallible, Error};
use sideline_ports::SystemClock;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let config = IngestConfig::from_env(&env)?;
    let sink = EventBridgeSink::from_sdk(&sdk::from_env(&env)?);
    serve_fallible(|payload| ingest::handle(payload, &sink, &config, &SystemClock)).await
}
