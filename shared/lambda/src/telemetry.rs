//! One tracing set-up for every binary.

use tracing_subscriber::EnvFilter;

/// JSON logs for CloudWatch (one object a line, span fields included), filtered by
/// `RUST_LOG` (default `info`). Call once, first thing in `main`.
pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_current_span(true)
        .with_target(false)
        .without_time() // CloudWatch stamps every line.
        .try_init();
}

/// Human-readable logs for devstack and tools.
pub fn init_pretty(default_filter: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_target(false)
        .try_init();
}
