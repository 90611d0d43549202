//! [`S3ExportFiles`]: export documents in an S3 bucket, fetched through presigned
//! GET links that expire.
//!
//! Three calls (put, delete, presign) are signed here with SigV4 and sent over the
//! HTTP client the SDK clients already bring: the S3 SDK crate would add its whole
//! API to every bootstrap that keeps exports.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sideline_domain::config::{ConfigError, Env};
use sideline_domain::ids::TenantId;
use sideline_ports::{ExportFileError, ExportFiles, KeptExport};

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// How long a link to an export works, unless configured (`EXPORT_LINK_TTL_S`).
pub const DEFAULT_LINK_TTL: Duration = Duration::from_secs(3600);
/// How long one call to S3 may take (the API function has 10 s in all).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a presigned link may last (SigV4's limit).
const MAX_LINK_TTL: Duration = Duration::from_secs(7 * 86_400);

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> ExportFileError {
    ExportFileError::Unavailable(Box::new(e))
}

#[derive(Debug, thiserror::Error)]
#[error("S3 answered {status} to {method}: {body}")]
struct S3Refused {
    method: &'static str,
    status: u16,
    body: String,
}

/// Export files in `s3://{bucket}/exports/{tenant}/{subject}.json`.
pub struct S3ExportFiles {
    client: Client<Https, Full<Bytes>>,
    bucket: String,
    region: String,
    credentials: Credentials,
    /// A path-style base URL (a local endpoint such as moto); `None` for the
    /// bucket's own virtual-hosted endpoint in AWS.
    endpoint: Option<String>,
    link_ttl: Duration,
}

impl S3ExportFiles {
    fn with(
        bucket: String,
        region: String,
        credentials: Credentials,
        endpoint: Option<String>,
    ) -> Result<Self, ConfigError> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| ConfigError::Invalid {
                var: "EXPORT_BUCKET".into(),
                reason: format!("no TLS roots: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(https),
            bucket,
            region,
            credentials,
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
            link_ttl: DEFAULT_LINK_TTL,
        })
    }

    /// In Lambda: the bucket `EXPORT_BUCKET` (`None` when unset: exports are
    /// answered whole), links valid `EXPORT_LINK_TTL_S` seconds (default 3,600),
    /// the region and the execution role's credentials from the environment.
    pub fn from_env(env: &impl Env) -> Result<Option<Self>, ConfigError> {
        let Some(bucket) = env.text("EXPORT_BUCKET").filter(|b| !b.is_empty()) else {
            return Ok(None);
        };
        let region = env
            .text("AWS_REGION")
            .or_else(|| env.text("AWS_DEFAULT_REGION"))
            .ok_or_else(|| ConfigError::Missing {
                var: "AWS_REGION".into(),
            })?;
        let credentials = Credentials::new(
            env.required("AWS_ACCESS_KEY_ID")?,
            env.required("AWS_SECRET_ACCESS_KEY")?,
            env.text("AWS_SESSION_TOKEN"),
            None,
            "environment",
        );
        let mut files = Self::with(bucket, region, credentials, None)?;
        if let Some(raw) = env.text("EXPORT_LINK_TTL_S") {
            let ttl = raw
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs)
                .filter(|t| !t.is_zero() && *t <= MAX_LINK_TTL)
                .ok_or_else(|| ConfigError::Invalid {
                    var: "EXPORT_LINK_TTL_S".into(),
                    reason: format!("`{raw}` is not 1 to 604800 seconds"),
                })?;
            files.link_ttl = ttl;
        }
        Ok(Some(files))
    }

    /// A bucket behind a local endpoint (moto), path-style, with dummy
    /// credentials.
    pub fn local(endpoint: &str, bucket: &str) -> Result<Self, ConfigError> {
        Self::with(
            bucket.to_owned(),
            "us-east-1".to_owned(),
            Credentials::new("testing", "testing", None, None, "local"),
            Some(endpoint.to_owned()),
        )
    }

    /// Creates the bucket behind a local endpoint (devstack on moto); one that
    /// exists already is fine.
    pub async fn create_local_bucket(&self) -> Result<(), ExportFileError> {
        let Some(base) = &self.endpoint else {
            return Ok(());
        };
        // 409: the bucket is there (ours).
        self.send(
            "PUT",
            &format!("{base}/{}", self.bucket),
            None,
            &[],
            Some(409),
        )
        .await
    }

    /// The object's key: no user id in it, only the keyed hash.
    fn key(tenant: &TenantId, subject: &str) -> String {
        format!("exports/{tenant}/{subject}.json")
    }

    fn url(&self, key: &str) -> String {
        match &self.endpoint {
            Some(base) => format!("{base}/{}/{key}", self.bucket),
            None => format!(
                "https://{}.s3.{}.amazonaws.com/{key}",
                self.bucket, self.region
            ),
        }
    }

    /// The SigV4 instructions for a request (in its headers, or for a link in
    /// its query, valid `expires_in`).
    fn signature(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: SignableBody<'_>,
        expires_in: Option<Duration>,
        now: SystemTime,
    ) -> Result<aws_sigv4::http_request::SigningInstructions, ExportFileError> {
        let identity: Identity = self.credentials.clone().into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        if let Some(expires_in) = expires_in {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires_in);
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(now)
            .settings(settings)
            .build()
            .map_err(unavailable)?
            .into();
        let request = SignableRequest::new(method, url, headers.iter().copied(), body)
            .map_err(unavailable)?;
        Ok(sign(request, &params).map_err(unavailable)?.into_parts().0)
    }

    /// Sends a signed request; an error unless S3 answers 2xx (or `also_fine`).
    async fn send(
        &self,
        method: &'static str,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
        also_fine: Option<u16>,
    ) -> Result<(), ExportFileError> {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| vec![("content-type", c)])
            .unwrap_or_default();
        let instructions = self.signature(
            method,
            url,
            &headers,
            SignableBody::Bytes(body),
            None,
            SystemTime::now(),
        )?;
        let mut builder = http::Request::builder().method(method).uri(url);
        for (name, value) in &headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(unavailable)?;
        instructions.apply_to_request_http1x(&mut request);
        let response = tokio::time::timeout(CALL_TIMEOUT, self.client.request(request))
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?;
        let status = response.status();
        if status.is_success() || also_fine == Some(status.as_u16()) {
            return Ok(());
        }
        let text = match response.into_body().collect().await {
            Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
            Err(_) => String::new(),
        };
        Err(unavailable(S3Refused {
            method,
            status: status.as_u16(),
            body: text.chars().take(300).collect(),
        }))
    }

    /// A presigned GET link to `key`, valid `self.link_ttl` from `now`.
    fn link(&self, key: &str, now: SystemTime) -> Result<String, ExportFileError> {
        let url = self.url(key);
        let instructions = self.signature(
            "GET",
            &url,
            &[],
            SignableBody::UnsignedPayload,
            Some(self.link_ttl),
            now,
        )?;
        let mut request = http::Request::get(&url).body(()).map_err(unavailable)?;
        instructions.apply_to_request_http1x(&mut request);
        Ok(request.uri().to_string())
    }
}

impl ExportFiles for S3ExportFiles {
    async fn keep(
        &self,
        tenant: &TenantId,
        subject: &str,
        document: &[u8],
        now_ms: i64,
    ) -> Result<KeptExport, ExportFileError> {
        let key = Self::key(tenant, subject);
        self.send(
            "PUT",
            &self.url(&key),
            Some("application/json"),
            document,
            None,
        )
        .await?;
        let now = UNIX_EPOCH + Duration::from_millis(u64::try_from(now_ms).unwrap_or(0));
        let ttl_ms = i64::try_from(self.link_ttl.as_millis()).unwrap_or(i64::MAX);
        Ok(KeptExport {
            url: self.link(&key, now)?,
            expires_at_ms: now_ms.saturating_add(ttl_ms),
        })
    }

    async fn forget(&self, tenant: &TenantId, subject: &str) -> Result<(), ExportFileError> {
        // Deleting a key that is not there succeeds too.
        self.send(
            "DELETE",
            &self.url(&Self::key(tenant, subject)),
            None,
            &[],
            None,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_presigned_for_the_bucket_and_expire() {
        let files = S3ExportFiles::with(
            "exports-bucket".into(),
            "eu-west-1".into(),
            Credentials::new("AKID", "secret", Some("token".into()), None, "test"),
            None,
        )
        .expect("client");
        let tenant = TenantId::parse("acme").expect("tenant");
        let key = S3ExportFiles::key(&tenant, "h_00ff");
        assert_eq!(key, "exports/acme/h_00ff.json");
        let link = files
            .link(&key, UNIX_EPOCH + Duration::from_secs(1_800_000_000))
            .expect("link");
        assert!(
            link.starts_with(
                "https://exports-bucket.s3.eu-west-1.amazonaws.com/exports/acme/h_00ff.json?"
            ),
            "{link}"
        );
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKID%2F20270115%2Feu-west-1%2Fs3%2Faws4_request",
            "X-Amz-Date=20270115T080000Z",
            "X-Amz-Expires=3600",
            "X-Amz-SignedHeaders=host",
            "X-Amz-Security-Token=token",
            "X-Amz-Signature=",
        ] {
            assert!(link.contains(part), "{part} missing from {link}");
        }
    }
}
