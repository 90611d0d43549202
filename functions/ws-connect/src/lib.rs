//! `ws-connect`: the `$connect` route, after the authorizer allowed the handshake.
//! Records the connection with a TTL backstop just over API Gateway's 2-hour
//! maximum, since `$disconnect` is best-effort. A user banned tenant-wide is refused
//! (403) until the ban ends.

use sideline_domain::connection::{ConnectionRecord, CONNECTION_TTL_SECS};
use sideline_domain::moderation::{SanctionKind, Scope};
use sideline_lambda::{ProxyResponse, WebSocketEvent};
use sideline_ports::{Clock, ConnectionRegistry, RegistryError, Sanctions};
use tracing::{error, info};

/// Records the connection; a non-200 answer makes API Gateway refuse the handshake.
pub async fn handle<S: ConnectionRegistry + Sanctions, K: Clock>(
    event: WebSocketEvent,
    store: &S,
    clock: &K,
) -> ProxyResponse {
    let ctx = event.request_context;
    let (connection_id, identity) = match ctx.caller(ProxyResponse::status(403, "Forbidden")) {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let now_ms = clock.now_ms();
    match store
        .sanctions(&identity.tenant, &identity.user, now_ms)
        .await
    {
        Ok(sanctions) => {
            if sanctions
                .iter()
                .any(|s| s.kind == SanctionKind::Ban && s.scope == Scope::Tenant)
            {
                info!(connection_id = %connection_id, user_id = %identity.user, "banned user refused");
                return ProxyResponse::status(403, "Forbidden");
            }
        }
        Err(err) => {
            error!(connection_id = %connection_id, error = %err, "could not read sanctions");
            return ProxyResponse::status(500, "Internal Server Error");
        }
    }
    let record = ConnectionRecord {
        tenant: identity.tenant.clone(),
        connection_id: connection_id.clone(),
        user: identity.user.clone(),
        name: identity.name.clone(),
        role: identity.role,
        connected_at_ms: now_ms,
        expires_at_s: now_ms / 1000 + CONNECTION_TTL_SECS,
        rooms: Default::default(),
    };
    match store.put_connection(&record).await {
        Ok(()) => {
            info!(connection_id = %connection_id, tenant = %identity.tenant, user_id = %identity.user, "connected");
            ProxyResponse::ok()
        }
        Err(RegistryError::Erasing) => {
            info!(connection_id = %connection_id, tenant = %identity.tenant, "connection refused: the user's erasure is under way");
            ProxyResponse::status(403, "Forbidden")
        }
        Err(err) => {
            error!(connection_id = %connection_id, error = %err, cause = ?std::error::Error::source(&err), "could not record connection");
            ProxyResponse::status(500, "Internal Server Error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sideline_domain::ids::{ConnectionId, TenantId};
    use sideline_memory::MemoryStore;
    use sideline_ports::ManualClock;
    use sideline_token::Claims;

    #[tokio::test]
    async fn connection_is_recorded_with_a_ttl_backstop() {
        let identity = Claims {
            sub: "7".into(),
            tenant: "acme".into(),
            ..Claims::default()
        }
        .into_identity()
        .expect("identity");
        let event: WebSocketEvent = serde_json::from_value(json!({
            "requestContext": {
                "routeKey": "$connect",
                "connectionId": "L0SM9cOFvHcCIhw=",
                "authorizer": identity.to_context(),
            }
        }))
        .expect("event");
        let store = MemoryStore::new();
        let clock = ManualClock::at(1_800_000_000_000);
        assert_eq!(handle(event, &store, &clock).await.status_code, 200);
        let tenant = TenantId::parse("acme").expect("tenant");
        let id = ConnectionId::parse("L0SM9cOFvHcCIhw=").expect("id");
        let record = store
            .connection(&tenant, &id)
            .await
            .expect("get")
            .expect("recorded");
        assert_eq!(record.user, identity.user);
        assert_eq!(record.expires_at_s, 1_800_000_000 + 2 * 3600 + 600);
    }

    #[tokio::test]
    async fn connect_without_authorizer_context_is_refused() {
        let event: WebSocketEvent = serde_json::from_value(json!({
            "requestContext": {"routeKey": "$connect", "connectionId": "abc"}
        }))
        .expect("event");
        let store = MemoryStore::new();
        assert_eq!(
            handle(event, &store, &ManualClock::at(0)).await.status_code,
            403
        );
        assert_eq!(store.connection_count(), 0);
    }
}
