//! `cargo run -p devstack`: Sideline on one port, no AWS account.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use devstack::{Devstack, DevstackConfig, ExportBucket};
use sideline_domain::config::{Env, Limits, ProcessEnv};
use sideline_inline::policy::Policies;
use sideline_lambda::telemetry;

/// Run Sideline locally: API Gateway WebSocket + @connections semantics, the real
/// handlers, in-memory state (or DynamoDB at an endpoint you give).
#[derive(Parser, Debug)]
#[command(name = "devstack", version)]
struct Args {
    /// Port to listen on.
    #[arg(long, default_value_t = 3001)]
    port: u16,
    /// The client package `/demo` serves from (default: clients/js of this checkout).
    #[arg(long)]
    web_dir: Option<std::path::PathBuf>,
    /// Address to listen on. Keep it on loopback unless you mean to share it.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// HS256 secret tokens are signed with (at least 16 bytes). Without one a
    /// dev-only secret is generated and printed.
    #[arg(long, env = "SIDELINE_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Require this `aud` claim (tokens for another audience get 403).
    #[arg(long, env = "SIDELINE_JWT_AUDIENCE")]
    jwt_audience: Option<String>,
    /// Keep state in DynamoDB at this endpoint (e.g. moto server) instead of memory.
    #[arg(long)]
    dynamodb_endpoint: Option<String>,
    /// Table to use with --dynamodb-endpoint (created if missing).
    #[arg(long, default_value = "sideline-devstack")]
    table: String,
    /// Append every event put on the bus to this file, one JSON line each
    /// (the PutEvents entry: Source, DetailType, Detail, EventBusName).
    #[arg(long)]
    events_out: Option<std::path::PathBuf>,
    /// Secret host events (POST /events) are signed with; default: the JWT secret.
    #[arg(long, env = "SIDELINE_HOST_EVENTS_SECRET", hide_env_values = true)]
    host_events_secret: Option<String>,
    /// Keep exports larger than --export-inline-bytes in this bucket behind an S3
    /// endpoint (e.g. moto server; created if missing) and answer with a link.
    /// Without it every export is answered whole.
    #[arg(long, requires = "export_bucket")]
    s3_endpoint: Option<String>,
    /// The bucket for --s3-endpoint.
    #[arg(long, requires = "s3_endpoint")]
    export_bucket: Option<String>,
    /// Exports up to this size are answered whole (as in AWS).
    #[arg(long, default_value_t = api::DEFAULT_EXPORT_INLINE_BYTES)]
    export_inline_bytes: usize,
    /// Close sockets idle this long (API Gateway: 600).
    #[arg(long, default_value_t = 600)]
    idle_timeout_secs: u64,
    /// Close sockets this old (API Gateway: 7200).
    #[arg(long, default_value_t = 7200)]
    max_connection_secs: u64,
}

#[global_allocator]
static ALLOCATOR: devstack::Allocator = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init_pretty(tracing::level_filters::LevelFilter::INFO);
    let args = Args::parse();
    let env = ProcessEnv;
    let limits = match Limits::from_env(&env) {
        // devstack runs the stream's fan-out consumer: hot rooms are batched
        // unless SIDELINE_BATCH_ABOVE says otherwise.
        Ok(mut limits) => {
            if env.text("SIDELINE_BATCH_ABOVE").is_none() {
                limits.batch_above = sideline_app::coalesce::DEFAULT_BATCH_ABOVE;
            }
            limits
        }
        Err(err) => {
            eprintln!("devstack: {}", chain(&err));
            return ExitCode::from(2);
        }
    };
    let policies = match Policies::from_env(&env) {
        Ok(policies) => policies,
        Err(err) => {
            eprintln!("devstack: {}", chain(&err));
            return ExitCode::from(2);
        }
    };
    let (secret, generated) = match args.jwt_secret {
        Some(secret) => (secret, false),
        None => (format!("dev-only-{}", uuid::Uuid::now_v7().simple()), true),
    };
    let mut config = DevstackConfig::new(SocketAddr::new(args.host, args.port), secret.clone());
    // The same variable as the functions', with the same default.
    config.post_budget_per_second = match env.number(
        "SIDELINE_POST_BUDGET_PER_SECOND",
        config.post_budget_per_second,
        0,
    ) {
        Ok(rate) => rate,
        Err(err) => {
            eprintln!("devstack: {}", chain(&err));
            return ExitCode::from(2);
        }
    };
    config.limits = limits;
    config.moderation = policies;
    config.jwt_audience = args.jwt_audience.clone();
    config.events_out = args.events_out.clone();
    if let Some(dir) = &args.web_dir {
        config.web_dir = Some(dir.clone());
    }
    config.host_events_secret = Some(
        args.host_events_secret
            .clone()
            .unwrap_or_else(|| secret.clone()),
    );
    config.idle_timeout = Duration::from_secs(args.idle_timeout_secs.max(1));
    if let (Some(endpoint), Some(bucket)) = (&args.s3_endpoint, &args.export_bucket) {
        config.export_bucket = Some(ExportBucket {
            endpoint: endpoint.clone(),
            bucket: bucket.clone(),
        });
    }
    config.export_inline_bytes = args.export_inline_bytes.max(1);
    config.max_connection_age = Duration::from_secs(args.max_connection_secs.max(1));
    let started = match &args.dynamodb_endpoint {
        Some(endpoint) => Devstack::start_with_dynamodb(config, endpoint, &args.table).await,
        None => Devstack::start_in_memory(config).await,
    };
    let devstack = match started {
        Ok(devstack) => devstack,
        Err(err) => {
            eprintln!("devstack: {}", chain(&err));
            return ExitCode::from(1);
        }
    };
    let addr = devstack.addr();
    let store = match &args.dynamodb_endpoint {
        Some(endpoint) => format!("DynamoDB table `{}` at {endpoint}", args.table),
        None => "in memory (lost on exit)".to_owned(),
    };
    println!("Sideline devstack is running.");
    println!("  WebSocket     ws://{addr}/?token=<JWT>");
    println!(
        "  demo          http://{addr}/demo  (a live match with the room panel; open two windows)"
    );
    println!("  @connections  http://{addr}/@connections/{{connectionId}}");
    println!("  state         {store}");
    println!("  host events   POST http://{addr}/events  (HMAC-signed; see docs/events.md)");
    match &args.export_bucket {
        Some(bucket) => println!(
            "  exports       over {} bytes: s3://{bucket} (a link in the answer)",
            args.export_inline_bytes
        ),
        None => println!(
            "  exports       answered whole (--s3-endpoint and --export-bucket keep large ones)"
        ),
    }
    match &args.events_out {
        Some(path) => println!("  events out    {}", path.display()),
        None => println!("  events out    (none; --events-out FILE writes every event)"),
    }
    if generated {
        println!("  JWT secret    {secret}  (dev only; set --jwt-secret or SIDELINE_JWT_SECRET to choose one)");
    } else {
        println!("  JWT secret    from --jwt-secret / SIDELINE_JWT_SECRET");
    }
    println!();
    println!("Get a dev token and connect:");
    println!("  TOKEN=$(curl -s 'http://{addr}/dev/token?tenant=demo&sub=alice&role=member')");
    println!("  websocat \"ws://{addr}/?token=$TOKEN\"");
    println!("  {{\"action\":\"join\",\"room\":\"match:1\"}}");
    println!();
    println!("Ctrl-C stops it.");
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("devstack: cannot listen for Ctrl-C; stopping");
    }
    println!("Stopping: closing sockets…");
    devstack.shutdown(Duration::from_secs(3)).await;
    ExitCode::SUCCESS
}

/// An error and its causes, on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}
