//! The `@connections` adapter over `aws-sdk-apigatewaymanagement`, and the SDK
//! configuration shared by every AWS adapter.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_apigatewaymanagement::config::BehaviorVersion;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_types::region::Region;
use aws_types::SdkConfig;

use crate::config::ConfigError;

use crate::ports::{ConnectionId, Connections, PostError};

/// The HTTP(S) client every SDK client uses: rustls with ring. The SDK's default
/// client brings aws-lc, which made each bootstrap about a megabyte larger.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK configuration inside Lambda: the region and the execution role's
/// credentials, which Lambda puts in the environment for the life of the instance.
/// Reading them directly (rather than through `aws-config`'s provider chains, which
/// bring STS, SSO and IMDS clients along) keeps every bootstrap small.
pub fn sdk_config_from_env() -> Result<SdkConfig, ConfigError> {
    sdk_config_from_lookup(|name| std::env::var(name).ok())
}

/// As [`sdk_config_from_env`], reading variables through `lookup`.
pub fn sdk_config_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<SdkConfig, ConfigError> {
    let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or_else(|| ConfigError("AWS_REGION is not set".into()))?;
    let key = var("AWS_ACCESS_KEY_ID")
        .ok_or_else(|| ConfigError("AWS_ACCESS_KEY_ID is not set".into()))?;
    let secret = var("AWS_SECRET_ACCESS_KEY")
        .ok_or_else(|| ConfigError("AWS_SECRET_ACCESS_KEY is not set".into()))?;
    let credentials = Credentials::new(key, secret, var("AWS_SESSION_TOKEN"), None, "environment");
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// An SDK configuration for a local endpoint (moto, devstack) with fixed dummy
/// credentials, so nothing on the machine's AWS profile is read or needed.
pub fn local_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "local",
        )))
        .build()
}

/// Posts frames through API Gateway's management API.
#[derive(Clone, Debug)]
pub struct ApiGatewayConnections {
    client: Client,
}

impl ApiGatewayConnections {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client for the API's `https://{api}.execute-api.{region}.amazonaws.com/{stage}`
    /// endpoint (or devstack's URL).
    pub fn for_endpoint(sdk: &SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(sdk)
            .endpoint_url(endpoint)
            .build();
        Self::new(Client::from_conf(conf))
    }
}

impl Connections for ApiGatewayConnections {
    async fn post(&self, id: &ConnectionId, payload: &[u8]) -> Result<(), PostError> {
        let result = self
            .client
            .post_to_connection()
            .connection_id(id.as_str())
            .data(Blob::new(payload.to_vec()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PostToConnectionError::GoneException(_)) =>
            {
                Err(PostError::Gone)
            }
            Err(e) => Err(PostError::Failed(Box::new(e))),
        }
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
    fn lambda_environment_gives_region_and_credentials() {
        let config = sdk_config_from_lookup(|name| match name {
            "AWS_REGION" => Some("eu-west-1".into()),
            "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
            "AWS_SESSION_TOKEN" => Some("token".into()),
            _ => None,
        })
        .expect("config");
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(config.credentials_provider().is_some());
        let missing =
            sdk_config_from_lookup(|name| (name == "AWS_REGION").then(|| "eu-west-1".into()));
        assert!(missing.unwrap_err().0.contains("AWS_ACCESS_KEY_ID"));
    }
}
