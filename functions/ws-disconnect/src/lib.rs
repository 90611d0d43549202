//! `ws-disconnect`: the `$disconnect` route. Forgets the connection, removes it from
//! every room it joined, and tells those rooms the new presence. API Gateway only
//! delivers `$disconnect` on a best-effort basis; fan-out forgets connections that
//! answer 410 and the TTL removes the rest.

use sideline_app::fanout::Broadcaster;
use sideline_domain::config::Limits;
use sideline_lambda::{ProxyResponse, WebSocketEvent};
use sideline_ports::{Clock, ConnectionRegistry, Connections, RoomStore, SystemClock};
use tracing::{error, info, warn};

pub async fn handle<S: ConnectionRegistry + RoomStore, C: Connections>(
    event: WebSocketEvent,
    store: &S,
    connections: &C,
    limits: &Limits,
) -> ProxyResponse {
    let ctx = event.request_context;
    // When API Gateway took the disconnect (it always says; the clock otherwise).
    let now_ms = ctx
        .request_time_epoch
        .unwrap_or_else(|| SystemClock.now_ms());
    // Without an identity there is nothing to forget here; the TTL cleans up.
    let (connection_id, identity) = match ctx.caller(ProxyResponse::ok()) {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let record = match store
        .remove_connection(&identity.tenant, &connection_id)
        .await
    {
        Ok(Some(record)) => record,
        Ok(None) => return ProxyResponse::ok(),
        Err(err) => {
            error!(connection_id = %connection_id, error = %err, cause = ?std::error::Error::source(&err), "could not forget connection");
            return ProxyResponse::status(500, "Internal Server Error");
        }
    };
    info!(connection_id = %connection_id, rooms = record.rooms.len(), code = ?ctx.disconnect_status_code, "disconnected");
    let broadcaster = Broadcaster {
        rooms: store,
        registry: store,
        connections,
        limits,
        tenant: &identity.tenant,
    };
    for room in &record.rooms {
        match store.room_members(&identity.tenant, room).await {
            // Another tab of the same user keeps them present.
            Ok(members) if members.iter().any(|m| m.user == record.user) => {}
            Ok(members) => {
                broadcaster.presence(room, &members, None, now_ms).await;
            }
            Err(err) => warn!(room = %room, error = %err, "presence after disconnect skipped"),
        }
    }
    ProxyResponse::ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sideline_domain::connection::{ConnectionRecord, Member};
    use sideline_domain::identity::Identity;
    use sideline_domain::ids::{ConnectionId, RoomId};
    use sideline_memory::{MemoryStore, RecordingConnections};
    use sideline_token::Claims;

    fn identity(sub: &str) -> Identity {
        Claims {
            sub: sub.into(),
            tenant: "acme".into(),
            ..Claims::default()
        }
        .into_identity()
        .expect("identity")
    }

    async fn joined(store: &MemoryStore, id: &str, who: &Identity, room: &RoomId) -> ConnectionId {
        let connection_id = ConnectionId::parse(id).expect("id");
        store
            .put_connection(&ConnectionRecord {
                tenant: who.tenant.clone(),
                connection_id: connection_id.clone(),
                user: who.user.clone(),
                name: who.name.clone(),
                role: who.role,
                connected_at_ms: 0,
                expires_at_s: 9_999,
                rooms: Default::default(),
            })
            .await
            .expect("put");
        let member = Member {
            connection_id: connection_id.clone(),
            user: who.user.clone(),
            name: who.name.clone(),
            role: who.role,
            joined_at_ms: 0,
            expires_at_s: 9_999,
            correlation_id: None,
            tier: sideline_domain::scoring::Tier::None,
        };
        store
            .join_room(&who.tenant, room, &member, 10)
            .await
            .expect("join");
        connection_id
    }

    fn event(id: &ConnectionId, who: &Identity) -> WebSocketEvent {
        serde_json::from_value(json!({
            "requestContext": {
                "routeKey": "$disconnect",
                "connectionId": id.as_str(),
                "authorizer": who.to_context(),
                "disconnectStatusCode": 1001,
            }
        }))
        .expect("event")
    }

    #[tokio::test]
    async fn disconnect_leaves_rooms_and_updates_presence() {
        let store = MemoryStore::new();
        let connections = RecordingConnections::new();
        let room = RoomId::parse("match:1").expect("room");
        let ada = identity("ada");
        let bob = identity("bob");
        let ca = joined(&store, "ca", &ada, &room).await;
        let cb = joined(&store, "cb", &bob, &room).await;
        connections.open(&cb);
        let response = handle(event(&ca, &ada), &store, &connections, &Limits::default()).await;
        assert_eq!(response.status_code, 200);
        assert!(store
            .connection(&ada.tenant, &ca)
            .await
            .expect("get")
            .is_none());
        let frames = connections.take(&cb);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0]["type"], "presence");
        assert_eq!(frames[0]["count"], 1);
    }

    #[tokio::test]
    async fn closing_one_of_two_tabs_changes_no_presence() {
        let store = MemoryStore::new();
        let connections = RecordingConnections::new();
        let room = RoomId::parse("r").expect("room");
        let ada = identity("ada");
        let bob = identity("bob");
        let tab1 = joined(&store, "t1", &ada, &room).await;
        let _tab2 = joined(&store, "t2", &ada, &room).await;
        let cb = joined(&store, "cb", &bob, &room).await;
        connections.open(&cb);
        handle(event(&tab1, &ada), &store, &connections, &Limits::default()).await;
        assert!(connections.take(&cb).is_empty());
        assert_eq!(
            store
                .room_members(&ada.tenant, &room)
                .await
                .expect("members")
                .len(),
            2
        );
    }
}
