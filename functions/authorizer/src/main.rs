//! Lambda bootstrap for the `$connect` authorizer. Refuses to start without a key.

use authorizer::handle;
use sideline_lambda::{boot, serve_fallible, Error};
use sideline_token::{TokenConfig, TokenVerifier};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let verifier = TokenVerifier::new(&TokenConfig::from_env(&env)?)?;
    serve_fallible(|event| handle(event, &verifier)).await
}
