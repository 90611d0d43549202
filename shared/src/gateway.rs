//! The `@connections` adapter over `aws-sdk-apigatewaymanagement`, and the SDK
//! configuration shared by every AWS adapter.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;

use crate::ports::{ConnectionId, Connections, PostError};

/// The SDK configuration from the environment (Lambda's role credentials, region).
pub async fn sdk_config_from_env() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// An SDK configuration for a local endpoint (moto, devstack) with fixed dummy
/// credentials, so nothing on the machine's AWS profile is read or needed.
pub fn local_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
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
