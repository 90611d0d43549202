//! [`UserData`]: the `owner` index lists a user's messages, reactions and reports
//! and the decisions about them (`owPk` = `T#{tenant}#O#{userId}`, `owSk` = the
//! item's time); the items themselves are read with `BatchGetItem`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::outbox::Stored;
use sideline_ports::{UserData, UserDataError};

use super::codec::{owner_pk, s, stored_from};
use super::schema::OWNER_INDEX;
use sideline_ports::BackendError;

use super::{build_error, keys, unavailable, DynamoStore, Item};

/// Largest batch `BatchGetItem` takes.
const BATCH_GET_MAX: usize = 100;
/// Calls per batch before keys DynamoDB keeps leaving unprocessed fail the read.
const READ_ATTEMPTS: u32 = 8;

impl UserData for DynamoStore {
    async fn owned_by(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<Stored>, UserDataError> {
        // The index, oldest first: each entry's keys.
        let listed = self.owner_entries(tenant, user).await?;
        let mut found: HashMap<String, Item> = HashMap::new();
        for chunk in listed.chunks(BATCH_GET_MAX) {
            let mut wanted = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(true)
                .build()
                .map_err(build_error)?;
            for attempt in 0..READ_ATTEMPTS {
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(25 << attempt.min(5)))
                        .await;
                }
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, wanted.clone())
                    .send()
                    .await
                    .map_err(unavailable)?;
                for item in out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    if let Some(key) = keys::item_key(&item) {
                        found.insert(key, item);
                    }
                }
                match out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty())
                {
                    Some(left) if attempt + 1 == READ_ATTEMPTS => {
                        // Never answer with part of a user's data as if it were all.
                        return Err(BackendError::Unavailable(
                            format!("{} items left unread after retries", left.keys().len()).into(),
                        )
                        .into());
                    }
                    Some(left) => wanted = left,
                    None => break,
                }
            }
        }
        let mut owned = Vec::with_capacity(listed.len());
        for key in &listed {
            // An item the index still lists but the table no longer holds (removed
            // meanwhile) is left out.
            if let Some(item) = keys::item_key(key).and_then(|k| found.get(&k)) {
                owned.push(stored_from(item)?);
            }
        }
        Ok(owned)
    }
}

impl DynamoStore {
    /// The user's entries in the `owner` index, oldest first (keys only).
    pub(super) async fn owner_entries(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<Item>, BackendError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(OWNER_INDEX)
            .key_condition_expression("owPk = :pk")
            .expression_attribute_values(":pk", s(owner_pk(tenant, user)));
        let entries = self.all_pages(query).await?;
        Ok(entries
            .into_iter()
            .map(|item| {
                item.into_iter()
                    .filter(|(k, _)| k == "PK" || k == "SK")
                    .collect::<Item>()
            })
            .collect())
    }
}
