//! Lambda bootstrap for `api`: the server API's HTTP API invokes it.

use std::sync::Arc;

use api::{export_inline_bytes, handle, ApiDeps};
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, S3ExportFiles};
use sideline_domain::config::{Env, Limits};
use sideline_lambda::{boot, serve, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let deps = ApiDeps {
        ports: sdk::ports_from_env(&env)?,
        settings: Arc::new(TenantSettings::default()),
        secret: env
            .text("SIDELINE_HOST_EVENTS_SECRET")
            .filter(|s| !s.is_empty())
            .map(String::into_bytes),
        files: S3ExportFiles::from_env(&env)?,
        export_inline_bytes: export_inline_bytes(&env)?,
        limits: Limits::from_env(&env)?,
    };
    serve(|request| async { handle(request, &deps).await }).await
}
