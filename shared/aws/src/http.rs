//! The HTTP client under every SDK client: HTTP/1.1 over rustls with ring, on the
//! hyper stack the bootstraps already carry.
//!
//! The SDK's own client (`aws-smithy-http-client`) always brings HTTP/2, which the
//! DynamoDB, EventBridge and `@connections` endpoints do not need: about 200 KB of
//! every bootstrap. This one keeps what the SDK asks of a client — connections
//! pooled per timeout settings, the connect and read timeouts applied, failures
//! classified so the SDK's retries treat them as it would its own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type Https = hyper_rustls::HttpsConnector<TcpConnector>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The HTTPS connector with one time limit over the whole connection set-up —
/// name lookup, TCP and the TLS handshake — as the SDK's own client has it (the
/// TCP connector's own limit covers the TCP connect alone).
#[derive(Debug, Clone)]
struct Timed {
    inner: Https,
    limit: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
#[error("connecting took longer than {0:?}")]
struct ConnectTimedOut(Duration);

impl tower_service::Service<http::Uri> for Timed {
    type Response = <Https as tower_service::Service<http::Uri>>::Response;
    type Error = BoxError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, BoxError>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let limit = self.limit;
        Box::pin(async move {
            match limit {
                Some(limit) => match tokio::time::timeout(limit, connecting).await {
                    Ok(connected) => connected,
                    Err(_) => Err(Box::new(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        ConnectTimedOut(limit),
                    )) as BoxError),
                },
                None => connecting.await,
            }
        })
    }
}

/// An [`HttpClient`] for the SDK: one pooled connector per distinct timeout
/// settings (in practice one per process).
#[derive(Debug, Default)]
struct Http1Client {
    connectors: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timeouts {
    connect: Option<Duration>,
    read: Option<Duration>,
}

/// The client every SDK client of the functions uses.
pub fn client() -> SharedHttpClient {
    SharedHttpClient::new(Http1Client::default())
}

fn https(connect_timeout: Option<Duration>) -> Timed {
    let mut tcp = TcpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let provider = rustls::crypto::ring::default_provider();
    let builder = match hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider.clone())
    {
        Ok(builder) => builder,
        Err(err) => {
            // Without the system's roots HTTPS cannot be verified; plain HTTP (a
            // local endpoint) still works, and every HTTPS call fails clearly.
            tracing::error!(error = %err, "no TLS root certificates; HTTPS calls will fail");
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
                .with_safe_default_protocol_versions()
                .expect("ring's provider supports the default protocol versions")
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
        }
    };
    Timed {
        inner: builder.https_or_http().enable_http1().wrap_connector(tcp),
        limit: connect_timeout,
    }
}

impl HttpClient for Http1Client {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let key = Timeouts {
            connect: settings.connect_timeout(),
            read: settings.read_timeout(),
        };
        let mut connectors = self
            .connectors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, connector)) = connectors.iter().find(|(k, _)| *k == key) {
            return connector.clone();
        }
        let connector = SharedHttpConnector::new(Http1Connector {
            client: Client::builder(TokioExecutor::new())
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .pool_idle_timeout(Duration::from_secs(60))
                // A burst of posts opens a connection each; keep only so many
                // idle afterwards rather than every one for a minute.
                .pool_max_idle_per_host(256)
                .build(https(key.connect)),
            read_timeout: key.read,
        });
        connectors.push((key, connector.clone()));
        connector
    }
}

#[derive(Debug, Clone)]
struct Http1Connector {
    client: Client<Timed, SdkBody>,
    read_timeout: Option<Duration>,
}

/// Why a call failed, in the SDK's terms: a timeout, or an I/O failure (both
/// retried as transient).
fn classify(err: hyper_util::client::legacy::Error) -> ConnectorError {
    let timed_out = {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        let mut found = false;
        while let Some(e) = source {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                found = io.kind() == std::io::ErrorKind::TimedOut;
                break;
            }
            source = e.source();
        }
        found
    };
    if timed_out {
        ConnectorError::timeout(err.into())
    } else {
        // Refused, reset or closed before the answer: worth a retry.
        ConnectorError::io(err.into())
    }
}

impl HttpConnector for Http1Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(err) => {
                return HttpConnectorFuture::ready(Err(ConnectorError::user(err.into())));
            }
        };
        let client = self.client.clone();
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let answer = client.request(request);
            let response = match read_timeout {
                Some(limit) => match tokio::time::timeout(limit, answer).await {
                    Ok(response) => response,
                    Err(elapsed) => return Err(ConnectorError::timeout(elapsed.into())),
                },
                None => answer.await,
            }
            .map_err(classify)?;
            let response = response.map(SdkBody::from_body_1_x);
            HttpResponse::try_from(response).map_err(|err| ConnectorError::other(err.into(), None))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_service::Service;

    /// A server that accepts the connection and never answers the TLS handshake:
    /// the connect limit covers the handshake, not only TCP.
    #[tokio::test]
    async fn the_connect_limit_covers_the_tls_handshake() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let _held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let mut connector = https(Some(Duration::from_millis(200)));
        let started = std::time::Instant::now();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .expect("ready");
        let uri: http::Uri = format!("https://127.0.0.1:{port}/").parse().expect("uri");
        let result = tokio::time::timeout(Duration::from_secs(5), connector.call(uri))
            .await
            .expect("the connector gave up by itself");
        let Err(err) = result else {
            panic!("no TLS answer, yet a connection");
        };
        let io = err
            .downcast_ref::<std::io::Error>()
            .expect("an I/O error, so the SDK retries it");
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
