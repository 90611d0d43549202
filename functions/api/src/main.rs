//! Lambda bootstrap for `api`: the server API's HTTP API invokes it.

use std::sync::Arc;

use api::{handle, ApiDeps};
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, ApiGatewayConnections, DynamoStore};
use sideline_domain::config::Env;
use sideline_lambda::{boot, serve, Error};
use sideline_ports::{Adapters, SystemClock};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let sdk = sdk::from_env(&env)?;
    let deps = ApiDeps {
        ports: Adapters {
            store: DynamoStore::from_sdk(&sdk, env.required("TABLE_NAME")?),
            connections: ApiGatewayConnections::for_endpoint(
                &sdk,
                &env.required("CONNECTIONS_ENDPOINT")?,
            ),
            clock: SystemClock,
        },
        settings: Arc::new(TenantSettings::default()),
        secret: env
            .text("SIDELINE_HOST_EVENTS_SECRET")
            .filter(|s| !s.is_empty())
            .map(String::into_bytes),
    };
    serve(|request| async { handle(request, &deps).await }).await
}
