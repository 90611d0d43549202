//! Lambda bootstrap for `moderation`: the moderation queue (fed by the EventBridge
//! rule on sent and edited messages and reports) invokes it with SQS batches.

// The stage's future nests deeply (batch, record span, event, judge, ports); its
// layout needs more than the default query depth.
#![recursion_limit = "256"]

use moderation::classifier::HttpClassifier;
use moderation::handle_sqs;
use moderation::stage::StageDeps;
use sideline_app::standing::TenantSettings;
use sideline_aws::sdk;
use sideline_domain::config::{idempotency_window, Limits};
use sideline_inline::policy::Policies;
use sideline_lambda::{boot, serve, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = boot();
    let deps = StageDeps {
        ports: sdk::ports_from_env(&env)?,
        limits: Limits::from_env(&env)?,
        policies: Policies::from_env(&env)?,
        classifier: HttpClassifier::from_env(&env)?,
        idempotency_window_s: i64::try_from(idempotency_window(&env)?.as_secs())?,
        settings: TenantSettings::default(),
    };
    serve(|event| async { handle_sqs(event, &deps.stage()).await.response }).await
}
