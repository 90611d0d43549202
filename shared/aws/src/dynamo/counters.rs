//! [`Counters`]: per-window send and violation counters, slow-mode slots. Each
//! counter item expires with its window.

use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_ports::{CounterError, Counters};

use super::codec::{n, s, Attrs};
use super::{is_conditional_failure, keys, unavailable, DynamoStore};

impl Counters for DynamoStore {
    async fn count_send(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> Result<u32, CounterError> {
        Ok(self
            .add_one(
                keys::send_counter(tenant, room, user, window_start_ms),
                "sends",
                "rate",
                expires_at_s,
            )
            .await?)
    }

    async fn count_violation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> Result<u32, CounterError> {
        Ok(self
            .add_one(
                keys::violations(tenant, user, window_start_ms),
                "violations",
                "violations",
                expires_at_s,
            )
            .await?)
    }

    async fn violations(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
    ) -> Result<u32, CounterError> {
        let item = self
            .get(keys::violations(tenant, user, window_start_ms))
            .await?;
        Ok(item.map_or(Ok(0), |item| Attrs(&item).opt_count("violations"))?)
    }

    async fn claim_slow_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        now_ms: i64,
        gap_ms: i64,
    ) -> Result<Option<i64>, CounterError> {
        let slot = keys::slow_slot(tenant, room, user);
        let next_at = now_ms.saturating_add(gap_ms);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(slot.clone()))
            .update_expression("SET nextAt = :next, #ttl = :ttl, kind = :kind")
            .condition_expression("attribute_not_exists(nextAt) OR nextAt <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":next", n(next_at))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":ttl", n(next_at / 1000 + 60))
            .expression_attribute_values(":kind", s("slow"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(err) if is_conditional_failure(&err) => {
                let next = match self.get(slot).await? {
                    Some(item) => Attrs(&item).num("nextAt")?,
                    None => now_ms,
                };
                Ok(Some(next.saturating_sub(now_ms).max(1)))
            }
            Err(err) => Err(unavailable(err).into()),
        }
    }
}
