//! The SDK configuration shared by every AWS client: rustls with ring for HTTPS,
//! the region and the execution role's credentials from the environment.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::BehaviorVersion;
use std::time::Duration;

use aws_types::region::Region;
use aws_types::sdk_config::TimeoutConfig;
use aws_types::SdkConfig;
use sideline_domain::config::{ConfigError, Env};

/// The HTTP(S) client every SDK client uses: HTTP/1.1 over rustls with ring
/// ([`crate::http`]). The SDK's default client brings aws-lc (about a megabyte
/// per bootstrap) and HTTP/2 (about 200 KB).
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    crate::http::client()
}

/// How long a connection may take to open before the attempt fails (and is
/// retried): `aws-config`'s default, which a configuration built by hand lacks. An
/// endpoint that drops the handshake would otherwise hold a call for the kernel's
/// two minutes of SYN retries.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3_100);

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
}

/// The SDK configuration inside Lambda: the region and the execution role's
/// credentials, which Lambda puts in the environment for the life of the instance.
/// Reading them directly (rather than through `aws-config`'s provider chains, which
/// bring STS, SSO and IMDS clients along) keeps every bootstrap small.
pub fn from_env(env: &impl Env) -> Result<SdkConfig, ConfigError> {
    let region = match env.text("AWS_REGION") {
        Some(region) => region,
        None => env
            .required("AWS_DEFAULT_REGION")
            .map_err(|_| ConfigError::Missing {
                var: "AWS_REGION".into(),
            })?,
    };
    let key = env.required("AWS_ACCESS_KEY_ID")?;
    let secret = env.required("AWS_SECRET_ACCESS_KEY")?;
    let credentials = Credentials::new(
        key,
        secret,
        env.text("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// An SDK configuration for a local endpoint (moto, devstack) with fixed dummy
/// credentials, so nothing on the machine's AWS profile is read or needed.
pub fn local(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "local",
        )))
        .build()
}

/// The ports a Lambda function runs on: the table (`TABLE_NAME`), `@connections`
/// (`CONNECTIONS_ENDPOINT`) and the system clock, from the environment.
pub fn ports_from_env(
    env: &impl Env,
) -> Result<
    sideline_ports::Adapters<
        crate::DynamoStore,
        crate::ApiGatewayConnections,
        sideline_ports::SystemClock,
    >,
    ConfigError,
> {
    let sdk = from_env(env)?;
    Ok(sideline_ports::Adapters {
        store: crate::DynamoStore::from_sdk(&sdk, env.required("TABLE_NAME")?),
        connections: crate::ApiGatewayConnections::from_env(&sdk, env)?,
        clock: sideline_ports::SystemClock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sideline_domain::config::lookup;

    #[test]
    fn lambda_environment_gives_region_and_credentials() {
        let config = from_env(&lookup(|name| match name {
            "AWS_REGION" => Some("eu-west-1".into()),
            "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
            "AWS_SESSION_TOKEN" => Some("token".into()),
            _ => None,
        }))
        .expect("config");
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(config.credentials_provider().is_some());
        let missing = from_env(&lookup(|name| {
            (name == "AWS_REGION").then(|| "eu-west-1".into())
        }));
        assert_eq!(missing.unwrap_err().var(), "AWS_ACCESS_KEY_ID");
    }
}
