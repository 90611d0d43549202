//! [`TenantConfigs`]: every version of a tenant's settings document, and a pointer
//! to the current one holding a copy (so reading the current one is one GetItem).
//!
//! | item | PK | SK |
//! |---|---|---|
//! | current document | `T#{tenant}#CONFIG` | `CURRENT` |
//! | version n | `T#{tenant}#CONFIG` | `V#{n:012}` |
//! | thresholds cut from percentiles | `T#{tenant}#CONFIG` | `CUTS` |
//! | tenant on percentile thresholds | `PERCENTILES` | `T#{tenant}` |
//!
//! A change writes the pointer and the version in one transaction, the pointer
//! conditional on the version the writer read, so two writers cannot both make
//! version n + 1; a document on percentiles lists the tenant under `PERCENTILES`
//! with them (and it stays listed).

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use sideline_domain::ids::TenantId;
use sideline_domain::scoring::{Percentiles, Thresholds, TierCuts};
use sideline_domain::tenant::{TenantConfig, VersionedConfig};
use sideline_ports::{BackendError, ConfigStoreError, TenantConfigs};

use super::codec::{n, s, Attrs};
use super::{build_error, cancelled_conditions, keys::key, unavailable, DynamoStore, Item};

fn pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#CONFIG")
}

const PERCENTILES_PK: &str = "PERCENTILES";

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
        // Listed from its first document on percentiles, and kept listed: a tenant
        // that goes back to points has its tiers re-judged once by the tier pass.
        let listing = if config.tiers.percentiles.is_some() {
            let mut item = key(PERCENTILES_PK.to_owned(), format!("T#{tenant}"));
            item.insert("kind".into(), s("percentile_tenant"));
            Some(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(item))
                            .build()
                            .map_err(build_error)?,
                    )
                    .build(),
            )
        } else {
            None
        };
        let mut request = self
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
            );
        if let Some(listing) = listing {
            request = request.transact_items(listing);
        }
        let result = request.send().await;
        match result {
            Ok(_) => {
                self.register_tenant(tenant, now_ms).await?;
                Ok(next.version)
            }
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

    async fn percentile_tenants(&self) -> Result<Vec<TenantId>, ConfigStoreError> {
        let mut tenants = Vec::new();
        for item in self.query_prefix(PERCENTILES_PK.to_owned(), "T#").await? {
            let a = Attrs(&item);
            let sk = a.str("SK")?;
            let tenant = sk
                .strip_prefix("T#")
                .and_then(|raw| TenantId::parse(raw).ok())
                .ok_or_else(|| BackendError::corrupt(format!("listed tenant `{sk}`")))?;
            tenants.push(tenant);
        }
        Ok(tenants)
    }

    async fn tier_cuts(&self, tenant: &TenantId) -> Result<Option<TierCuts>, ConfigStoreError> {
        let Some(item) = self.get(key(pk(tenant), "CUTS")).await? else {
            return Ok(None);
        };
        let a = Attrs(&item);
        let thresholds = |prefix: &str| -> Result<Option<Thresholds>, BackendError> {
            if a.0.get(&format!("{prefix}silver")).is_none() {
                return Ok(None);
            }
            Ok(Some(Thresholds {
                silver: a.float(&format!("{prefix}silver"))?,
                gold: a.float(&format!("{prefix}gold"))?,
                platinum: a.float(&format!("{prefix}platinum"))?,
                at_ms: a.num(&format!("{prefix}at"))?,
                active_users: u64::try_from(a.num(&format!("{prefix}activeUsers"))?)
                    .map_err(|_| BackendError::corrupt("negative active users"))?,
            }))
        };
        Ok(Some(TierCuts {
            cut: thresholds("cut_")?,
            active_users: u64::try_from(a.num("activeUsers")?)
                .map_err(|_| BackendError::corrupt("negative active users"))?,
            at_ms: a.num("at")?,
            from_ms: a.num("from")?,
            before: thresholds("before_")?,
            percentiles: Percentiles {
                silver: a.float("pSilver")?,
                gold: a.float("pGold")?,
                platinum: a.float("pPlatinum")?,
            },
            active_days: a.num("activeDays")?,
            settled: a.num("settled")? != 0,
        }))
    }

    async fn put_tier_cuts(
        &self,
        tenant: &TenantId,
        cuts: &TierCuts,
    ) -> Result<(), ConfigStoreError> {
        let mut item = key(pk(tenant), "CUTS");
        item.insert("kind".into(), s("tier_cuts"));
        for (prefix, thresholds) in [("cut_", cuts.cut), ("before_", cuts.before)] {
            if let Some(t) = thresholds {
                item.insert(format!("{prefix}silver"), n(t.silver));
                item.insert(format!("{prefix}gold"), n(t.gold));
                item.insert(format!("{prefix}platinum"), n(t.platinum));
                item.insert(format!("{prefix}at"), n(t.at_ms));
                item.insert(format!("{prefix}activeUsers"), n(t.active_users));
            }
        }
        item.insert("activeUsers".into(), n(cuts.active_users));
        item.insert("at".into(), n(cuts.at_ms));
        item.insert("from".into(), n(cuts.from_ms));
        item.insert("pSilver".into(), n(cuts.percentiles.silver));
        item.insert("pGold".into(), n(cuts.percentiles.gold));
        item.insert("pPlatinum".into(), n(cuts.percentiles.platinum));
        item.insert("activeDays".into(), n(cuts.active_days));
        item.insert("settled".into(), n(i64::from(cuts.settled)));
        self.put(item).await?;
        Ok(())
    }
}
