//! One tracing set-up for every binary.
//!
//! `RUST_LOG` takes a level (`info`, `debug`…) or comma-separated `target=level`
//! directives (`warn,sideline_inline=debug`). Span and field filters are not read: they
//! would bring a second regex engine into every bootstrap.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::{filter::Targets, fmt, prelude::*, Layer, Registry};

/// The filter `RUST_LOG` asks for, or `default` everywhere when it is unset or does not
/// parse (then said once, as a warning, after the subscriber is up).
fn targets(default: LevelFilter) -> (Targets, Option<String>) {
    targets_from(std::env::var("RUST_LOG").ok().as_deref(), default)
}

fn targets_from(value: Option<&str>, default: LevelFilter) -> (Targets, Option<String>) {
    // Directives trimmed, empty ones left out (`info,`, `warn, app=debug`), as
    // `EnvFilter` read them.
    let directives = value.map(|value| {
        value
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(",")
    });
    match directives {
        Some(value) if !value.is_empty() => match value.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(err) => (
                Targets::new().with_default(default),
                Some(format!(
                    "RUST_LOG={value:?} ignored ({err}); logging at {default}"
                )),
            ),
        },
        _ => (Targets::new().with_default(default), None),
    }
}

/// JSON logs for CloudWatch (one object a line, span fields included), filtered by
/// `RUST_LOG` (default `info`). Call once, first thing in `main`.
pub fn init_json() {
    let layer = fmt::layer()
        .json()
        .with_current_span(true)
        .with_target(false)
        .without_time(); // CloudWatch stamps every line.
    install(layer, LevelFilter::INFO);
}

/// Human-readable logs for devstack and tools, filtered by `RUST_LOG` (default
/// `default_level`).
pub fn init_pretty(default_level: LevelFilter) {
    install(fmt::layer().with_target(false), default_level);
}

/// `layer` as the global subscriber behind `RUST_LOG`'s filter (see
/// [`targets`]); a value that does not parse is said once it is up.
fn install<L>(layer: L, default_level: LevelFilter)
where
    L: Layer<Registry> + Send + Sync + 'static,
{
    let (filter, problem) = targets(default_level);
    if tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .is_ok()
    {
        if let Some(problem) = problem {
            tracing::warn!("{problem}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn a_level_or_directives_are_read() {
        let (filter, problem) = targets_from(Some("warn"), LevelFilter::INFO);
        assert!(problem.is_none());
        assert!(filter.would_enable("ws_message", &Level::WARN));
        assert!(!filter.would_enable("ws_message", &Level::INFO));

        let (filter, problem) =
            targets_from(Some("warn, sideline_inline=debug,"), LevelFilter::INFO);
        assert!(problem.is_none());
        assert!(filter.would_enable("sideline_inline::pii", &Level::DEBUG));
        assert!(!filter.would_enable("ws_message", &Level::INFO));
    }

    #[test]
    fn a_trailing_comma_keeps_the_level() {
        let (filter, problem) = targets_from(Some("info,"), LevelFilter::WARN);
        assert!(problem.is_none());
        assert!(filter.would_enable("ws_message", &Level::INFO));
    }

    #[test]
    fn unset_or_unreadable_falls_back_to_the_default_and_says_so() {
        for unset in [None, Some(""), Some("  "), Some(" , ")] {
            let (filter, problem) = targets_from(unset, LevelFilter::INFO);
            assert!(problem.is_none());
            assert!(filter.would_enable("ws_message", &Level::INFO));
            assert!(!filter.would_enable("ws_message", &Level::DEBUG));
        }
        let (filter, problem) = targets_from(Some("ws_message=loud"), LevelFilter::INFO);
        let problem = problem.expect("an unreadable RUST_LOG is reported");
        assert!(problem.contains("ws_message=loud"), "{problem}");
        assert!(filter.would_enable("ws_message", &Level::INFO));
        assert!(!filter.would_enable("ws_message", &Level::DEBUG));
    }
}
