//! Lambda bootstrap for `scoring`: the scoring queue (fed by the EventBridge rule
//! on the events that score) invokes it with SQS batches, and a schedule with the
//! demotion pass.

// The handler's future nests deeply (batch, record span, event, store, frames).
#![recursion_limit = "256"]

use std::sync::Arc;

use scoring::{handle, ScoringDeps};
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, ApiGatewayConnections, DynamoStore};
use sideline_domain::config::Env;
use sideline_lambda::{boot, serve_fallible, Error};
use sideline_ports::{Adapters, SystemClock};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let sdk = sdk::from_env(&env)?;
    let deps = ScoringDeps {
        ports: Adapters {
            store: DynamoStore::from_sdk(&sdk, env.required("TABLE_NAME")?),
            connections: ApiGatewayConnections::for_endpoint(
                &sdk,
                &env.required("CONNECTIONS_ENDPOINT")?,
            ),
            clock: SystemClock,
        },
        settings: Arc::new(TenantSettings::default()),
    };
    serve_fallible(|payload| handle(payload, &deps)).await
}
