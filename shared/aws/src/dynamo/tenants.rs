//! [`TenantConfigs`]: every version of a tenant's settings document, and a pointer
//! to the current one holding a copy (so reading the current one is one GetItem).
//!
//! | item | PK | SK |
//! |---|---|---|
//! | current document | `T#{tenant}#CONFIG` | `CURRENT` |
//! | version n | `T#{tenant}#CONFIG` | `V#{n:012}` |
//!
//! A change writes both in one transaction, the pointer conditional on the
//! version the writer read, so two writers cannot both make version n + 1.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use sideline_domain::ids::TenantId;
use sideline_domain::tenant::{TenantConfig, VersionedConfig};
use sideline_ports::{BackendError, ConfigStoreError, TenantConfigs};

use super::codec::{n, s, Attrs};
use super::{build_error, cancelled_conditions, keys::key, unavailable, DynamoStore, Item};

fn pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#CONFIG")
}

fn version_sk(version: u64) -> String {
    format!("V#{version:012}")
}

fn config_item(tenant: &TenantId, sk: String, v: &VersionedConfig) -> Item {
    let mut item = key(pk(tenant), sk);
    item.insert("kind".into(), s("tenant_config"));
    item.insert("version".into(), n(v.version));
    item.insert("doc".into(), s(v.config.to_value().to_string()));
    item.insert("updatedAt".into(), n(v.updated_at_ms));
    item
}

fn config_from(item: &Item) -> Result<VersionedConfig, BackendError> {
    let a = Attrs(item);
    let version = u64::try_from(a.num("version")?)
        .map_err(|_| BackendError::corrupt("negative config version"))?;
    // Documents were checked when stored; one that no longer reads is corrupt.
    let config = TenantConfig::from_stored(a.str("doc")?)
        .map_err(|e| BackendError::corrupt(format!("config version {version}: {e}")))?;
    Ok(VersionedConfig {
        version,
        config,
        updated_at_ms: a.num("updatedAt")?,
    })
}

impl TenantConfigs for DynamoStore {
    async fn tenant_config(
        &self,
        tenant: &TenantId,
        version: Option<u64>,
    ) -> Result<Option<VersionedConfig>, ConfigStoreError> {
        let sk = version.map_or_else(|| "CURRENT".to_owned(), version_sk);
        match self.get(key(pk(tenant), sk)).await? {
            Some(item) => Ok(Some(config_from(&item)?)),
            None => Ok(None),
        }
    }

    async fn put_tenant_config(
        &self,
        tenant: &TenantId,
        expected: u64,
        config: &TenantConfig,
        now_ms: i64,
    ) -> Result<u64, ConfigStoreError> {
        let next = VersionedConfig {
            version: expected + 1,
            config: config.clone(),
            updated_at_ms: now_ms,
        };
        let current = Put::builder()
            .table_name(&self.table)
            .set_item(Some(config_item(tenant, "CURRENT".into(), &next)));
        let current = if expected == 0 {
            current.condition_expression("attribute_not_exists(PK)")
        } else {
            current
                .condition_expression("version = :v")
                .expression_attribute_values(":v", n(expected))
        };
        let version = Put::builder()
            .table_name(&self.table)
            .set_item(Some(config_item(tenant, version_sk(next.version), &next)))
            .condition_expression("attribute_not_exists(PK)");
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(current.build().map_err(build_error)?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(version.build().map_err(build_error)?)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(next.version),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.iter().any(|failed| *failed) => {
                    let current = self
                        .tenant_config(tenant, None)
                        .await?
                        .map_or(0, |c| c.version);
                    Err(ConfigStoreError::Stale { current })
                }
                _ => Err(unavailable(err).into()),
            },
        }
    }
}
