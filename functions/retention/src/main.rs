//! Lambda bootstrap for `retention`: a schedule (every 15 minutes by default)
//! invokes it.

use retention::{handle, RetentionDeps};
use sideline_app::retention::Budget;
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, DynamoStore};
use sideline_domain::config::Env;
use sideline_lambda::{boot, serve, Error};
use sideline_ports::SystemClock;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let sdk = sdk::from_env(&env)?;
    let deps = RetentionDeps {
        store: DynamoStore::from_sdk(&sdk, env.required("TABLE_NAME")?),
        clock: SystemClock,
        settings: TenantSettings::default(),
        budget: Budget::default(),
    };
    serve(|payload| handle(payload, &deps)).await
}
