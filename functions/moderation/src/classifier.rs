//! The pluggable external classifier: an HTTP endpoint speaking the request and
//! response shape of the common moderation APIs (OpenAI's `/v1/moderations` and
//! the services compatible with it):
//!
//! ```text
//! POST {url}  {"input": "text", "model"?: "..."}   (Authorization: Bearer {key} when set)
//! 200 {"results": [{"flagged": bool, "categories": {name: bool}, "category_scores": {name: 0..1}}]}
//! ```
//!
//! Off by default; `SIDELINE_CLASSIFIER_URL` turns it on (`SIDELINE_CLASSIFIER_KEY`,
//! `SIDELINE_CLASSIFIER_MODEL`, `SIDELINE_CLASSIFIER_TIMEOUT_MS` optional). A
//! failing classifier never blocks moderation: the stage judges without it.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// What the classifier said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Classification {
    pub flagged: bool,
    /// Categories it flagged.
    pub categories: Vec<String>,
    /// Score per category, 0–1.
    pub scores: BTreeMap<String, f32>,
}

/// Why a classification is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ClassifierError(pub String);

/// A second opinion on a text.
pub trait Classifier: Send + Sync {
    fn classify(
        &self,
        text: &str,
    ) -> impl Future<Output = Result<Classification, ClassifierError>> + Send;
}

/// No classifier (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoClassifier;

impl Classifier for NoClassifier {
    async fn classify(&self, _text: &str) -> Result<Classification, ClassifierError> {
        Err(ClassifierError("no classifier configured".into()))
    }
}

#[derive(Deserialize)]
struct ResponseDto {
    results: Vec<ResultDto>,
}

#[derive(Deserialize)]
struct ResultDto {
    #[serde(default)]
    flagged: bool,
    #[serde(default)]
    categories: BTreeMap<String, bool>,
    #[serde(default)]
    category_scores: BTreeMap<String, f32>,
}

type HttpsClient = Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

/// The HTTP classifier.
pub struct HttpClassifier {
    url: hyper::Uri,
    key: Option<String>,
    model: Option<String>,
    timeout: Duration,
    client: HttpsClient,
}

impl HttpClassifier {
    pub fn new(
        url: &str,
        key: Option<String>,
        model: Option<String>,
        timeout: Duration,
    ) -> Result<Self, ClassifierError> {
        let url: hyper::Uri = url
            .parse()
            .map_err(|e| ClassifierError(format!("SIDELINE_CLASSIFIER_URL: {e}")))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) {
            return Err(ClassifierError(
                "SIDELINE_CLASSIFIER_URL must be an http or https URL".into(),
            ));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| ClassifierError(format!("TLS roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            url,
            key,
            model,
            timeout,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// The classifier configured in the environment; `None` when it is off.
    pub fn from_env(
        env: &impl sideline_domain::config::Env,
    ) -> Result<Option<Self>, sideline_domain::config::ConfigError> {
        let Some(url) = env.text("SIDELINE_CLASSIFIER_URL") else {
            return Ok(None);
        };
        let timeout_ms: u64 = env.number("SIDELINE_CLASSIFIER_TIMEOUT_MS", 2_000, 0)?;
        Self::new(
            &url,
            env.text("SIDELINE_CLASSIFIER_KEY"),
            env.text("SIDELINE_CLASSIFIER_MODEL"),
            Duration::from_millis(timeout_ms),
        )
        .map(Some)
        .map_err(|e| sideline_domain::config::ConfigError::invalid("SIDELINE_CLASSIFIER_URL", e.0))
    }

    async fn call(&self, text: &str) -> Result<Classification, ClassifierError> {
        let mut body = serde_json::json!({ "input": text });
        if let Some(model) = &self.model {
            body["model"] = serde_json::json!(model);
        }
        let mut request =
            hyper::Request::post(self.url.clone()).header("content-type", "application/json");
        if let Some(key) = &self.key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| ClassifierError(e.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| ClassifierError(format!("request failed: {e}")))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ClassifierError(format!("reading the answer: {e}")))?
            .to_bytes();
        if !status.is_success() {
            return Err(ClassifierError(format!("answered {status}")));
        }
        let parsed: ResponseDto = serde_json::from_slice(&bytes)
            .map_err(|e| ClassifierError(format!("unreadable answer: {e}")))?;
        let first = parsed
            .results
            .into_iter()
            .next()
            .ok_or_else(|| ClassifierError("answer has no results".into()))?;
        Ok(Classification {
            flagged: first.flagged,
            categories: first
                .categories
                .into_iter()
                .filter(|(_, on)| *on)
                .map(|(name, _)| name)
                .collect(),
            scores: first
                .category_scores
                .into_iter()
                .map(|(name, score)| (name, score.clamp(0.0, 1.0)))
                .collect(),
        })
    }
}

impl Classifier for HttpClassifier {
    async fn classify(&self, text: &str) -> Result<Classification, ClassifierError> {
        match tokio::time::timeout(self.timeout, self.call(text)).await {
            Ok(result) => result,
            Err(_) => Err(ClassifierError(format!(
                "no answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }
}
