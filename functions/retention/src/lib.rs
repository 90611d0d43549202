//! `retention`: the scheduled function that enforces each tenant's retention
//! windows and runs erasure requests. Every run sweeps the quarters of the expiry
//! index that have passed their window since the last, within a budget
//! ([`sideline_app::retention::retention_pass`]), then takes erasure requests on
//! ([`sideline_app::erasure::run_erasures`]) within a budget of its own; what
//! does not fit is left to the next run, which starts where this one stopped.
//!
//! Any payload runs: the schedule's `Scheduled Event`, or an invocation by hand
//! (`aws lambda invoke`). The answer is what the run did.

use serde_json::{json, Value};
use sideline_app::erasure::run_erasures;
use sideline_app::retention::{retention_pass, Budget};
use sideline_app::standing::TenantSettings;
use sideline_ports::{Clock, ExportFiles, Ports};

/// The function's parts.
pub struct RetentionDeps<P, F> {
    pub ports: P,
    /// Where exports are kept as files (an erased user's goes too).
    pub files: F,
    pub settings: TenantSettings,
    pub budget: Budget,
    /// Items erasure may erase in one run.
    pub erasure_items: usize,
}

/// Runs one pass and one erasure run; a part that cannot start answers with why
/// (the next scheduled run tries again) and the other still runs.
pub async fn handle<P: Ports, F: ExportFiles>(
    _payload: Value,
    deps: &RetentionDeps<P, F>,
) -> Value {
    let store = deps.ports.store();
    let now_ms = deps.ports.clock().now_ms();
    let pass = match retention_pass(store, &deps.settings, now_ms, deps.budget).await {
        Ok(report) => serde_json::to_value(&report).unwrap_or(Value::Null),
        Err(err) => {
            tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "retention pass could not list tenants");
            json!({ "failed": err.to_string() })
        }
    };
    let erasures = match run_erasures(
        store,
        deps.ports.connections(),
        &deps.files,
        now_ms,
        deps.erasure_items,
        None,
    )
    .await
    {
        Ok(report) => serde_json::to_value(&report).unwrap_or(Value::Null),
        Err(err) => {
            tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "erasure run could not list requests");
            json!({ "failed": err.to_string() })
        }
    };
    let mut answer = pass;
    if let Value::Object(map) = &mut answer {
        map.insert("erasures".into(), erasures);
    }
    answer
}
