//! Lambda bootstrap for the `$connect` authorizer. Refuses to start without a key.

use authorizer::handle;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use sideline_shared::lambda::AuthorizerRequest;
use sideline_shared::telemetry;
use sideline_shared::token::{TokenConfig, TokenVerifier};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_json();
    let verifier = TokenVerifier::new(&TokenConfig::from_env()?)?;
    run(service_fn(|event: LambdaEvent<AuthorizerRequest>| {
        let verifier = &verifier;
        async move { handle(event.payload, verifier).await }
    }))
    .await
}
