//! `retention`: the scheduled function that enforces each tenant's retention
//! windows. Every run sweeps the quarters of the expiry index that have passed
//! their window since the last, within a budget
//! ([`sideline_app::retention::retention_pass`]); what does not fit is left to the
//! next run, which starts where this one stopped.
//!
//! Any payload runs a pass: the schedule's `Scheduled Event`, or an invocation by
//! hand (`aws lambda invoke`). The answer is what the pass did.

use serde_json::Value;
use sideline_app::retention::{retention_pass, Budget};
use sideline_app::standing::TenantSettings;
use sideline_ports::{Clock, Retention, TenantConfigs};

/// The function's parts.
pub struct RetentionDeps<S, K> {
    pub store: S,
    pub clock: K,
    pub settings: TenantSettings,
    pub budget: Budget,
}

/// Runs one pass; a pass that cannot list tenants answers with why (the next
/// scheduled run tries again).
pub async fn handle<S: Retention + TenantConfigs, K: Clock>(
    _payload: Value,
    deps: &RetentionDeps<S, K>,
) -> Value {
    let now_ms = deps.clock.now_ms();
    match retention_pass(&deps.store, &deps.settings, now_ms, deps.budget).await {
        Ok(report) => serde_json::to_value(&report).unwrap_or(Value::Null),
        Err(err) => {
            tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "retention pass could not list tenants");
            serde_json::json!({ "failed": err.to_string() })
        }
    }
}
