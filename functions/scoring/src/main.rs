//! Lambda bootstrap for `scoring`: the scoring queue (fed by the EventBridge rule
//! on the events that score) invokes it with SQS batches, and a schedule with the
//! demotion pass.

// The handler's future nests deeply (batch, record span, event, store, frames).
#![recursion_limit = "256"]

use std::sync::Arc;

use scoring::{handle, ScoringDeps};
use sideline_app::standing::TenantSettings;
use sideline_aws::sdk;
use sideline_lambda::{boot, serve_fallible, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let deps = ScoringDeps {
        ports: sdk::ports_from_env(&env)?,
        settings: Arc::new(TenantSettings::default()),
    };
    serve_fallible(|payload| handle(payload, &deps)).await
}
