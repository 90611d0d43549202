//! Lambda bootstrap for `retention`: a schedule (every 15 minutes by default)
//! invokes it.

use retention::{handle, RetentionDeps};
use sideline_app::erasure::DEFAULT_RUN_ITEMS;
use sideline_app::retention::Budget;
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, S3ExportFiles};
use sideline_lambda::{boot, serve, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let deps = RetentionDeps {
        ports: sdk::ports_from_env(&env)?,
        files: S3ExportFiles::from_env(&env)?,
        settings: TenantSettings::default(),
        budget: Budget::default(),
        erasure_items: DEFAULT_RUN_ITEMS,
    };
    serve(|payload| handle(payload, &deps)).await
}
