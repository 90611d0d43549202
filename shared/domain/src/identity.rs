//! Roles, login providers and the verified identity the authorizer hands to every
//! later route.
//!
//! The canonical user id ([`UserId`]) is derived from (tenant, host user id) alone,
//! so a user who moves from one login provider to another stays one user; the
//! provider is metadata.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use crate::ids::{RoomId, TenantId, UserId};

/// Longest display name kept; longer names are cut.
pub const MAX_NAME_CHARS: usize = 64;

/// Roles, lowest to highest. The order is used for "may act on" checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Member,
    Speaker,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Speaker => "speaker",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "viewer" => Role::Viewer,
            "member" => Role::Member,
            "speaker" => Role::Speaker,
            "moderator" => Role::Moderator,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the host product logged the user in. Metadata only: it never changes the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Email,
    Github,
    Sso,
    Oauth2,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Email => "email",
            Provider::Github => "github",
            Provider::Sso => "sso",
            Provider::Oauth2 => "oauth2",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "email" => Provider::Email,
            "github" => Provider::Github,
            "sso" => Provider::Sso,
            "oauth2" => Provider::Oauth2,
            _ => return None,
        })
    }
}

/// The verified identity of a connection, as the authorizer established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub tenant: TenantId,
    pub user: UserId,
    pub name: String,
    pub role: Role,
    pub provider: Option<Provider>,
    /// Per-room role overrides from the token's `rooms` claim.
    pub room_roles: BTreeMap<RoomId, Role>,
}

/// The authorizer context did not hold a usable identity. In AWS this means the
/// route is misconfigured (no authorizer), never something a client can cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authorizer context: {0}")]
pub struct ContextError(pub String);

impl Identity {
    /// The role that applies in `room`: the token's override, else its role.
    pub fn role_in(&self, room: &RoomId) -> Role {
        self.room_roles.get(room).copied().unwrap_or(self.role)
    }

    /// Cleans a display name: control characters dropped, whitespace trimmed, length
    /// capped; an empty result falls back to a short form of the user id.
    pub fn display_name(raw: Option<&str>, user: &UserId) -> String {
        let cleaned: String = raw
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_CHARS)
            .collect();
        let cleaned = cleaned.trim();
        if cleaned.is_empty() {
            format!("user-{}", &user.as_str()[2..10])
        } else {
            cleaned.to_owned()
        }
    }

    /// The API Gateway authorizer context. Its values may only be strings, numbers
    /// or booleans, so the room overrides travel as a JSON string.
    pub fn to_context(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert(
            "tenant".into(),
            Value::String(self.tenant.as_str().to_owned()),
        );
        map.insert(
            "userId".into(),
            Value::String(self.user.as_str().to_owned()),
        );
        map.insert("name".into(), Value::String(self.name.clone()));
        map.insert("role".into(), Value::String(self.role.as_str().into()));
        if let Some(provider) = self.provider {
            map.insert("provider".into(), Value::String(provider.as_str().into()));
        }
        if !self.room_roles.is_empty() {
            let overrides: BTreeMap<&str, &str> = self
                .room_roles
                .iter()
                .map(|(room, role)| (room.as_str(), role.as_str()))
                .collect();
            map.insert(
                "roomRoles".into(),
                Value::String(serde_json::to_string(&overrides).unwrap_or_default()),
            );
        }
        map
    }

    /// Reads the identity back from a route's `requestContext.authorizer`.
    pub fn from_context(map: &Map<String, Value>) -> Result<Self, ContextError> {
        let text = |key: &str| -> Result<&str, ContextError> {
            map.get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| ContextError(format!("missing `{key}`")))
        };
        let tenant = TenantId::parse(text("tenant")?).map_err(|e| ContextError(e.to_string()))?;
        let user = UserId::parse(text("userId")?).map_err(|e| ContextError(e.to_string()))?;
        let role_raw = text("role")?;
        let role =
            Role::parse(role_raw).ok_or_else(|| ContextError(format!("bad role `{role_raw}`")))?;
        let name = Identity::display_name(map.get("name").and_then(Value::as_str), &user);
        let provider = map
            .get("provider")
            .and_then(Value::as_str)
            .and_then(Provider::parse);
        let mut room_roles = BTreeMap::new();
        if let Some(raw) = map.get("roomRoles").and_then(Value::as_str) {
            let parsed: BTreeMap<String, String> = serde_json::from_str(raw)
                .map_err(|e| ContextError(format!("bad `roomRoles`: {e}")))?;
            for (room, role) in parsed {
                let room = RoomId::parse(&room).map_err(|e| ContextError(e.to_string()))?;
                let role = Role::parse(&role)
                    .ok_or_else(|| ContextError(format!("bad room role `{role}`")))?;
                room_roles.insert(room, role);
            }
        }
        Ok(Self {
            tenant,
            user,
            name,
            role,
            provider,
            room_roles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_round_trips() {
        let tenant = TenantId::parse("acme").unwrap();
        let user = UserId::derive(&tenant, "7");
        let mut room_roles = BTreeMap::new();
        room_roles.insert(RoomId::parse("match:1").unwrap(), Role::Speaker);
        let identity = Identity {
            tenant,
            name: "Ada".into(),
            user,
            role: Role::Member,
            provider: Some(Provider::Github),
            room_roles,
        };
        let back = Identity::from_context(&identity.to_context()).unwrap();
        assert_eq!(back, identity);
        assert_eq!(
            back.role_in(&RoomId::parse("match:1").unwrap()),
            Role::Speaker
        );
        assert_eq!(
            back.role_in(&RoomId::parse("match:2").unwrap()),
            Role::Member
        );
    }

    #[test]
    fn display_names_are_cleaned() {
        let user = UserId::derive(&TenantId::parse("t").unwrap(), "1");
        assert_eq!(Identity::display_name(Some(" Ada\u{7} "), &user), "Ada");
        assert!(Identity::display_name(None, &user).starts_with("user-"));
        assert_eq!(
            Identity::display_name(Some(&"n".repeat(200)), &user)
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
    }
}
