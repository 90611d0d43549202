//! Delivering frames to a room: one member query, posts with bounded concurrency,
//! and connections that are gone (410) forgotten without failing the delivery.

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tracing::{debug, warn};

use sideline_domain::config::Limits;
use sideline_domain::connection::Member;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId};
use sideline_ports::{ConnectionRegistry, Connections, Ports, PostError, RoomError, RoomStore};
use sideline_protocol::{PresenceView, ServerFrame, UserView};

/// What one fan-out achieved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FanOutReport {
    pub delivered: usize,
    pub gone: Vec<ConnectionId>,
    /// Posts still throttled (429) after the adapter's retries: left for the
    /// clients' catch-up.
    pub throttled: usize,
    /// Posts that failed otherwise.
    pub failed: usize,
    /// Posts not sent because the deployment's post budget stayed spent for
    /// longer than the fan-out may wait: left to the clients' catch-up.
    pub deferred: usize,
}

impl FanOutReport {
    /// Adds another fan-out's outcome to this one.
    pub fn absorb(&mut self, other: FanOutReport) {
        self.delivered += other.delivered;
        self.gone.extend(other.gone);
        self.throttled += other.throttled;
        self.failed += other.failed;
        self.deferred += other.deferred;
    }
}

/// Who is in a room, per user: two tabs of one user are one person.
pub fn presence_view(members: &[Member], list_max: usize) -> PresenceView {
    let mut users: Vec<UserView> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for m in members {
        match seen.get(&m.user) {
            // Another tab: its tier is the one of its join, so keep the highest.
            Some(&at) => {
                let user: &mut UserView = &mut users[at];
                user.tier = user.tier.max(m.tier);
            }
            None => {
                seen.insert(&m.user, users.len());
                users.push(UserView {
                    id: m.user.clone(),
                    name: m.name.clone(),
                    role: m.role,
                    tier: m.tier,
                });
            }
        }
    }
    let count = users.len();
    let users = (count <= list_max).then(|| {
        users.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        users
    });
    PresenceView { count, users }
}

/// Posts one payload to many connections, at most `concurrency` at a time, within
/// the deployment's post budget: each share granted is sent, and while some are
/// left the next share is asked for when it opens — for at most `budget_wait`,
/// after which the rest are left to the clients' catch-up and counted as
/// `deferred`.
pub async fn post_all<C: Connections>(
    connections: &C,
    targets: &[&ConnectionId],
    payload: &[u8],
    concurrency: usize,
    budget_wait: Duration,
) -> FanOutReport {
    let mut report = FanOutReport::default();
    let started = tokio::time::Instant::now();
    let mut rest = targets;
    while !rest.is_empty() {
        let grant = connections.reserve(rest.len()).await;
        // When the next share opens, counted from the grant, not from the end of
        // the posting below.
        let next_at = tokio::time::Instant::now() + grant.next_in.max(Duration::from_millis(1));
        let (now, later) = rest.split_at(grant.granted.min(rest.len()));
        post_some(connections, now, payload, concurrency, &mut report).await;
        rest = later;
        if rest.is_empty() {
            break;
        }
        if next_at.duration_since(started) > budget_wait {
            report.deferred = rest.len();
            warn!(
                deferred = rest.len(),
                sent = targets.len() - rest.len(),
                "post budget spent; the rest are left to the clients' catch-up"
            );
            break;
        }
        tokio::time::sleep_until(next_at).await;
    }
    if report.throttled > 0 {
        warn!(
            throttled = report.throttled,
            delivered = report.delivered,
            "posts throttled after every retry; the clients' catch-up fills the gap"
        );
    }
    report
}

/// Posts to `targets`, at most `concurrency` at a time, into `report`.
async fn post_some<C: Connections>(
    connections: &C,
    targets: &[&ConnectionId],
    payload: &[u8],
    concurrency: usize,
    report: &mut FanOutReport,
) {
    // A plain loop over FuturesUnordered rather than stream combinators: closures
    // held across awaits defeat the compiler's `Send` proof for generic callers.
    let mut pending = targets.iter();
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < concurrency.max(1) {
            match pending.next() {
                Some(id) => in_flight.push(post_one(connections, id, payload)),
                None => break,
            }
        }
        let Some((id, result)) = in_flight.next().await else {
            break;
        };
        match result {
            Ok(()) => report.delivered += 1,
            Err(PostError::Gone) => report.gone.push(id.clone()),
            Err(PostError::Throttled) => report.throttled += 1,
            Err(err) => {
                report.failed += 1;
                warn!(connection_id = %id, error = %err, cause = ?std::error::Error::source(&err), "post to connection failed");
            }
        }
    }
}

async fn post_one<'a, C: Connections>(
    connections: &C,
    id: &'a ConnectionId,
    payload: &[u8],
) -> (&'a ConnectionId, Result<(), PostError>) {
    (id, connections.post(id, payload).await)
}

/// Sends frames to rooms for one tenant, forgetting connections found gone.
pub struct Broadcaster<'a, R, G, C> {
    /// Who is in the rooms.
    pub rooms: &'a R,
    /// Where gone connections are forgotten.
    pub registry: &'a G,
    pub connections: &'a C,
    pub limits: &'a Limits,
    pub tenant: &'a TenantId,
}

impl<'a, S, C> Broadcaster<'a, S, S, C> {
    /// The broadcaster over a bundle's store and `@connections`.
    pub fn of<P: Ports<Store = S, Connections = C>>(
        ports: &'a P,
        limits: &'a Limits,
        tenant: &'a TenantId,
    ) -> Self {
        Self {
            rooms: ports.store(),
            registry: ports.store(),
            connections: ports.connections(),
            limits,
            tenant,
        }
    }
}

impl<R: RoomStore, G: ConnectionRegistry, C: Connections> Broadcaster<'_, R, G, C> {
    /// Sends `frame` to every member except `except`; gone connections are forgotten
    /// and the rooms they were in are told the new presence.
    pub async fn to_members(
        &self,
        members: &[Member],
        frame: &ServerFrame,
        except: Option<&ConnectionId>,
    ) -> FanOutReport {
        let payload = frame.to_bytes();
        let targets: Vec<&ConnectionId> = members
            .iter()
            .map(|m| &m.connection_id)
            .filter(|id| Some(*id) != except)
            .collect();
        let report = post_all(
            self.connections,
            &targets,
            &payload,
            self.limits.fanout_concurrency,
            self.limits.fanout_budget_wait,
        )
        .await;
        if !report.gone.is_empty() {
            self.forget_and_announce(&report.gone).await;
        }
        report
    }

    /// Sends `frame` to every member of `room` but `except` (one read of the
    /// members, then [`Broadcaster::to_members`]).
    pub async fn to_room(
        &self,
        room: &RoomId,
        frame: &ServerFrame,
        except: Option<&ConnectionId>,
    ) -> Result<FanOutReport, RoomError> {
        let members = self.rooms.room_members(self.tenant, room).await?;
        Ok(self.to_members(&members, frame, except).await)
    }

    /// Sends the room's presence to its members (except `except`) after a join or
    /// a leave at `now_ms`. A room too large for a broadcast on every change gets
    /// its count instead, at most once per `presence_count_every` across the
    /// deployment (the change that claims it sends it; the ones after wait for
    /// the next change after that time).
    pub async fn presence(
        &self,
        room: &RoomId,
        members: &[Member],
        except: Option<&ConnectionId>,
        now_ms: i64,
    ) -> FanOutReport {
        if members.len() > self.limits.presence_broadcast_max {
            let every_ms = self.limits.presence_count_every.as_millis() as i64;
            match self
                .rooms
                .claim_presence_count(self.tenant, room, now_ms, every_ms)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    debug!(room = %room, members = members.len(), "presence count sent lately");
                    return FanOutReport::default();
                }
                Err(err) => {
                    warn!(room = %room, error = %err, "presence count skipped");
                    return FanOutReport::default();
                }
            }
        }
        let frame = ServerFrame::Presence {
            room: room.clone(),
            presence: presence_view(members, self.limits.presence_list_max),
            request_id: None,
        };
        self.to_members(members, &frame, except).await
    }

    /// Forgets connections that are gone and tells each room they were in. The
    /// announcements forget further gone connections but announce nothing more, so
    /// this never recurses.
    pub async fn forget_and_announce(&self, gone: &[ConnectionId]) {
        let rooms = self.forget(gone).await;
        for room in rooms {
            let members = match self.rooms.room_members(self.tenant, &room).await {
                Ok(members) => members,
                Err(err) => {
                    warn!(room = %room, error = %err, "presence after forgetting connections skipped");
                    continue;
                }
            };
            if members.len() > self.limits.presence_broadcast_max {
                continue;
            }
            let frame = ServerFrame::Presence {
                room: room.clone(),
                presence: presence_view(&members, self.limits.presence_list_max),
                request_id: None,
            };
            let targets: Vec<&ConnectionId> = members.iter().map(|m| &m.connection_id).collect();
            let report = post_all(
                self.connections,
                &targets,
                &frame.to_bytes(),
                self.limits.fanout_concurrency,
                self.limits.fanout_budget_wait,
            )
            .await;
            self.forget(&report.gone).await;
        }
    }

    /// Removes gone connections from the store; returns the rooms they were in.
    async fn forget(&self, gone: &[ConnectionId]) -> std::collections::BTreeSet<RoomId> {
        let mut rooms = std::collections::BTreeSet::new();
        for id in gone {
            match self.registry.remove_connection(self.tenant, id).await {
                Ok(Some(record)) => {
                    debug!(connection_id = %id, "forgot connection that is gone");
                    rooms.extend(record.rooms);
                }
                Ok(None) => {}
                Err(err) => {
                    warn!(connection_id = %id, error = %err, "could not forget gone connection")
                }
            }
        }
        rooms
    }
}
