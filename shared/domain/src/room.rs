//! Room modes, a room's settings, and what each role may do in a room.

use serde::{Deserialize, Serialize};

use crate::identity::Role;

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

/// A room's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomInfo {
    pub mode: RoomMode,
    pub created_at_ms: i64,
    /// Least time between two messages of one member (0: off). Moderators and
    /// admins are exempt.
    pub slow_mode_s: u32,
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
