//! [`RecentMessages`]: one item per user holding their latest messages, written
//! optimistically (a version number guards concurrent writers).

use aws_sdk_dynamodb::types::AttributeValue;
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::moderation::RecentMessage;
use sideline_ports::{RecentError, RecentMessages};

use super::codec::{n, recent_from, recent_value, s, Attrs};
use super::{is_put_conditional_failure, keys, unavailable, DynamoStore};

/// A user's recent messages outlive their last message by a week.
const RECENT_TTL_SECS: i64 = 7 * 86_400;

impl RecentMessages for DynamoStore {
    async fn remember_message(
        &self,
        tenant: &TenantId,
        user: &UserId,
        message: &RecentMessage,
        keep: usize,
    ) -> Result<Vec<RecentMessage>, RecentError> {
        let slot = keys::recent(tenant, user);
        // Optimistic: read, add, write back if nobody wrote meanwhile; a few tries.
        for _ in 0..4 {
            let current = self.get(slot.clone()).await?;
            let (mut recent, version) = match &current {
                Some(item) => {
                    let list = match item.get("entries") {
                        Some(AttributeValue::L(list)) => list
                            .iter()
                            .map(recent_from)
                            .collect::<Result<Vec<_>, _>>()?,
                        _ => Vec::new(),
                    };
                    (list, Some(Attrs(item).num("version")?))
                }
                None => (Vec::new(), None),
            };
            if !recent.iter().any(|r| r.message == message.message) {
                recent.insert(0, message.clone());
            }
            recent.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
            recent.truncate(keep);
            let mut item = slot.clone();
            item.insert("kind".into(), s("recent"));
            item.insert(
                "entries".into(),
                AttributeValue::L(recent.iter().map(recent_value).collect()),
            );
            item.insert("version".into(), n(version.unwrap_or(0) + 1));
            item.insert("ttl".into(), n(message.at_ms / 1000 + RECENT_TTL_SECS));
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item));
            put = match version {
                Some(v) => put
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", n(v)),
                None => put.condition_expression("attribute_not_exists(PK)"),
            };
            match put.send().await {
                Ok(_) => return Ok(recent),
                Err(err) if is_put_conditional_failure(&err) => {}
                Err(err) => return Err(unavailable(err).into()),
            }
        }
        Err(RecentError::Contended)
    }
}
