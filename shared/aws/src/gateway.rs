//! The `@connections` port over `aws-sdk-apigatewaymanagement`.

use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;
use aws_types::SdkConfig;
use sideline_domain::ids::ConnectionId;
use sideline_ports::{Connections, PostError};

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
