//! Lambda bootstrap for `ws-disconnect`.

use sideline_aws::{sdk, ApiGatewayConnections, DynamoStore};
use sideline_domain::config::{Env, Limits};
use sideline_lambda::{boot, serve, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let limits = Limits::from_env(&env)?;
    let sdk = sdk::from_env(&env)?;
    let store = DynamoStore::from_sdk(&sdk, env.required("TABLE_NAME")?);
    let connections = ApiGatewayConnections::from_env(&sdk, &env)?;
    serve(|event| ws_disconnect::handle(event, &store, &connections, &limits)).await
}
