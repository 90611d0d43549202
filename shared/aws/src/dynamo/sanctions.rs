//! [`Sanctions`]: one item per sanction in the user's partition, expiring a day
//! after it ends; the author's standing in one query with the violation counter.

use aws_sdk_dynamodb::types::ReturnValue;
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::moderation::{Sanction, SanctionKind, Scope, UserStanding};
use sideline_ports::{SanctionError, Sanctions};

use super::codec::{s, sanction_from, sanction_item, Attrs};
use super::{keys, unavailable, DynamoStore};

impl Sanctions for DynamoStore {
    async fn put_sanction(
        &self,
        tenant: &TenantId,
        sanction: &Sanction,
    ) -> Result<(), SanctionError> {
        Ok(self.put(sanction_item(tenant, sanction)).await?)
    }

    async fn lift_sanction(
        &self,
        tenant: &TenantId,
        user: &UserId,
        kind: SanctionKind,
        scope: &Scope,
    ) -> Result<bool, SanctionError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(keys::sanction(tenant, user, kind, scope)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn sanctions(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
    ) -> Result<Vec<Sanction>, SanctionError> {
        let items = self
            .query_prefix(keys::user_pk(tenant, user), "SANCTION#")
            .await?;
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let sanction = sanction_from(item)?;
            if sanction.in_force(now_ms) {
                out.push(sanction);
            }
        }
        Ok(out)
    }

    /// One query over the user's partition from `SANCTION#` to this window's
    /// `VIOL#` item (older windows' counters in between are skipped; they expire).
    async fn standing(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
        window_start_ms: i64,
    ) -> Result<UserStanding, SanctionError> {
        let window_sk = keys::violations_sk(window_start_ms);
        let items = self
            .query_sk(
                keys::user_pk(tenant, user),
                "SK BETWEEN :a AND :b",
                s("SANCTION#"),
                Some(s(&window_sk)),
            )
            .await?;
        let mut standing = UserStanding::default();
        for item in &items {
            let attrs = Attrs(item);
            let sk = attrs.str("SK")?;
            if sk.starts_with("SANCTION#") {
                let sanction = sanction_from(item)?;
                if sanction.in_force(now_ms) {
                    standing.sanctions.push(sanction);
                }
            } else if sk == window_sk {
                standing.violations = attrs.opt_count("violations")?;
            }
        }
        Ok(standing)
    }
}
