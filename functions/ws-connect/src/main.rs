//! Lambda bootstrap for `ws-connect`.

use sideline_aws::{sdk, DynamoStore};
use sideline_domain::config::Env;
use sideline_lambda::{boot, serve, Error};
use sideline_ports::SystemClock;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let store = DynamoStore::from_sdk(&sdk::from_env(&env)?, env.required("TABLE_NAME")?);
    serve(|event| ws_connect::handle(event, &store, &SystemClock)).await
}
