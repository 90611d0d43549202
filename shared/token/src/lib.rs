//! The identity token: a JWT minted by the host product's backend. The
//! authorizer depends on this and the domain only.
//!
//! HS256 with a shared secret, or RS256/ES256 with a public key. Only the one
//! configured algorithm is accepted, so a token cannot choose how it is checked.
//!
//! [`signing`] holds the other use of the host's secrets: signed server requests.

pub mod signing;

use std::collections::BTreeMap;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use sideline_domain::config::Env;
use sideline_domain::identity::{Identity, Provider, Role};
use sideline_domain::ids::{RoomId, TenantId, UserId};

/// Shortest HS256 secret accepted (bytes).
pub const MIN_SECRET_LEN: usize = 16;
/// Longest `sub` accepted.
pub const MAX_SUB_LEN: usize = 256;
/// Most room overrides one token may carry.
pub const MAX_ROOM_OVERRIDES: usize = 100;
/// Clock skew tolerated on `exp`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// The key that verifies tokens.
#[derive(Clone)]
pub enum VerifyingKey {
    Hs256 { secret: Vec<u8> },
    Rs256 { public_pem: String },
    Es256 { public_pem: String },
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str(match self {
            VerifyingKey::Hs256 { .. } => "Hs256(..)",
            VerifyingKey::Rs256 { .. } => "Rs256(..)",
            VerifyingKey::Es256 { .. } => "Es256(..)",
        })
    }
}

/// How tokens are checked.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub key: VerifyingKey,
    /// Checked against `aud` when set.
    pub audience: Option<String>,
    /// Checked against `iss` when set.
    pub issuer: Option<String>,
}

/// The token configuration cannot be used; functions refuse to start.
#[derive(Debug, thiserror::Error)]
pub enum TokenConfigError {
    #[error("no token key configured: set SIDELINE_JWT_SECRET (HS256) or SIDELINE_JWT_PUBLIC_KEY with SIDELINE_JWT_ALGORITHM (RS256 or ES256)")]
    NoKey,
    #[error("SIDELINE_JWT_SECRET must be at least {MIN_SECRET_LEN} bytes")]
    WeakSecret,
    #[error("SIDELINE_JWT_ALGORITHM must be RS256 or ES256 with a public key, got `{0}`")]
    BadAlgorithm(String),
    #[error("the public key is not a valid PEM key for the algorithm")]
    BadKey(#[source] jsonwebtoken::errors::Error),
}

impl TokenConfig {
    /// Reads `SIDELINE_JWT_SECRET`, or `SIDELINE_JWT_PUBLIC_KEY` + `SIDELINE_JWT_ALGORITHM`,
    /// and the optional `SIDELINE_JWT_AUDIENCE` / `SIDELINE_JWT_ISSUER`. There is no
    /// default key.
    pub fn from_env(env: &impl Env) -> Result<Self, TokenConfigError> {
        let non_empty = |name: &str| env.var(name).filter(|v| !v.trim().is_empty());
        let key = if let Some(pem) = non_empty("SIDELINE_JWT_PUBLIC_KEY") {
            match non_empty("SIDELINE_JWT_ALGORITHM").as_deref() {
                Some("RS256") => VerifyingKey::Rs256 { public_pem: pem },
                Some("ES256") => VerifyingKey::Es256 { public_pem: pem },
                other => {
                    return Err(TokenConfigError::BadAlgorithm(
                        other.unwrap_or_default().to_owned(),
                    ))
                }
            }
        } else if let Some(secret) = non_empty("SIDELINE_JWT_SECRET") {
            VerifyingKey::Hs256 {
                secret: secret.into_bytes(),
            }
        } else {
            return Err(TokenConfigError::NoKey);
        };
        Ok(Self {
            key,
            audience: non_empty("SIDELINE_JWT_AUDIENCE"),
            issuer: non_empty("SIDELINE_JWT_ISSUER"),
        })
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no token")]
    Missing,
    #[error("token is malformed")]
    Malformed,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is for another audience")]
    WrongAudience,
    #[error("token is from another issuer")]
    WrongIssuer,
    #[error("token claims are invalid: {0}")]
    InvalidClaims(String),
}

impl TokenError {
    /// A well-formed, correctly signed token meant for someone else: the caller is
    /// known but not allowed (403), rather than not authenticated (401).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, TokenError::WrongAudience | TokenError::WrongIssuer)
    }
}

/// The claims Sideline reads. `aud` and `iss` are checked by the validation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tenant: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rooms: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

impl Claims {
    /// The verified identity these claims describe.
    pub fn into_identity(self) -> Result<Identity, TokenError> {
        let bad = |m: String| TokenError::InvalidClaims(m);
        let tenant = TenantId::parse(&self.tenant).map_err(|e| bad(e.to_string()))?;
        if self.sub.is_empty() || self.sub.len() > MAX_SUB_LEN {
            return Err(bad(format!("sub must be 1 to {MAX_SUB_LEN} bytes")));
        }
        let role = match self.role.as_deref() {
            None => Role::Member,
            Some(raw) => {
                Role::parse(raw).ok_or_else(|| bad(format!("unknown role `{raw:.20}`")))?
            }
        };
        let provider = match self.provider.as_deref() {
            None => None,
            Some(raw) => Some(
                Provider::parse(raw).ok_or_else(|| bad(format!("unknown provider `{raw:.20}`")))?,
            ),
        };
        let mut room_roles = BTreeMap::new();
        if let Some(rooms) = self.rooms {
            if rooms.len() > MAX_ROOM_OVERRIDES {
                return Err(bad(format!(
                    "at most {MAX_ROOM_OVERRIDES} room overrides are allowed"
                )));
            }
            for (room, role) in rooms {
                let room = RoomId::parse(&room).map_err(|e| bad(e.to_string()))?;
                let role =
                    Role::parse(&role).ok_or_else(|| bad(format!("unknown role `{role:.20}`")))?;
                room_roles.insert(room, role);
            }
        }
        let user = UserId::derive(&tenant, &self.sub);
        let name = Identity::display_name(self.name.as_deref(), &user);
        Ok(Identity {
            tenant,
            user,
            name,
            role,
            provider,
            room_roles,
        })
    }
}

/// Verifies tokens with one configured key. Built once per cold start.
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(config: &TokenConfig) -> Result<Self, TokenConfigError> {
        let (key, algorithm) = match &config.key {
            VerifyingKey::Hs256 { secret } => {
                if secret.len() < MIN_SECRET_LEN {
                    return Err(TokenConfigError::WeakSecret);
                }
                (DecodingKey::from_secret(secret), Algorithm::HS256)
            }
            VerifyingKey::Rs256 { public_pem } => (
                DecodingKey::from_rsa_pem(public_pem.as_bytes())
                    .map_err(TokenConfigError::BadKey)?,
                Algorithm::RS256,
            ),
            VerifyingKey::Es256 { public_pem } => (
                DecodingKey::from_ec_pem(public_pem.as_bytes())
                    .map_err(TokenConfigError::BadKey)?,
                Algorithm::ES256,
            ),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = LEEWAY_SECS;
        match &config.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &config.issuer {
            validation.set_issuer(&[iss]);
        }
        Ok(Self { key, validation })
    }

    /// Checks signature, `exp`, `aud`/`iss` when configured, and the claims.
    pub fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => {
                    TokenError::BadSignature
                }
                ErrorKind::InvalidAudience => TokenError::WrongAudience,
                ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                ErrorKind::MissingRequiredClaim(claim) => {
                    TokenError::InvalidClaims(format!("missing `{claim}`"))
                }
                ErrorKind::Json(_) => {
                    TokenError::InvalidClaims("claims do not match the schema".into())
                }
                _ => TokenError::Malformed,
            },
        )?;
        data.claims.into_identity()
    }
}

/// Mints an HS256 token: for devstack's dev tokens, tests and examples. A host
/// product mints its own tokens in its backend.
pub fn mint_hs256(secret: &[u8], claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sideline_domain::config::lookup;

    const SECRET: &[u8] = b"a-test-secret-of-enough-length";

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }

    fn claims() -> Claims {
        Claims {
            sub: "host-42".into(),
            tenant: "acme".into(),
            exp: now() + 600,
            name: Some("Ada".into()),
            ..Claims::default()
        }
    }

    fn verifier(audience: Option<&str>, issuer: Option<&str>) -> TokenVerifier {
        TokenVerifier::new(&TokenConfig {
            key: VerifyingKey::Hs256 {
                secret: SECRET.to_vec(),
            },
            audience: audience.map(str::to_owned),
            issuer: issuer.map(str::to_owned),
        })
        .unwrap()
    }

    #[test]
    fn valid_token_yields_canonical_identity() {
        let token = mint_hs256(SECRET, &claims()).unwrap();
        let id = verifier(None, None).verify(&token).unwrap();
        let tenant = TenantId::parse("acme").unwrap();
        assert_eq!(id.user, UserId::derive(&tenant, "host-42"));
        assert_eq!(id.role, Role::Member);
        assert_eq!(id.name, "Ada");
    }

    #[test]
    fn provider_does_not_change_the_user() {
        let mut a = claims();
        a.provider = Some("email".into());
        let mut b = claims();
        b.provider = Some("sso".into());
        let v = verifier(None, None);
        let ia = v.verify(&mint_hs256(SECRET, &a).unwrap()).unwrap();
        let ib = v.verify(&mint_hs256(SECRET, &b).unwrap()).unwrap();
        assert_eq!(ia.user, ib.user);
        assert_ne!(ia.provider, ib.provider);
    }

    #[test]
    fn forged_expired_and_foreign_tokens_are_refused() {
        let v = verifier(Some("sideline"), Some("https://host.example"));
        let mut good = claims();
        good.aud = Some("sideline".into());
        good.iss = Some("https://host.example".into());
        assert!(v.verify(&mint_hs256(SECRET, &good).unwrap()).is_ok());

        let forged = mint_hs256(b"another-secret-of-enough-len", &good).unwrap();
        assert_eq!(v.verify(&forged), Err(TokenError::BadSignature));

        let mut expired = good.clone();
        expired.exp = now() - 3600;
        assert_eq!(
            v.verify(&mint_hs256(SECRET, &expired).unwrap()),
            Err(TokenError::Expired)
        );

        let mut other_aud = good.clone();
        other_aud.aud = Some("someone-else".into());
        let err = v
            .verify(&mint_hs256(SECRET, &other_aud).unwrap())
            .unwrap_err();
        assert_eq!(err, TokenError::WrongAudience);
        assert!(err.is_forbidden());

        let mut other_iss = good.clone();
        other_iss.iss = Some("https://evil.example".into());
        assert_eq!(
            v.verify(&mint_hs256(SECRET, &other_iss).unwrap()),
            Err(TokenError::WrongIssuer)
        );

        assert_eq!(v.verify("not.a.jwt"), Err(TokenError::Malformed));
        assert_eq!(v.verify(""), Err(TokenError::Missing));
    }

    #[test]
    fn bad_claims_are_refused() {
        let v = verifier(None, None);
        let mut bad_role = claims();
        bad_role.role = Some("god".into());
        assert!(matches!(
            v.verify(&mint_hs256(SECRET, &bad_role).unwrap()),
            Err(TokenError::InvalidClaims(_))
        ));
        let mut bad_tenant = claims();
        bad_tenant.tenant = "a#b".into();
        assert!(matches!(
            v.verify(&mint_hs256(SECRET, &bad_tenant).unwrap()),
            Err(TokenError::InvalidClaims(_))
        ));
    }

    #[test]
    fn config_without_a_key_is_an_error() {
        assert!(matches!(
            TokenConfig::from_env(&lookup(|_| None)),
            Err(TokenConfigError::NoKey)
        ));
        let weak = TokenConfig::from_env(&lookup(|n| {
            (n == "SIDELINE_JWT_SECRET").then(|| "short".into())
        }))
        .unwrap();
        assert!(matches!(
            TokenVerifier::new(&weak),
            Err(TokenConfigError::WeakSecret)
        ));
        let bad_alg = TokenConfig::from_env(&lookup(|n| match n {
            "SIDELINE_JWT_PUBLIC_KEY" => Some("pem".into()),
            "SIDELINE_JWT_ALGORITHM" => Some("HS256".into()),
            _ => None,
        }));
        assert!(matches!(bad_alg, Err(TokenConfigError::BadAlgorithm(_))));
    }
}
