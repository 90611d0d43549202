//! Room modes, a room's settings, and what each role may do in a room.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::identity::Role;

/// Who may talk in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
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
    /// The host's schedule: outside it the room is read-only.
    pub opens_at_ms: Option<i64>,
    pub closes_at_ms: Option<i64>,
}

impl RoomInfo {
    /// A room created now, open, with no schedule.
    pub fn new(created_at_ms: i64) -> Self {
        Self {
            mode: RoomMode::Open,
            created_at_ms,
            slow_mode_s: 0,
            opens_at_ms: None,
            closes_at_ms: None,
        }
    }

    /// Whether `now_ms` is inside the room's schedule.
    pub fn in_schedule(&self, now_ms: i64) -> bool {
        self.opens_at_ms.is_none_or(|at| now_ms >= at)
            && self.closes_at_ms.is_none_or(|at| now_ms < at)
    }

    /// The mode in force at `now_ms`: `readonly` outside the schedule.
    pub fn mode_at(&self, now_ms: i64) -> RoomMode {
        if self.in_schedule(now_ms) {
            self.mode
        } else {
            RoomMode::Readonly
        }
    }
}

/// Longest room title and host object id, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_OBJECT_CHARS: usize = 128;

/// What the host's backend sets on a room ahead of time: a title, the host
/// object it belongs to (`match:123`), and a schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomProfile {
    pub title: Option<String>,
    pub object: Option<String>,
    pub opens_at_ms: Option<i64>,
    pub closes_at_ms: Option<i64>,
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
