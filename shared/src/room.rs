//! Rooms, room modes and what each role may do in them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::identity::{IdError, Role};

/// Longest room id accepted.
pub const MAX_ROOM_LEN: usize = 128;

/// A room, named by the host after the object on screen (`match:123`, `report:q3`).
/// Always scoped to a tenant by the keys that store it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RoomId(String);

impl RoomId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "room";
        if raw.is_empty() {
            return Err(IdError::Empty { what });
        }
        if raw.len() > MAX_ROOM_LEN {
            return Err(IdError::TooLong {
                what,
                max: MAX_ROOM_LEN,
            });
        }
        // '#' is the key separator in storage, so it is not allowed here.
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.' | '@' | '/'))
        {
            return Err(IdError::BadCharacter {
                what,
                allowed: "':', '-', '_', '.', '@', '/'",
            });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who may talk in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomMode {
    /// Members and above write.
    #[default]
    Open,
    /// Only speakers and above write; members may still react.
    Stage,
    /// Only moderators and admins write or react.
    Readonly,
}

impl RoomMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomMode::Open => "open",
            RoomMode::Stage => "stage",
            RoomMode::Readonly => "readonly",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "open" => RoomMode::Open,
            "stage" => RoomMode::Stage,
            "readonly" => RoomMode::Readonly,
            _ => return None,
        })
    }
}

/// One thing a connection may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    Read,
    React,
    Write,
    Moderate,
    Configure,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::React => "react",
            Capability::Write => "write",
            Capability::Moderate => "moderate",
            Capability::Configure => "configure",
        }
    }
}

/// The capability table of the architecture document, role × room mode.
pub fn capabilities(role: Role, mode: RoomMode) -> Vec<Capability> {
    use Capability::*;
    match (role, mode) {
        (Role::Viewer, _) => vec![Read],
        (Role::Member, RoomMode::Open) => vec![Read, React, Write],
        (Role::Member, RoomMode::Stage) => vec![Read, React],
        (Role::Member, RoomMode::Readonly) => vec![Read],
        (Role::Speaker, RoomMode::Open | RoomMode::Stage) => vec![Read, React, Write],
        (Role::Speaker, RoomMode::Readonly) => vec![Read],
        (Role::Moderator, _) => vec![Read, React, Write, Moderate],
        (Role::Admin, _) => vec![Read, React, Write, Moderate, Configure],
    }
}

/// Whether `role` may do `capability` in a room in `mode`.
pub fn can(role: Role, mode: RoomMode, capability: Capability) -> bool {
    capabilities(role, mode).contains(&capability)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_are_validated() {
        assert!(RoomId::parse("match:123").is_ok());
        assert!(RoomId::parse("report:q3/eu@2026.v1").is_ok());
        assert!(RoomId::parse("").is_err());
        assert!(RoomId::parse("a#b").is_err());
        assert!(RoomId::parse("with space").is_err());
        assert!(RoomId::parse(&"r".repeat(129)).is_err());
    }

    #[test]
    fn capability_table_matches_the_contract() {
        use Capability::*;
        assert!(!can(Role::Viewer, RoomMode::Open, Write));
        assert!(!can(Role::Viewer, RoomMode::Open, React));
        assert!(can(Role::Member, RoomMode::Open, Write));
        assert!(!can(Role::Member, RoomMode::Stage, Write));
        assert!(can(Role::Member, RoomMode::Stage, React));
        assert!(!can(Role::Member, RoomMode::Readonly, React));
        assert!(can(Role::Speaker, RoomMode::Stage, Write));
        assert!(!can(Role::Speaker, RoomMode::Readonly, Write));
        assert!(can(Role::Moderator, RoomMode::Readonly, Write));
        assert!(can(Role::Moderator, RoomMode::Readonly, Moderate));
        assert!(!can(Role::Moderator, RoomMode::Open, Configure));
        assert!(can(Role::Admin, RoomMode::Stage, Configure));
    }
}
