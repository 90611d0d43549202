//! Lambda bootstrap for `ws-message`: configuration, clients and adapters are built
//! once per cold start; each event goes to [`ws_message::handle`].

use sideline_aws::{sdk, ApiGatewayConnections, DynamoStore};
use sideline_domain::config::{Env, Limits};
use sideline_inline::policy::Policies;
use sideline_lambda::{boot, serve, Error};
use sideline_ports::SystemClock;
use ws_message::{handle, MessageDeps};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let sdk = sdk::from_env(&env)?;
    let mut deps = MessageDeps::new(
        DynamoStore::from_sdk(&sdk, env.required("TABLE_NAME")?),
        ApiGatewayConnections::from_env(&sdk, &env)?,
        SystemClock,
        Limits::from_env(&env)?,
    );
    deps.policies = Policies::from_env(&env)?;
    serve(|event| handle(event, &deps)).await
}
