//! A live connection and its memberships of rooms.

use std::collections::BTreeSet;

use crate::identity::Role;
use crate::ids::{ConnectionId, RoomId, TenantId, UserId};
use crate::scoring::Tier;

/// How long a connection record outlives its `$connect` if `$disconnect` never
/// comes: just over API Gateway's 2-hour connection maximum.
pub const CONNECTION_TTL_SECS: i64 = 2 * 3600 + 10 * 60;

/// A live connection, recorded by `$connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    pub tenant: TenantId,
    pub connection_id: ConnectionId,
    pub user: UserId,
    pub name: String,
    pub role: Role,
    pub connected_at_ms: i64,
    /// TTL backstop (seconds since the epoch), in case `$disconnect` never comes.
    pub expires_at_s: i64,
    /// Rooms this connection has joined, so `$disconnect` can leave them all.
    pub rooms: BTreeSet<RoomId>,
}

/// One connection's presence in one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub connection_id: ConnectionId,
    pub user: UserId,
    pub name: String,
    /// The role in this room (token role or room override).
    pub role: Role,
    pub joined_at_ms: i64,
    /// Copied from the connection so a forgotten member also expires.
    pub expires_at_s: i64,
    /// The `requestId` of the `join`, carried into the `community.room.joined` event.
    pub correlation_id: Option<String>,
    /// The user's reputation tier when they joined (shown in presence).
    pub tier: Tier,
}
