//! `ingest-redrive`: publishes again the stream ranges the event source mapping
//! gave up on, once whatever made them fail is fixed.
//!
//! ```sh
//! FAILURE_QUEUE_URL=https://sqs.../IngestFailureQueue EVENT_BUS_NAME=... TABLE_NAME=... ingest-redrive
//! ```
//!
//! Reads every on-failure record on the queue, reads its range back from the
//! table's stream (records are kept there 24 hours), runs it through `ingest` as
//! the Lambda would, and deletes the queue message when all of it was published.
//! Ranges that fail again, or that the stream no longer holds, stay on the queue
//! (14 days) and are logged. Prints, after the logs, one JSON line: `redriven`,
//! `records`, `left`. The exit code is 1 if any range was left.
//!
//! Takes the function's own settings (`EVENT_BUS_NAME`, `SIDELINE_EVENT_SOURCE`,
//! `TABLE_NAME`, …) and the usual AWS ones (`AWS_REGION`, credentials,
//! `AWS_ENDPOINT_URL` for a local stack).

// The SDK clients' futures nest deeper than the default limit allows.
#![recursion_limit = "256"]

use std::process::ExitCode;

use ingest::redrive::redrive;
use ingest::{Experiments, IngestConfig, PseudonymCache};
use sideline_app::standing::TenantSettings;
use sideline_aws::{sdk, DynamoStore, EventBridgeSink};
use sideline_domain::config::{Env, ProcessEnv};
use sideline_ports::SystemClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    sideline_lambda::telemetry::init_pretty(tracing::level_filters::LevelFilter::INFO);
    let env = ProcessEnv;
    let setup = (|| {
        let config = IngestConfig::from_env(&env)?;
        let aws = sdk::from_env(&env)?;
        let table = env.required("TABLE_NAME")?;
        let queue = env.required("FAILURE_QUEUE_URL")?;
        Ok::<_, sideline_domain::config::ConfigError>((config, aws, table, queue))
    })();
    let (config, aws, table, queue) = match setup {
        Ok(setup) => setup,
        Err(err) => {
            eprintln!("ingest-redrive: {err}");
            return ExitCode::from(2);
        }
    };
    let sink = EventBridgeSink::from_sdk(&aws);
    let store = DynamoStore::from_sdk(&aws, table);
    let settings = TenantSettings::default();
    let stamp = Experiments {
        store: &store,
        settings: &settings,
        clock: &SystemClock,
        pseudonyms: &PseudonymCache::default(),
    };
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let streams = aws_sdk_dynamodbstreams::Client::new(&aws);
    match redrive(&sqs, &queue, &streams, &sink, &config, &stamp).await {
        Ok(report) => {
            println!(
                "{}",
                serde_json::json!({
                    "redriven": report.redriven,
                    "records": report.records,
                    "left": report.left,
                })
            );
            if report.left == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("ingest-redrive: {err}");
            ExitCode::FAILURE
        }
    }
}
