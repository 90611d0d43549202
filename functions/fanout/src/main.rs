//! Lambda bootstrap for `fanout`: the table's stream, filtered to batched
//! messages, reactions and votes, invokes it with each window's records.

// The SDK clients' futures nest deeper than the default limit allows.
#![recursion_limit = "256"]

use sideline_app::coalesce::PresenceSent;
use sideline_aws::sdk;
use sideline_aws::stream::StreamEvent;
use sideline_domain::config::Limits;
use sideline_lambda::{boot, serve, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let ports = sdk::ports_from_env(&env)?;
    let limits = Limits::from_env(&env)?;
    // What presence each room was last sent, for the instance's life.
    let sent = PresenceSent::default();
    serve(|event: StreamEvent| async {
        fanout::handle_stream(event, &ports, &limits, &sent).await.0
    })
    .await
}
