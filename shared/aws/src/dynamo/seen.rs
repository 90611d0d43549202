//! [`SeenEvents`]: one item per (consumer, event id), expiring with the
//! idempotency window.

use sideline_domain::ids::TenantId;
use sideline_ports::{SeenError, SeenEvents};

use super::codec::{n, s, Attrs};
use super::{is_put_conditional_failure, keys, unavailable, DynamoStore};

impl SeenEvents for DynamoStore {
    async fn first_sighting(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
        window_s: i64,
    ) -> Result<bool, SeenError> {
        let mut item = keys::seen(tenant, consumer, event_id);
        item.insert("kind".into(), s("seen"));
        item.insert("ttl".into(), n(now_s + window_s));
        // TTL deletion is lazy: an expired item still there counts as unseen.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR #ttl <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now_s))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_put_conditional_failure(&err) => Ok(false),
            Err(err) => Err(unavailable(err).into()),
        }
    }

    async fn seen(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
    ) -> Result<bool, SeenError> {
        let item = self.get(keys::seen(tenant, consumer, event_id)).await?;
        Ok(match item {
            Some(item) => Attrs(&item).num("ttl")? > now_s,
            None => false,
        })
    }
}
