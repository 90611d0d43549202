//! Lambda bootstrap for `ingest`: the DynamoDB stream event source and the host
//! events HTTP route invoke the same function; [`ingest::handle`] tells them apart.
//! The table is read only for tenants' settings (experiment arms on events).

// The SDK clients' futures nest deeper than the default limit allows.
#![recursion_limit = "256"]

use ingest::{Experiments, IngestConfig};
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, DynamoStore, EventBridgeSink};
use sideline_domain::config::Env;
use sideline_lambda::{boot, serve_fallible, Error};
use sideline_ports::SystemClock;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let config = IngestConfig::from_env(&env)?;
    let aws = sdk::from_env(&env)?;
    let sink = EventBridgeSink::from_sdk(&aws);
    let store = DynamoStore::from_sdk(&aws, env.required("TABLE_NAME")?);
    let settings = TenantSettings::default();
    let stamp = Experiments {
        store: &store,
        settings: &settings,
        clock: &SystemClock,
        pseudonyms: &ingest::PseudonymCache::default(),
    };
    serve_fallible(|payload| ingest::handle(payload, &sink, &config, &SystemClock, &stamp)).await
}
