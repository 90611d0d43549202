//! The `@connections` port over `aws-sdk-apigatewaymanagement`, with its own
//! retries: a post API Gateway refuses for a while — throttled by the account's
//! rate (429, `LimitExceededException`), a 5xx, a timeout or a dropped connection —
//! is sent again after a random wait under a ceiling that doubles each try (full
//! jitter), at most [`PostRetry::attempts`] times. The SDK's own retries are off
//! for this client, so one policy decides. What still fails is returned
//! ([`PostError::Throttled`] or [`PostError::Failed`]) and counted
//! ([`PostCounts`]); the callers log it, and the client's catch-up fills the gap.
//!
//! Fan-outs also ask a deployment-wide [`PostBudget`] first
//! ([`Connections::reserve`]), so that every function's posts together stay under
//! a configured rate (default 8,000 a second, under the account's 10,000): a
//! counter per second in the table, shared by every instance (devstack, one
//! process, keeps it in memory).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;
use aws_smithy_types::retry::RetryConfig;
use aws_types::SdkConfig;
use sideline_domain::config::{ConfigError, Env};
use sideline_domain::ids::ConnectionId;
use sideline_ports::{Connections, Grant, PostError};
use tracing::warn;

/// How posts refused for a while are sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostRetry {
    /// Tries per post at most, the first included.
    pub attempts: u32,
    /// The ceiling of the wait before the second try; doubled for each try after.
    pub initial_backoff: Duration,
    /// The highest ceiling.
    pub max_backoff: Duration,
}

impl Default for PostRetry {
    fn default() -> Self {
        Self {
            attempts: 4,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(800),
        }
    }
}

impl PostRetry {
    /// `SIDELINE_POST_ATTEMPTS` (1 to 10, default 4) and `SIDELINE_POST_BACKOFF_MS`
    /// (the first ceiling, 1 to 10,000, default 50; the highest is 16 times it).
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        let attempts: u32 = env.number("SIDELINE_POST_ATTEMPTS", d.attempts, 1)?;
        if attempts > 10 {
            return Err(ConfigError::invalid(
                "SIDELINE_POST_ATTEMPTS",
                "must be 1 to 10",
            ));
        }
        let backoff_ms: u64 = env.number("SIDELINE_POST_BACKOFF_MS", 50, 1)?;
        if backoff_ms > 10_000 {
            return Err(ConfigError::invalid(
                "SIDELINE_POST_BACKOFF_MS",
                "must be 1 to 10000",
            ));
        }
        Ok(Self {
            attempts,
            initial_backoff: Duration::from_millis(backoff_ms),
            max_backoff: Duration::from_millis(backoff_ms * 16),
        })
    }

    /// The wait before try `attempt` (2 for the first retry): a random duration
    /// below the ceiling for that try.
    fn wait(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(20);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let ceiling_us = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(fastrand::u64(0..=ceiling_us))
    }
}

/// Posts counted since the client was made (shared by its clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostCounts {
    /// Posts delivered, at the first try or a later one.
    pub delivered: u64,
    /// Tries after the first.
    pub retried: u64,
    /// Posts still throttled after every try.
    pub throttled: u64,
    /// Posts that failed otherwise (a 5xx after every try, a 403, a frame too large).
    pub failed: u64,
    /// Posts to connections that are gone (410).
    pub gone: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    retried: AtomicU64,
    throttled: AtomicU64,
    failed: AtomicU64,
    gone: AtomicU64,
}

/// What one try's failure means.
enum Refusal {
    Gone,
    /// Refused for the rate: try again.
    Throttled,
    /// Might work on another try.
    Transient,
    /// Will not work however often it is tried.
    Permanent,
}

fn refusal<E>(error: &SdkError<E, aws_smithy_runtime_api::http::Response>) -> Refusal
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    match error {
        SdkError::ServiceError(e) => {
            let status = e.raw().status().as_u16();
            match e.err().code() {
                Some("GoneException") => Refusal::Gone,
                Some("LimitExceededException" | "TooManyRequestsException") => Refusal::Throttled,
                _ if status == 410 => Refusal::Gone,
                _ if status == 429 => Refusal::Throttled,
                _ if status >= 500 => Refusal::Transient,
                _ => Refusal::Permanent,
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Refusal::Transient
        }
        _ => Refusal::Permanent,
    }
}

/// The deployment's `@connections` rate, shared by every fan-out.
#[derive(Clone, Debug)]
pub enum PostBudget {
    /// No budget: fan-outs post at once (API Gateway's own limit still applies).
    Unlimited,
    /// One process is the whole deployment (devstack): a counter per second here.
    Local(Arc<LocalBudget>),
    /// Every function instance shares it: a counter per second in the table.
    Table(TableBudget),
}

/// Default posts a second for every fan-out of the deployment together: the
/// account's `@connections` limit (10,000 a second, every API of the account and
/// region) less room for direct replies, which are not budgeted.
pub const DEFAULT_POSTS_PER_SECOND: u32 = 8_000;

impl PostBudget {
    /// `SIDELINE_POST_BUDGET_PER_SECOND` (default 8,000; 0: no budget) and
    /// `SIDELINE_POST_BUDGET_SHARDS` (1 to 64, default 4: the second's counter is
    /// split over that many items, each a share of the rate, so that no one item is
    /// written by every fan-out).
    pub fn from_env(
        env: &impl Env,
        client: aws_sdk_dynamodb::Client,
        table: &str,
    ) -> Result<Self, ConfigError> {
        let per_second: u32 = env.number(
            "SIDELINE_POST_BUDGET_PER_SECOND",
            DEFAULT_POSTS_PER_SECOND,
            0,
        )?;
        let shards: u32 = env.number("SIDELINE_POST_BUDGET_SHARDS", 4, 1)?;
        if shards > 64 || shards > per_second.max(1) {
            return Err(ConfigError::invalid(
                "SIDELINE_POST_BUDGET_SHARDS",
                "must be 1 to 64, and at most SIDELINE_POST_BUDGET_PER_SECOND",
            ));
        }
        Ok(if per_second == 0 {
            Self::Unlimited
        } else {
            Self::Table(TableBudget {
                client,
                table: table.to_owned(),
                per_second,
                shards,
            })
        })
    }

    /// A budget kept in this process.
    pub fn local(per_second: u32) -> Self {
        Self::Local(Arc::new(LocalBudget::new(per_second)))
    }

    async fn take(&self, wanted: usize) -> Grant {
        if wanted == 0 {
            return Grant::all(0);
        }
        let now_ms = now_ms();
        match self {
            Self::Unlimited => Grant::all(wanted),
            Self::Local(budget) => budget.take_at(wanted, now_ms),
            Self::Table(budget) => budget.take_at(wanted, now_ms).await,
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Until the next whole second.
fn to_next_second(now_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(1000 - now_ms.rem_euclid(1000)).unwrap_or(1000))
}

/// Posts granted out of what is left: `left` of the window before this request.
fn granted(wanted: usize, left: u64) -> usize {
    usize::try_from(left).map_or(wanted, |left| left.min(wanted))
}

/// A counter per second in memory.
#[derive(Debug)]
pub struct LocalBudget {
    per_second: u32,
    /// The second counted and the posts granted in it.
    window: Mutex<(i64, u64)>,
}

impl LocalBudget {
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            window: Mutex::new((i64::MIN, 0)),
        }
    }

    /// Takes up to `wanted` posts of the second `now_ms` falls in.
    pub fn take_at(&self, wanted: usize, now_ms: i64) -> Grant {
        let second = now_ms.div_euclid(1000);
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if window.0 != second {
            *window = (second, 0);
        }
        let left = u64::from(self.per_second).saturating_sub(window.1);
        let granted = granted(wanted, left);
        window.1 += granted as u64;
        Grant {
            granted,
            next_in: to_next_second(now_ms),
        }
    }
}

/// A counter per second (and shard) in the table: `POSTBUDGET#{second}#{shard}` /
/// `BUDGET`, kind `budget`, gone by TTL a minute later. One update per fan-out
/// while the second's budget lasts; up to one per shard once it runs short.
#[derive(Clone, Debug)]
pub struct TableBudget {
    client: aws_sdk_dynamodb::Client,
    table: String,
    per_second: u32,
    shards: u32,
}

impl TableBudget {
    /// A budget of `per_second` posts over `shards` items (at least one).
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: &str,
        per_second: u32,
        shards: u32,
    ) -> Self {
        Self {
            client,
            table: table.to_owned(),
            per_second,
            shards: shards.clamp(1, per_second.max(1)),
        }
    }

    /// Takes up to `wanted` posts of the second `now_ms` falls in: from one shard
    /// drawn at random, then, while it falls short, from the next ones in turn — so
    /// a take that gets less than it asked found every shard spent. The
    /// budget is a safeguard, not a gate: if the table cannot be reached, the posts
    /// go (API Gateway's own limit still holds) and the error is logged.
    pub async fn take_at(&self, wanted: usize, now_ms: i64) -> Grant {
        let second = now_ms.div_euclid(1000);
        let share = u64::from(self.per_second / self.shards);
        let first = fastrand::u32(0..self.shards);
        let mut total = 0;
        for shard in (0..self.shards).map(|k| (first + k) % self.shards) {
            let asked = wanted - total;
            match self.add(second, shard, asked).await {
                Ok(used_after) => {
                    let before = used_after.saturating_sub(asked as u64);
                    total += granted(asked, share.saturating_sub(before));
                }
                Err(error) => {
                    warn!(error = %error, "post budget unreadable; posting without it");
                    return Grant::all(wanted);
                }
            }
            if total == wanted {
                break;
            }
        }
        Grant {
            granted: total,
            next_in: to_next_second(now_ms),
        }
    }

    /// Adds `n` to a shard's counter; the counter after.
    async fn add(&self, second: i64, shard: u32, n: usize) -> Result<u64, String> {
        use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(
                "PK",
                AttributeValue::S(format!("POSTBUDGET#{second}#{shard}")),
            )
            .key("SK", AttributeValue::S("BUDGET".into()))
            .update_expression("ADD used :n SET #ttl = :ttl, kind = :kind")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
            .expression_attribute_values(":ttl", AttributeValue::N((second + 60).to_string()))
            .expression_attribute_values(":kind", AttributeValue::S("budget".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| aws_smithy_types::error::display::DisplayErrorContext(e).to_string())?;
        match out.attributes().and_then(|a| a.get("used")) {
            Some(AttributeValue::N(used)) => used.parse().map_err(|_| format!("used is {used}")),
            _ => Err("no counter in the answer".into()),
        }
    }
}

/// Posts frames through API Gateway's management API.
#[derive(Clone, Debug)]
pub struct ApiGatewayConnections {
    client: Client,
    retry: PostRetry,
    budget: PostBudget,
    counters: Arc<Counters>,
    /// At most this many posts in flight at once over every fan-out of the
    /// process (devstack, where every handler shares one client; HTTP/1.1 holds
    /// a connection per post in flight). `None`: as many as the callers make.
    in_flight: Option<Arc<tokio::sync::Semaphore>>,
}

impl ApiGatewayConnections {
    /// Over a client whose own retries should be off (as [`Self::for_endpoint`]'s
    /// are), so that a post is not tried `attempts` times the SDK's attempts.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            retry: PostRetry::default(),
            budget: PostBudget::Unlimited,
            counters: Arc::default(),
            in_flight: None,
        }
    }

    /// A client for the API's `https://{api}.execute-api.{region}.amazonaws.com/{stage}`
    /// endpoint (or devstack's URL).
    pub fn for_endpoint(sdk: &SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(sdk)
            .endpoint_url(endpoint)
            .retry_config(RetryConfig::disabled())
            .build();
        Self::new(Client::from_conf(conf))
    }

    /// The client a Lambda function posts with: `CONNECTIONS_ENDPOINT`, the retry
    /// policy ([`PostRetry::from_env`]) and the budget ([`PostBudget::from_env`], in
    /// `TABLE_NAME`).
    pub fn from_env(sdk: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        let table = env.required("TABLE_NAME")?;
        let budget = PostBudget::from_env(env, aws_sdk_dynamodb::Client::new(sdk), &table)?;
        Ok(
            Self::for_endpoint(sdk, &env.required("CONNECTIONS_ENDPOINT")?)
                .with_retry(PostRetry::from_env(env)?)
                .with_budget(budget),
        )
    }

    /// The same client with at most `posts` posts in flight at once.
    pub fn with_max_in_flight(mut self, posts: usize) -> Self {
        self.in_flight = Some(Arc::new(tokio::sync::Semaphore::new(posts.max(1))));
        self
    }

    /// The same client with another budget.
    pub fn with_budget(mut self, budget: PostBudget) -> Self {
        self.budget = budget;
        self
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: PostRetry) -> Self {
        self.retry = retry;
        self
    }

    /// What this client (and its clones) has posted so far.
    pub fn counts(&self) -> PostCounts {
        let c = &self.counters;
        PostCounts {
            delivered: c.delivered.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            gone: c.gone.load(Ordering::Relaxed),
        }
    }

    fn count(&self, counter: fn(&Counters) -> &AtomicU64) {
        counter(&self.counters).fetch_add(1, Ordering::Relaxed);
    }
}

impl Connections for ApiGatewayConnections {
    async fn post(&self, id: &ConnectionId, payload: &[u8]) -> Result<(), PostError> {
        let _permit = match &self.in_flight {
            Some(slots) => slots.acquire().await.ok(),
            None => None,
        };
        let mut attempt = 1;
        loop {
            let result = self
                .client
                .post_to_connection()
                .connection_id(id.as_str())
                .data(Blob::new(payload.to_vec()))
                .send()
                .await;
            let error = match result {
                Ok(_) => {
                    self.count(|c| &c.delivered);
                    return Ok(());
                }
                Err(error) => error,
            };
            let refused = refusal::<PostToConnectionError>(&error);
            let again = matches!(refused, Refusal::Throttled | Refusal::Transient)
                && attempt < self.retry.attempts;
            if again {
                attempt += 1;
                self.count(|c| &c.retried);
                tokio::time::sleep(self.retry.wait(attempt)).await;
                continue;
            }
            return Err(match refused {
                Refusal::Gone => {
                    self.count(|c| &c.gone);
                    PostError::Gone
                }
                Refusal::Throttled => {
                    self.count(|c| &c.throttled);
                    PostError::Throttled
                }
                Refusal::Transient | Refusal::Permanent => {
                    self.count(|c| &c.failed);
                    PostError::Failed(Box::new(error))
                }
            });
        }
    }

    async fn reserve(&self, wanted: usize) -> Grant {
        self.budget.take(wanted).await
    }

    async fn disconnect(&self, id: &ConnectionId) -> Result<(), PostError> {
        let result = self
            .client
            .delete_connection()
            .connection_id(id.as_str())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteConnectionError::GoneException(_)) =>
            {
                Err(PostError::Gone)
            }
            Err(e) => Err(PostError::Failed(Box::new(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_under_a_ceiling_that_doubles_up_to_the_highest() {
        let retry = PostRetry::default();
        for attempt in 2..=12 {
            let ceiling = Duration::from_millis(50 << (attempt - 2).min(4)).min(retry.max_backoff);
            for _ in 0..200 {
                assert!(retry.wait(attempt) <= ceiling, "try {attempt}");
            }
        }
    }

    #[test]
    fn waits_are_spread_not_fixed() {
        let retry = PostRetry::default();
        let waits: std::collections::BTreeSet<Duration> = (0..50).map(|_| retry.wait(3)).collect();
        assert!(waits.len() > 10, "{waits:?}");
    }

    #[test]
    fn a_local_budget_grants_a_second_s_posts_once() {
        let budget = LocalBudget::new(100);
        let t = 1_700_000_000_250;
        assert_eq!(budget.take_at(60, t).granted, 60);
        let short = budget.take_at(60, t + 500);
        assert_eq!(short.granted, 40);
        assert_eq!(short.next_in, Duration::from_millis(250));
        assert_eq!(budget.take_at(5, t + 700).granted, 0);
        // The next second opens a new share.
        assert_eq!(budget.take_at(150, t + 750).granted, 100);
    }

    #[test]
    fn settings_from_the_environment_are_checked() {
        use sideline_domain::config::lookup;
        let retry = PostRetry::from_env(&lookup(|name| match name {
            "SIDELINE_POST_ATTEMPTS" => Some("6".into()),
            "SIDELINE_POST_BACKOFF_MS" => Some("20".into()),
            _ => None,
        }))
        .expect("valid");
        assert_eq!(retry.attempts, 6);
        assert_eq!(retry.max_backoff, Duration::from_millis(320));
        for (name, value) in [
            ("SIDELINE_POST_ATTEMPTS", "0"),
            ("SIDELINE_POST_ATTEMPTS", "11"),
            ("SIDELINE_POST_BACKOFF_MS", "0"),
            ("SIDELINE_POST_BACKOFF_MS", "20000"),
            ("SIDELINE_POST_ATTEMPTS", "many"),
        ] {
            let got = PostRetry::from_env(&lookup(|n| (n == name).then(|| value.to_owned())));
            assert!(got.is_err(), "{name}={value}");
        }
    }
}
