//! `authorizer`: the REQUEST authorizer on `$connect`. Verifies the JWT from the
//! `token` query parameter (or an `Authorization: Bearer` header for server-side
//! clients) and answers with an IAM policy whose context carries the canonical
//! identity to every later route.
//!
//! API Gateway turns the outcomes into the handshake status:
//! - no token, or a malformed, forged or expired one: the function fails with
//!   `Unauthorized`, which API Gateway answers with 401;
//! - a valid token for another audience or issuer: a `Deny` policy, answered 403;
//! - otherwise an `Allow` policy for this API.

use lambda_runtime::Diagnostic;
use sideline_lambda::{AuthorizerRequest, AuthorizerResponse, PolicyDocument, PolicyStatement};
use sideline_token::TokenVerifier;
use tracing::info;

/// The failure API Gateway maps to 401. Its message must be exactly `Unauthorized`.
#[derive(Debug, thiserror::Error)]
#[error("Unauthorized")]
pub struct Unauthorized;

impl From<Unauthorized> for Diagnostic {
    fn from(_: Unauthorized) -> Self {
        Diagnostic {
            error_type: "Unauthorized".into(),
            error_message: "Unauthorized".into(),
        }
    }
}

fn token_of(event: &AuthorizerRequest) -> Option<&str> {
    if let Some(token) = event
        .query_string_parameters
        .as_ref()
        .and_then(|q| q.get("token"))
    {
        return Some(token.as_str());
    }
    event.headers.as_ref().and_then(|headers| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, value)| value.strip_prefix("Bearer "))
    })
}

fn policy(principal: &str, effect: &str, resource: &str) -> AuthorizerResponse {
    AuthorizerResponse {
        principal_id: principal.to_owned(),
        policy_document: PolicyDocument {
            version: "2012-10-17".into(),
            statement: vec![PolicyStatement {
                action: "execute-api:Invoke".into(),
                effect: effect.into(),
                resource: resource.into(),
            }],
        },
        context: Default::default(),
    }
}

/// Verifies the token of a `$connect` request.
pub async fn handle(
    event: AuthorizerRequest,
    verifier: &TokenVerifier,
) -> Result<AuthorizerResponse, Unauthorized> {
    let token = token_of(&event).unwrap_or_default();
    match verifier.verify(token) {
        Ok(identity) => {
            info!(tenant = %identity.tenant, user_id = %identity.user, role = %identity.role, "connection allowed");
            let mut response = policy(identity.user.as_str(), "Allow", &event.method_arn);
            response.context = identity.to_context();
            Ok(response)
        }
        Err(err) if err.is_forbidden() => {
            info!(reason = %err, "connection denied");
            Ok(policy("anonymous", "Deny", &event.method_arn))
        }
        Err(err) => {
            info!(reason = %err, "connection unauthorized");
            Err(Unauthorized)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sideline_domain::identity::Identity;
    use sideline_token::{mint_hs256, Claims, TokenConfig, VerifyingKey};

    const SECRET: &[u8] = b"authorizer-test-secret-0123456789";
    const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/$connect";

    fn verifier() -> TokenVerifier {
        TokenVerifier::new(&TokenConfig {
            key: VerifyingKey::Hs256 {
                secret: SECRET.to_vec(),
            },
            audience: Some("sideline".into()),
            issuer: None,
        })
        .expect("verifier")
    }

    fn request(token: Option<&str>) -> AuthorizerRequest {
        serde_json::from_value(json!({
            "type": "REQUEST",
            "methodArn": ARN,
            "queryStringParameters": token.map(|t| json!({"token": t})),
        }))
        .expect("request")
    }

    fn claims() -> Claims {
        Claims {
            sub: "42".into(),
            tenant: "acme".into(),
            exp: 4_000_000_000,
            role: Some("moderator".into()),
            aud: Some("sideline".into()),
            rooms: Some([("match:1".to_owned(), "admin".to_owned())].into()),
            ..Claims::default()
        }
    }

    #[tokio::test]
    async fn valid_token_is_allowed_with_identity_context() {
        let token = mint_hs256(SECRET, &claims()).expect("mint");
        let response = handle(request(Some(&token)), &verifier())
            .await
            .expect("allowed");
        assert!(response.allows());
        assert_eq!(response.policy_document.statement[0].resource, ARN);
        let identity = Identity::from_context(&response.context).expect("context");
        assert_eq!(identity.tenant.as_str(), "acme");
        assert_eq!(response.principal_id, identity.user.as_str());
        assert_eq!(identity.role.as_str(), "moderator");
        assert_eq!(identity.room_roles.len(), 1);
        // API Gateway only passes flat values in the context.
        assert!(response.context.values().all(|v| v.is_string()));
    }

    #[tokio::test]
    async fn bearer_header_works_for_server_side_clients() {
        let token = mint_hs256(SECRET, &claims()).expect("mint");
        let mut event = request(None);
        event.headers = Some([("Authorization".to_owned(), format!("Bearer {token}"))].into());
        assert!(handle(event, &verifier()).await.expect("allowed").allows());
    }

    #[tokio::test]
    async fn missing_forged_and_expired_tokens_are_unauthorized() {
        assert!(handle(request(None), &verifier()).await.is_err());
        let forged = mint_hs256(b"not-the-secret-not-the-secret", &claims()).expect("mint");
        assert!(handle(request(Some(&forged)), &verifier()).await.is_err());
        let mut old = claims();
        old.exp = 1_000;
        let expired = mint_hs256(SECRET, &old).expect("mint");
        assert!(handle(request(Some(&expired)), &verifier()).await.is_err());
        let diagnostic = Diagnostic::from(Unauthorized);
        assert_eq!(diagnostic.error_message, "Unauthorized");
    }

    #[tokio::test]
    async fn wrong_audience_is_denied() {
        let mut foreign = claims();
        foreign.aud = Some("another-app".into());
        let token = mint_hs256(SECRET, &foreign).expect("mint");
        let response = handle(request(Some(&token)), &verifier())
            .await
            .expect("policy");
        assert!(!response.allows());
        assert!(response.context.is_empty());
    }
}
