//! devstack: Sideline whole on one machine, no AWS account.
//!
//! One port serves what API Gateway serves in AWS, and runs the very same handlers:
//! - `GET /?token=…` upgrades to a WebSocket after the `$connect` authorizer and
//!   `ws-connect` ran; every text frame is routed to `$default` (`ws-message`); the
//!   end of the socket runs `$disconnect` (`ws-disconnect`). API Gateway's limits
//!   apply: 32 KB frames and 128 KB messages (closed with 1009), 10 min idle and
//!   2 h maximum (closed with 1001).
//! - `POST`/`GET`/`DELETE /@connections/{id}` (also under `/{stage}/`) is the
//!   management API. The handlers reach it through the real AWS SDK client, and an
//!   unknown id is 410 `GoneException`, as in AWS.
//! - `GET /demo` serves the demo page (a simulated live match with the room
//!   panel beside it) and `GET /demo/{file}` the built panel, from `clients/js`.
//! - `GET /dev/token?tenant=&sub=&role=&name=` mints a dev token with the
//!   configured secret.
//! - The stream: the in-memory store reports its changes (the outbox), a pump
//!   encodes them as the records DynamoDB's stream would carry and hands them to
//!   `ingest` in batches; on DynamoDB (`--dynamodb-endpoint`) the table's own
//!   stream is polled instead (`streams`). `POST /events` takes signed host events
//!   as the HTTP API route does.
//! - Time: every handler reads the configured clock ([`DevstackConfig::clock`]), so
//!   a test can hold a [`ManualClock`](sideline_ports::ManualClock) and move it; and
//!   [`Devstack::drain`] waits until the stream, the bus and the moderation queue
//!   are empty, so tests wait for the pipeline rather than sleep.
//! - The bus ([`bus::LocalBus`]): `template.yaml`'s rules matched with EventBridge
//!   pattern semantics, and every event written to `--events-out` as one JSON line.
//!
//! # Layout
//!
//! - [`DevstackConfig`], [`Devstack`]: configure, start, stop.
//! - `gateway`: the WebSocket side (authorize, connect, frames, limits, disconnect).
//! - `management`: the `@connections` API, the dev token and host events endpoints.
//! - `demo`: the demo page and the panel's files.
//! - [`bus`]: rules, matching, `--events-out`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use sideline_app::erasure::{
    run_erasures_until, ErasureReport, ErasureRunError, Interrupt, DEFAULT_RUN_ITEMS,
};
use sideline_app::publish::RetryPolicy;
use sideline_app::retention::{retention_pass, Budget, RetentionReport};
use sideline_app::standing::{demotion_pass, PassReport, StandingError, PASS_LIMIT};
use sideline_aws::stream::{encode, StreamEvent};
use sideline_aws::{sdk, ApiGatewayConnections, DynamoStore, PostBudget, S3ExportFiles};
use sideline_domain::config::Limits;
use sideline_inline::policy::Policies;
use sideline_memory::{MemoryStore, Outbox};
use sideline_ports::{Adapters, BackendError, Clock, RetentionError, Store, SystemClock};
use sideline_token::{TokenConfig, TokenConfigError, TokenVerifier, VerifyingKey};
use tokio::sync::{mpsc, oneshot, Notify};
use ws_message::MessageDeps;

pub mod bus;
mod demo;
mod gateway;
mod management;
mod streams;

/// The allocator devstack's binary and its benchmarks use. Fan-out is allocation
/// heavy (every SDK call builds its request afresh) and glibc's allocator was a
/// sixth of the CPU time in the fan-out profile.
pub type Allocator = mimalloc::MiMalloc;

/// How devstack behaves. The defaults are API Gateway's.
#[derive(Debug, Clone)]
pub struct DevstackConfig {
    pub bind: SocketAddr,
    pub jwt_secret: String,
    /// Required `aud` claim, as `SIDELINE_JWT_AUDIENCE` in AWS.
    pub jwt_audience: Option<String>,
    pub limits: Limits,
    pub idle_timeout: Duration,
    pub max_connection_age: Duration,
    pub frame_limit: usize,
    pub message_limit: usize,
    /// Every event put on the bus is appended here as one JSON line.
    pub events_out: Option<PathBuf>,
    /// The secret host events are signed with (`POST /events`).
    pub host_events_secret: Option<String>,
    /// The template whose rules the bus matches (default: the one built in).
    pub template: String,
    /// The `source` of every event.
    pub event_source: String,
    /// Moderation policies per tenant (`SIDELINE_MODERATION_CONFIG`).
    pub moderation: Policies,
    /// The clock every handler reads (the system's by default; a test may pass a
    /// manual one and move it).
    pub clock: SharedClock,
    /// How often the scoring function's demotion pass runs (`None`: only when
    /// [`Devstack::demotion_pass`] is called).
    pub demotion_pass_every: Option<Duration>,
    /// How often the retention function runs (`None`: only when
    /// [`Devstack::retention_pass`] is called). In AWS a schedule runs it (every
    /// 15 minutes by default).
    pub retention_every: Option<Duration>,
    /// A bucket behind a local S3 endpoint (moto) where exports larger than
    /// `export_inline_bytes` are kept and linked to; without one every export
    /// is answered whole.
    pub export_bucket: Option<ExportBucket>,
    pub export_inline_bytes: usize,
    /// The client package (`clients/js`) `/demo` serves the demo page and the
    /// built panel from (`None`: no demo).
    pub web_dir: Option<PathBuf>,
    /// Posts a second every fan-out together may make (the deployment's post
    /// budget, kept in this process); 0: none.
    pub post_budget_per_second: u32,
}

/// An S3 bucket behind a local endpoint.
#[derive(Debug, Clone)]
pub struct ExportBucket {
    pub endpoint: String,
    pub bucket: String,
}

/// A clock devstack and a test can share.
#[derive(Clone)]
pub struct SharedClock(pub Arc<dyn Clock>);

impl SharedClock {
    pub fn new(clock: impl Clock + 'static) -> Self {
        Self(Arc::new(clock))
    }
}

impl Clock for SharedClock {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

impl std::fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedClock(now = {})", self.0.now_ms())
    }
}

/// API Gateway's WebSocket frame limit.
pub const FRAME_LIMIT: usize = 32 * 1024;
/// API Gateway's WebSocket message limit (and `@connections` payload limit).
pub const MESSAGE_LIMIT: usize = 128 * 1024;

impl DevstackConfig {
    pub fn new(bind: SocketAddr, jwt_secret: String) -> Self {
        Self {
            bind,
            jwt_secret,
            jwt_audience: None,
            limits: Limits::default(),
            idle_timeout: Duration::from_secs(10 * 60),
            max_connection_age: Duration::from_secs(2 * 3600),
            frame_limit: FRAME_LIMIT,
            message_limit: MESSAGE_LIMIT,
            post_budget_per_second: sideline_aws::gateway::DEFAULT_POSTS_PER_SECOND,
            events_out: None,
            host_events_secret: None,
            template: bus::TEMPLATE.to_owned(),
            event_source: "sideline".to_owned(),
            moderation: Policies::default(),
            clock: SharedClock::new(SystemClock),
            demotion_pass_every: Some(Duration::from_secs(60)),
            retention_every: Some(Duration::from_secs(60)),
            export_bucket: None,
            export_inline_bytes: api::DEFAULT_EXPORT_INLINE_BYTES,
            web_dir: Some(demo::default_web_dir()),
        }
    }

    /// A free loopback port and the given secret.
    pub fn for_tests(secret: &str) -> Self {
        Self::new(SocketAddr::from(([127, 0, 0, 1], 0)), secret.to_owned())
    }
}

/// Why devstack could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevstackError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("bad JWT secret")]
    Secret(#[from] TokenConfigError),
    #[error("cannot prepare the DynamoDB table")]
    Table(#[source] BackendError),
    #[error("cannot read the template's rules")]
    Rules(#[from] bus::RulesError),
    #[error("cannot open --events-out")]
    EventsOut(#[source] std::io::Error),
    #[error("cannot prepare the export bucket")]
    ExportBucket(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What devstack sends a socket.
#[derive(Debug)]
enum Outbound {
    Text(String),
    Close(u16, &'static str),
}

/// One live socket, as the `@connections` API sees it.
struct Socket {
    outbound: mpsc::UnboundedSender<Outbound>,
    connected_at_ms: i64,
    last_active_ms: Arc<AtomicI64>,
    source_ip: String,
    user_agent: String,
    /// Ends the socket without `$disconnect` (a dead network path).
    sever: Arc<Notify>,
    /// Posts still to be lost on the way (`POST /dev/faults/@connections/{id}`):
    /// answered 200 and never delivered, as a fan-out cut short.
    drop_posts: Arc<std::sync::atomic::AtomicU32>,
}

type Registry = Mutex<HashMap<String, Socket>>;

fn registry_lock(registry: &Registry) -> std::sync::MutexGuard<'_, HashMap<String, Socket>> {
    registry.lock().unwrap_or_else(|e| e.into_inner())
}

/// Shared state of a running devstack.
struct App<S> {
    config: DevstackConfig,
    bus: Arc<bus::LocalBus>,
    ingest: ingest::IngestConfig,
    verifier: TokenVerifier,
    message: MessageDeps<Adapters<S, ApiGatewayConnections, SharedClock>>,
    registry: Registry,
    addr: SocketAddr,
    pipeline: Arc<Pipeline>,
    /// Where large exports are kept (`config.export_bucket`).
    files: Option<S3ExportFiles>,
    /// The stream's batched messages, for the coalesced fan-out's windows.
    /// Each with when it came off the stream.
    fanout: mpsc::UnboundedSender<(tokio::time::Instant, sideline_aws::stream::StreamRecord)>,
    /// A function timeout asked for (`POST /dev/faults/invocations`).
    timeout: Arc<TimeoutFault>,
}

/// `ws-message` invocations cut short, as a Lambda function that reaches its
/// timeout is: once `after_posts` more posts have been delivered, the
/// invocations running are dropped where they are, and the posts they still had
/// in flight (any post in the next [`CUT_LASTS`]) are lost.
#[derive(Default)]
struct TimeoutFault {
    /// Posts still to be delivered before the cut; 0 when none is armed.
    after_posts: std::sync::atomic::AtomicU32,
    /// Set at the cut, for [`CUT_LASTS`].
    cut: std::sync::atomic::AtomicBool,
    /// Which arming the cut belongs to, so an old cut's end leaves a new one be.
    armed: std::sync::atomic::AtomicU64,
    /// Wakes the invocations to stop.
    stop_invocations: Notify,
}

/// How long posts are lost after a cut: those the stopped invocations had on
/// the wire arrive within it.
const CUT_LASTS: Duration = Duration::from_millis(200);

impl TimeoutFault {
    /// Arms the fault: the invocations running when `after_posts` more posts
    /// have gone out are stopped.
    fn arm(&self, after_posts: u32) {
        self.armed.fetch_add(1, Ordering::SeqCst);
        self.cut.store(false, Ordering::SeqCst);
        self.after_posts.store(after_posts, Ordering::SeqCst);
    }

    /// Whether a post may go out: `Lost` once the cut is made. The post that
    /// makes it (the last before it) goes out; [`Self::stop`] then stops the
    /// invocations.
    fn admit(&self) -> Admit {
        if self.cut.load(Ordering::SeqCst) {
            return Admit::Lost;
        }
        match self
            .after_posts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        {
            Ok(1) => {
                self.cut.store(true, Ordering::SeqCst);
                Admit::Last
            }
            _ => Admit::Go,
        }
    }

    /// Stops the running invocations, and lets posts through again after
    /// [`CUT_LASTS`] (whichever function made the last post).
    fn stop(self: &Arc<Self>) {
        self.stop_invocations.notify_waiters();
        let armed = self.armed.load(Ordering::SeqCst);
        let fault = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CUT_LASTS).await;
            if fault.armed.load(Ordering::SeqCst) == armed {
                fault.cut.store(false, Ordering::SeqCst);
            }
        });
    }
}

/// What [`TimeoutFault::admit`] says of a post.
#[derive(PartialEq, Eq)]
enum Admit {
    Go,
    /// The last post before the cut.
    Last,
    /// Past the cut: lost.
    Lost,
}

/// A running devstack. Dropping it stops the server.
pub struct Devstack {
    addr: SocketAddr,
    bus: Arc<bus::LocalBus>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    control: Arc<dyn Control>,
    pipeline: Arc<Pipeline>,
}

/// Work in flight between the store and the last consumer: changes not yet
/// ingested, and bus deliveries the moderation function has not finished. Each
/// stage counts its work done only after everything it caused is counted, so the
/// total reaches zero only when the pipeline is quiet.
#[derive(Default)]
struct Pipeline {
    /// Changes the store reported and the pump has not finished (the outbox's).
    stream: Arc<AtomicUsize>,
    /// Events the bus handed to the moderation function and it has not finished.
    moderation: Arc<AtomicUsize>,
    /// Events the bus handed to the scoring function and it has not finished.
    scoring: Arc<AtomicUsize>,
    /// Client frames `ws-message` is still handling (work after the reply, such
    /// as a violation counted after the ack, stores changes too).
    frames: AtomicUsize,
    /// Woken whenever a stage finishes some work.
    progress: Notify,
    /// On DynamoDB: the stream's polling rounds so far, and how many in a row
    /// found nothing (`drain` waits for quiet rounds, since pending records cannot
    /// be counted before they are read).
    rounds: AtomicUsize,
    quiet_rounds: AtomicUsize,
    /// The stream is DynamoDB's, polled (not the in-memory store's outbox).
    polled: bool,
}

impl Pipeline {
    fn in_flight(&self) -> usize {
        self.stream.load(Ordering::SeqCst)
            + self.moderation.load(Ordering::SeqCst)
            + self.scoring.load(Ordering::SeqCst)
            + self.frames.load(Ordering::SeqCst)
    }

    /// Counts one client frame in flight until the guard is dropped.
    fn frame(&self) -> FrameGuard<'_> {
        self.frames.fetch_add(1, Ordering::SeqCst);
        FrameGuard(self)
    }
}

/// One client frame in flight (see [`Pipeline::frame`]).
struct FrameGuard<'a>(&'a Pipeline);

impl Drop for FrameGuard<'_> {
    fn drop(&mut self) {
        self.0.frames.fetch_sub(1, Ordering::SeqCst);
        self.0.progress.notify_waiters();
    }
}

/// What the handle may do to the running app, whatever its store type.
trait Control: Send + Sync {
    fn sever(&self, connection_id: &str) -> bool;
    fn close_all(&self);
    fn open_sockets(&self) -> usize;
    /// The scoring function's scheduled demotion pass, once.
    fn demotion_pass(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<PassReport, StandingError>> + Send + '_>,
    >;
    /// The retention function's scheduled pass, once.
    fn retention_pass(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<RetentionReport, RetentionError>> + Send + '_>,
    >;
    /// The retention function's erasure run, once (stopping where `interrupt`
    /// says, as a crash would).
    fn erasure_run(
        &self,
        items: usize,
        interrupt: Interrupt,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ErasureReport, ErasureRunError>> + Send + '_>,
    >;
}

impl<S: Store + 'static> Control for App<S> {
    fn demotion_pass(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<PassReport, StandingError>> + Send + '_>,
    > {
        Box::pin(demotion_pass(
            &self.message.ports,
            &self.message.settings,
            PASS_LIMIT,
        ))
    }

    fn retention_pass(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<RetentionReport, RetentionError>> + Send + '_>,
    > {
        Box::pin(retention_pass(
            &self.message.ports.store,
            &self.message.settings,
            self.message.ports.clock.now_ms(),
            Budget::default(),
        ))
    }

    fn erasure_run(
        &self,
        items: usize,
        interrupt: Interrupt,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ErasureReport, ErasureRunError>> + Send + '_>,
    > {
        Box::pin(run_erasures_until(
            &self.message.ports.store,
            &self.message.ports.connections,
            &self.files,
            self.message.ports.clock.now_ms(),
            items,
            None,
            interrupt,
        ))
    }

    fn sever(&self, connection_id: &str) -> bool {
        match registry_lock(&self.registry).remove(connection_id) {
            Some(socket) => {
                socket.sever.notify_one();
                true
            }
            None => false,
        }
    }

    fn close_all(&self) {
        for socket in registry_lock(&self.registry).values() {
            let _ = socket.outbound.send(Outbound::Close(1001, "Going away"));
        }
    }

    fn open_sockets(&self) -> usize {
        registry_lock(&self.registry).len()
    }
}

impl Devstack {
    /// Starts with the in-memory store, whose changes flow through `ingest` to the bus.
    pub async fn start_in_memory(config: DevstackConfig) -> Result<Self, DevstackError> {
        let (store, outbox) = MemoryStore::with_outbox(config.clock.0.clone());
        Self::start_with_outbox(config, store, Some(outbox)).await
    }

    /// Starts with the DynamoDB store at `endpoint` (created if missing), reading
    /// the table's stream into `ingest` as Lambda's event source mapping does.
    pub async fn start_with_dynamodb(
        config: DevstackConfig,
        endpoint: &str,
        table: &str,
    ) -> Result<Self, DevstackError> {
        let sdk = sdk::local(endpoint);
        let store = DynamoStore::from_sdk(&sdk, table);
        let existed = store
            .client()
            .describe_table()
            .table_name(table)
            .send()
            .await
            .is_ok();
        store.ensure_table().await.map_err(DevstackError::Table)?;
        let arn = store
            .client()
            .describe_table()
            .table_name(table)
            .send()
            .await
            .ok()
            .and_then(|out| {
                out.table()
                    .and_then(|t| t.latest_stream_arn())
                    .map(str::to_owned)
            })
            .ok_or_else(|| {
                DevstackError::Table(BackendError::corrupt("the table has no stream"))
            })?;
        let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
        Self::start_inner(config, store, None, Some((streams, arn, !existed))).await
    }

    /// Starts with any store (its changes reach the bus only if it streams them).
    pub async fn start<S: Store + 'static>(
        config: DevstackConfig,
        store: S,
    ) -> Result<Self, DevstackError> {
        Self::start_with_outbox(config, store, None).await
    }

    async fn start_with_outbox<S: Store + 'static>(
        config: DevstackConfig,
        store: S,
        outbox: Option<Outbox>,
    ) -> Result<Self, DevstackError> {
        Self::start_inner(config, store, outbox, None).await
    }

    async fn start_inner<S: Store + 'static>(
        mut config: DevstackConfig,
        store: S,
        outbox: Option<Outbox>,
        stream: Option<(aws_sdk_dynamodbstreams::Client, String, bool)>,
    ) -> Result<Self, DevstackError> {
        if outbox.is_none() && stream.is_none() && config.limits.batch_above > 0 {
            // Nothing would read the stream to deliver a hot room's messages.
            tracing::warn!("a store without a stream: hot rooms are not batched");
            config.limits.batch_above = 0;
        }
        let rules = bus::Rules::from_template(&config.template)?;
        let bus = Arc::new(
            bus::LocalBus::new(rules, config.events_out.as_deref(), config.clock.0.clone())
                .map_err(DevstackError::EventsOut)?,
        );
        let mut pipeline = Pipeline {
            polled: stream.is_some(),
            ..Pipeline::default()
        };
        if let Some(outbox) = &outbox {
            pipeline.stream = outbox.pending();
        }
        let pipeline = Arc::new(pipeline);
        let ingest = ingest::IngestConfig {
            source: config.event_source.clone(),
            bus: "devstack".to_owned(),
            retry: RetryPolicy::default(),
            host_secret: config
                .host_events_secret
                .as_ref()
                .map(|s| s.as_bytes().to_vec()),
        };
        let verifier = TokenVerifier::new(&TokenConfig {
            key: VerifyingKey::Hs256 {
                secret: config.jwt_secret.as_bytes().to_vec(),
            },
            audience: config.jwt_audience.clone(),
            issuer: None,
        })?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| DevstackError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| DevstackError::Bind {
                addr: config.bind,
                source,
            })?;
        // The handlers post through the real SDK client, to this very server.
        let connections = ApiGatewayConnections::for_endpoint(
            &sdk::local(&format!("http://{addr}")),
            &format!("http://{addr}"),
        )
        .with_budget(match config.post_budget_per_second {
            0 => PostBudget::Unlimited,
            rate => PostBudget::local(rate),
        })
        // Every handler here shares this client (in AWS each invocation has its
        // own): a bound on posts in flight bounds the connections they hold.
        .with_max_in_flight(MAX_POSTS_IN_FLIGHT);
        let mut message = MessageDeps::new(
            store,
            connections,
            config.clock.clone(),
            config.limits.clone(),
        );
        message.policies = config.moderation.clone();
        let files = match &config.export_bucket {
            Some(at) => {
                let files = S3ExportFiles::local(&at.endpoint, &at.bucket)
                    .map_err(|e| DevstackError::ExportBucket(Box::new(e)))?;
                files
                    .create_local_bucket()
                    .await
                    .map_err(|e| DevstackError::ExportBucket(Box::new(e)))?;
                Some(files)
            }
            None => None,
        };
        let (fanout_tx, fanout_rx) = mpsc::unbounded_channel();
        let app = Arc::new(App {
            fanout: fanout_tx,
            timeout: Arc::default(),
            files,
            config,
            bus: bus.clone(),
            ingest,
            verifier,
            message,
            registry: Mutex::new(HashMap::new()),
            addr,
            pipeline: pipeline.clone(),
        });
        if let Some(outbox) = outbox {
            tokio::spawn(pump_stream(outbox, app.clone()));
        }
        tokio::spawn(run_fanout(app.clone(), fanout_rx));
        if let Some((streams, arn, fresh)) = stream {
            tokio::spawn(streams::pump(app.clone(), streams, arn, fresh));
        }
        // The moderation queue's function runs here, on the same store.
        let (moderation_tx, moderation_rx) = mpsc::unbounded_channel();
        bus.attach(
            "ModerationQueue",
            moderation_tx,
            pipeline.moderation.clone(),
        );
        tokio::spawn(run_moderation(app.clone(), moderation_rx, pipeline.clone()));
        // And the scoring queue's.
        let (scoring_tx, scoring_rx) = mpsc::unbounded_channel();
        bus.attach("ScoringQueue", scoring_tx, pipeline.scoring.clone());
        tokio::spawn(run_scoring(app.clone(), scoring_rx, pipeline.clone()));
        // And the schedules: the scoring function's demotion pass and the
        // retention function's pass.
        let control: Arc<dyn Control> = app.clone();
        on_schedule(app.config.demotion_pass_every, move || {
            let control = control.clone();
            async move {
                match control.demotion_pass().await {
                    Ok(report) if report.checked > 0 => tracing::info!(?report, "demotion pass"),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "demotion pass failed"),
                }
            }
        });
        let control: Arc<dyn Control> = app.clone();
        on_schedule(app.config.retention_every, move || {
            let control = control.clone();
            async move {
                match control.retention_pass().await {
                    Ok(report) if report.removed_total() > 0 => {
                        tracing::info!(?report, "retention pass")
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "retention pass failed"),
                }
                match control
                    .erasure_run(DEFAULT_RUN_ITEMS, Interrupt::None)
                    .await
                {
                    Ok(report) if report.requests > 0 => tracing::info!(?report, "erasure run"),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "erasure run failed"),
                }
            }
        });
        let router = Router::new()
            .route("/", get(gateway::upgrade::<S>))
            .merge(management::routes::<S>())
            .merge(demo::routes::<S>())
            .with_state(app.clone());
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let control: Arc<dyn Control> = app.clone();
        let closer = control.clone();
        let task = tokio::spawn(async move {
            let serve = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = shutdown_rx.await;
                closer.close_all();
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "devstack server failed");
            }
        });
        Ok(Self {
            addr,
            bus,
            shutdown: Some(shutdown_tx),
            task: Some(task),
            control,
            pipeline,
        })
    }

    /// Waits until everything already stored has gone through the stream,
    /// `ingest`, the bus and the moderation function (and whatever that stored in
    /// turn). Tests call it after the acks they wait for, instead of sleeping.
    /// Gives up after `patience`, returning false.
    pub async fn drain(&self, patience: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + patience;
        let started = self.pipeline.rounds.load(Ordering::SeqCst);
        // On DynamoDB the stream's records are not known until read: quiet means
        // the last two polling rounds found nothing, both begun after the call
        // (the round under way when it came may have read before the last write,
        // so three must end).
        let quiet = || {
            !self.pipeline.polled
                || (self.pipeline.rounds.load(Ordering::SeqCst) >= started + 3
                    && self.pipeline.quiet_rounds.load(Ordering::SeqCst) >= 2)
        };
        loop {
            // Registered before the check, so progress between the two is not missed.
            let progress = self.pipeline.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            if self.pipeline.in_flight() == 0 && quiet() {
                return true;
            }
            if tokio::time::timeout_at(deadline, progress).await.is_err() {
                return self.pipeline.in_flight() == 0 && quiet();
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every event put on the bus so far.
    pub fn published(&self) -> Vec<sideline_ports::PutEntry> {
        self.bus.published()
    }

    /// Every rule match so far (what the rules' targets would have received).
    pub fn deliveries(&self) -> Vec<bus::Delivery> {
        self.bus.deliveries()
    }

    /// Runs the scoring function's scheduled demotion pass now (devstack also runs
    /// it every `DevstackConfig::demotion_pass_every`).
    pub async fn demotion_pass(&self) -> Result<PassReport, StandingError> {
        self.control.demotion_pass().await
    }

    /// Runs the retention function's pass now (devstack also runs it every
    /// `DevstackConfig::retention_every`).
    pub async fn retention_pass(&self) -> Result<RetentionReport, RetentionError> {
        self.control.retention_pass().await
    }

    /// Runs the retention function's erasure run now (devstack also runs it
    /// after each scheduled pass), erasing at most `items`; `interrupt` stops it
    /// part-way as a crash would.
    pub async fn erasure_run(
        &self,
        items: usize,
        interrupt: Interrupt,
    ) -> Result<ErasureReport, ErasureRunError> {
        self.control.erasure_run(items, interrupt).await
    }

    /// Hands a rule match to its targets again (a duplicate delivery, as SQS may
    /// make); false if no in-process target took it.
    pub fn redeliver(&self, delivery: &bus::Delivery) -> bool {
        self.bus.redeliver(delivery)
    }

    /// Kills a socket the way a dead network path does: no close frame and no
    /// `$disconnect`, so the store still lists the connection until a post finds it
    /// gone. Returns whether the connection was open.
    pub fn sever(&self, connection_id: &str) -> bool {
        self.control.sever(connection_id)
    }

    /// Sockets open now.
    pub fn open_sockets(&self) -> usize {
        self.control.open_sockets()
    }

    /// Closes every socket with 1001 and stops the server, waiting up to `grace`
    /// for sockets to finish their `$disconnect`.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let deadline = tokio::time::Instant::now() + grace;
        while self.control.open_sockets() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(grace, task).await;
        }
    }
}

/// The `moderation` function: every event the moderation rule matched, one at a
/// time, as its queue would deliver them.
async fn run_moderation<S: Store + 'static>(
    app: Arc<App<S>>,
    mut events: mpsc::UnboundedReceiver<serde_json::Value>,
    pipeline: Arc<Pipeline>,
) {
    while let Some(event) = events.recv().await {
        let stage = moderation::stage::StageRef {
            ports: &app.message.ports,
            limits: &app.message.limits,
            policies: &app.message.policies,
            classifier: None::<&moderation::classifier::NoClassifier>,
            idempotency_window_s: 300,
            settings: Some(&app.message.settings),
        };
        match moderation::stage::handle_event(&event, &stage).await {
            Ok(outcome) => tracing::debug!(outcome = ?outcome, "moderation stage"),
            Err(err) => tracing::warn!(error = %err, "moderation stage failed"),
        }
        pipeline.moderation.fetch_sub(1, Ordering::SeqCst);
        pipeline.progress.notify_waiters();
    }
}

/// The `scoring` function: every event the scoring rule matched, one at a time,
/// with the settings `ws-message` and the API share.
async fn run_scoring<S: Store + 'static>(
    app: Arc<App<S>>,
    mut events: mpsc::UnboundedReceiver<serde_json::Value>,
    pipeline: Arc<Pipeline>,
) {
    let deps = scoring::ScoringDeps {
        ports: &app.message.ports,
        settings: app.message.settings.clone(),
    };
    while let Some(event) = events.recv().await {
        match scoring::handle_event(&event, &deps).await {
            Ok(outcome) => tracing::debug!(outcome = ?outcome, "scoring"),
            Err(err) => tracing::warn!(error = %err, "scoring failed"),
        }
        pipeline.scoring.fetch_sub(1, Ordering::SeqCst);
        pipeline.progress.notify_waiters();
    }
}

/// Most records handed to `ingest` at once, as the event source mapping's batch size.
const STREAM_BATCH: usize = 100;

/// The stream: encodes the store's changes as the records DynamoDB's stream would
/// carry (the same item codec) and hands them to `ingest` in batches of what has
/// arrived, as Lambda's event source mapping does.
async fn pump_stream<S: Store + 'static>(mut outbox: Outbox, app: Arc<App<S>>) {
    let stamp = ingest::Experiments {
        store: &app.message.ports.store,
        settings: &app.message.settings,
        clock: &app.message.ports.clock,
        pseudonyms: &ingest::PseudonymCache::default(),
    };
    let mut sequence = 0u64;
    while let Some(first) = outbox.changes.recv().await {
        let mut changes = vec![first];
        while changes.len() < STREAM_BATCH {
            match outbox.changes.try_recv() {
                Ok(change) => changes.push(change),
                Err(_) => break,
            }
        }
        // The stream stamps a record with the second it saw the change.
        let records = changes
            .iter()
            .filter_map(|(change, at_ms)| {
                sequence += 1;
                encode(change, sequence, at_ms.div_euclid(1000) as f64)
            })
            .collect();
        ingest_records(&app, records, &stamp).await;
        outbox.done(changes.len());
        app.pipeline.progress.notify_waiters();
    }
}

/// Runs `pass` every `period` (not at once), as a schedule would; never when
/// `period` is `None`.
fn on_schedule<F, Fut>(period: Option<Duration>, mut pass: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let Some(period) = period else { return };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.tick().await;
        loop {
            tick.tick().await;
            pass().await;
        }
    });
}

/// Posts in flight at once over all of devstack's handlers (each holds an HTTP
/// connection to devstack's own `@connections`).
pub const MAX_POSTS_IN_FLIGHT: usize = 512;

/// How long the coalesced fan-out collects a hot room's messages before it
/// delivers them (Lambda polls a stream shard about four times a second).
pub const FANOUT_WINDOW: Duration = Duration::from_millis(250);

/// The stream's fan-out consumer: the batched records of each `FANOUT_WINDOW`,
/// from when the first came off the stream, handed to the `fanout` function as
/// one batch. A window is timed from its first record's arrival, not from the
/// end of the last delivery, so a delivery that takes long does not push the
/// next window's messages later (Lambda, too, starts a shard's next invocation
/// as soon as the last ends, with what arrived meanwhile). A record it fails
/// back is logged: Lambda would retry it, devstack does not.
async fn run_fanout<S: Store + 'static>(
    app: Arc<App<S>>,
    mut records: mpsc::UnboundedReceiver<(
        tokio::time::Instant,
        sideline_aws::stream::StreamRecord,
    )>,
) {
    let sent = sideline_app::coalesce::PresenceSent::default();
    while let Some((arrived, first)) = records.recv().await {
        tokio::time::sleep_until(arrived + FANOUT_WINDOW).await;
        let mut batch = vec![first];
        while let Ok((_, record)) = records.try_recv() {
            batch.push(record);
        }
        let (response, _) = fanout::handle_stream(
            StreamEvent { records: batch },
            &app.message.ports,
            &app.message.limits,
            &sent,
        )
        .await;
        for failure in response.batch_item_failures {
            tracing::warn!(sequence = %failure.item_identifier, "batched message not delivered");
        }
    }
}

/// Whether the template's filters for the fan-out consumer pass `record`: a
/// message or reaction stored `batched`, a vote cast or changed so, or a
/// batched reaction removed.
fn batched_record(record: &sideline_aws::stream::StreamRecord) -> bool {
    use sideline_aws::stream::AttrValue;
    let image = if record.event_name == "REMOVE" {
        record.dynamodb.old_image.as_ref()
    } else {
        record.dynamodb.new_image.as_ref()
    };
    let Some(image) = image else {
        return false;
    };
    let kind = match image.get("kind") {
        Some(AttrValue::S(kind)) => kind.as_str(),
        _ => return false,
    };
    let events: &[&str] = match kind {
        "message" => &["INSERT"],
        "reaction" => &["INSERT", "REMOVE"],
        "vote" => &["INSERT", "MODIFY"],
        _ => return false,
    };
    events.contains(&record.event_name.as_str())
        && image.get("fanout") == Some(&AttrValue::S("batched".into()))
}

/// Hands stream records to `ingest` as one batch (and the batched messages,
/// reactions and votes among them to the fan-out consumer). A record `ingest` fails back is logged: Lambda
/// would retry it, devstack does not.
async fn ingest_records<S: Store + 'static>(
    app: &App<S>,
    records: Vec<sideline_aws::stream::StreamRecord>,
    stamp: &impl ingest::Stamp,
) {
    for record in records.iter().filter(|r| batched_record(r)) {
        let _ = app
            .fanout
            .send((tokio::time::Instant::now(), record.clone()));
    }
    let response =
        ingest::handle_stream(StreamEvent { records }, &*app.bus, &app.ingest, stamp).await;
    for failure in response.batch_item_failures {
        tracing::warn!(sequence = %failure.item_identifier, "stream record not ingested");
    }
}

impl Drop for Devstack {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod fanout_filter {
    use super::batched_record;
    use quamina::Quamina;
    use serde_json::json;

    /// The `FanoutFunction`'s stream filters, as `template.yaml` has them.
    fn template_filters() -> Quamina<String> {
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(include_str!("../../../template.yaml")).expect("template");
        let filters = doc["Resources"]["FanoutFunction"]["Properties"]["Events"]["TableStream"]
            ["Properties"]["FilterCriteria"]["Filters"]
            .as_sequence()
            .expect("the fan-out consumer's filters");
        let mut matcher = Quamina::new();
        for (n, filter) in filters.iter().enumerate() {
            let pattern = filter["Pattern"].as_str().expect("a pattern");
            matcher
                .add_pattern(format!("filter {n}"), pattern)
                .expect("a pattern Lambda would take");
        }
        matcher
    }

    /// devstack hands the fan-out consumer exactly the records the template's
    /// filters let through a deployment's event source mapping.
    #[test]
    fn devstack_passes_the_records_the_template_s_filters_pass() {
        let matcher = template_filters();
        let mut passed = Vec::new();
        for event in ["INSERT", "MODIFY", "REMOVE"] {
            for kind in ["message", "reaction", "vote", "poll", "member"] {
                for batched in [true, false] {
                    let mut image =
                        json!({"PK": {"S": "T#acme#R#r"}, "SK": {"S": "X#1"}, "kind": {"S": kind}});
                    if batched {
                        image["fanout"] = json!({"S": "batched"});
                    }
                    let mut dynamodb = json!({"Keys": {"PK": {"S": "T#acme#R#r"}, "SK": {"S": "X#1"}}, "SequenceNumber": "1"});
                    if event != "INSERT" {
                        dynamodb["OldImage"] = image.clone();
                    }
                    if event != "REMOVE" {
                        dynamodb["NewImage"] = image;
                    }
                    let record: sideline_aws::stream::StreamRecord =
                        serde_json::from_value(json!({"eventName": event, "dynamodb": dynamodb}))
                            .expect("a stream record");
                    let as_lambda_sees_it = serde_json::to_string(&record).expect("json");
                    let template = !matcher
                        .matches_for_event(as_lambda_sees_it.as_bytes())
                        .expect("matchable")
                        .is_empty();
                    assert_eq!(
                        batched_record(&record),
                        template,
                        "{event} {kind} batched={batched}"
                    );
                    if template {
                        passed.push(format!("{event} {kind}"));
                    }
                }
            }
        }
        assert_eq!(
            passed,
            [
                "INSERT message",
                "INSERT reaction",
                "INSERT vote",
                "MODIFY vote",
                "REMOVE reaction"
            ]
        );
    }
}
