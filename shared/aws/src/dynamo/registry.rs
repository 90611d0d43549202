//! [`ConnectionRegistry`]: the connection item, and the user's profile and
//! connection list written with it.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
use sideline_domain::connection::ConnectionRecord;
use sideline_domain::ids::{ConnectionId, TenantId, UserId};
use sideline_domain::moderation::UserProfile;
use sideline_ports::{ConnectionRegistry, RegistryError};

use super::codec::{connection_from, connection_item, profile_from, user_items, Attrs};
use super::{build_error, cancelled_conditions, keys, unavailable, DynamoStore};

impl ConnectionRegistry for DynamoStore {
    async fn put_connection(&self, record: &ConnectionRecord) -> Result<(), RegistryError> {
        // The connection, the user's profile and their connection list: one
        // transaction, so a user's connections are always findable (for bans).
        let [profile, entry] = user_items(record);
        let mut request = self.client.transact_write_items();
        for item in [connection_item(record), profile, entry] {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(build_error)?;
            request = request.transact_items(TransactWriteItem::builder().put(put).build());
        }
        // Refused while the user's erasure is under way (its mark is in their
        // partition until it completes).
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::erasing(&record.tenant, &record.user)))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(build_error)?;
        request =
            request.transact_items(TransactWriteItem::builder().condition_check(check).build());
        if let Err(err) = request.send().await {
            return Err(match cancelled_conditions(&err) {
                Some(reasons) if reasons.get(3) == Some(&true) => RegistryError::Erasing,
                _ => unavailable(err).into(),
            });
        }
        self.register_tenant(&record.tenant, record.connected_at_ms)
            .await?;
        Ok(())
    }

    async fn connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, RegistryError> {
        Ok(self
            .get(keys::connection(tenant, id))
            .await?
            .as_ref()
            .map(connection_from)
            .transpose()?)
    }

    async fn remove_connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, RegistryError> {
        let Some(record) = self.connection(tenant, id).await? else {
            return Ok(None);
        };
        // Memberships first: if this fails half-way the connection is still there
        // to find them again on the next attempt.
        let mut doomed: Vec<_> = record
            .rooms
            .iter()
            .map(|room| keys::member(tenant, room, id))
            .collect();
        doomed.push(keys::user_connection(tenant, &record.user, id));
        self.delete_keys(doomed).await?;
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(keys::connection(tenant, id)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(Some(record))
    }

    async fn user_connections(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<ConnectionId>, RegistryError> {
        Ok(self
            .query_prefix(keys::user_pk(tenant, user), "CONN#")
            .await?
            .iter()
            .map(|item| Attrs(item).connection_id("connectionId"))
            .collect::<Result<_, _>>()?)
    }

    async fn user_profile(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<UserProfile>, RegistryError> {
        Ok(self
            .get(keys::profile(tenant, user))
            .await?
            .as_ref()
            .map(profile_from)
            .transpose()?)
    }
}
