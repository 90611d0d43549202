//! [`Retention`]: the expiry index the scheduled `retention` function sweeps, the
//! tenants it sweeps and where each stopped.

use std::collections::BTreeMap;
use std::future::Future;

use sideline_domain::ids::TenantId;
use sideline_domain::retention::{Class, LegalHold};

use crate::BackendError;

/// Errors of [`Retention`].
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// A tenant that holds data, and since when (the quarter its sweeps start from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownTenant {
    pub tenant: TenantId,
    pub since_ms: i64,
}

/// What one sweep of a tenant's class and quarter did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Items removed, by kind (`message`, `reaction`, `score`, …).
    pub removed: BTreeMap<String, u64>,
    /// Items the index listed that had changed since (a score that moved on, a
    /// membership refreshed): left, they are indexed in a later quarter now.
    pub moved: u64,
    /// Items whose removal failed; they stay indexed and are tried again.
    pub failed: u64,
    /// Items a legal hold keeps: left in the index, their days not done, so they
    /// go once the hold is lifted.
    pub held: u64,
    /// The quarters hold more than the limit let this sweep take.
    pub more: bool,
    /// Index pages read (each one `Query` call).
    pub pages: u64,
    /// The last quarter up to which the range is swept whole (`None`: not its
    /// first), so a sweep cut short by its limit or a failure can be taken up
    /// after it.
    pub through: Option<i64>,
}

impl Swept {
    pub fn removed_total(&self) -> u64 {
        self.removed.values().sum()
    }
}

/// The expiry index: every item retention removes is listed under its tenant, its
/// [`Class`] and the quarter hour of its reference time. Tenants are known from
/// their first connection or settings document.
pub trait Retention: Send + Sync {
    /// Tenants known to hold data, in id order after `after`, at most `limit`.
    fn known_tenants(
        &self,
        after: Option<&TenantId>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<KnownTenant>, RetentionError>> + Send;

    /// One tenant's listing, if it holds data.
    fn known_tenant(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<KnownTenant>, RetentionError>> + Send;

    /// The tenant the last pass that ran out of budget stopped after (`None`:
    /// start from the first).
    fn retention_cursor(
        &self,
    ) -> impl Future<Output = Result<Option<TenantId>, RetentionError>> + Send;

    fn put_retention_cursor(
        &self,
        after: Option<&TenantId>,
    ) -> impl Future<Output = Result<(), RetentionError>> + Send;

    /// Per class, the last quarter of the tenant's index swept whole.
    fn retention_checkpoint(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<BTreeMap<Class, i64>, RetentionError>> + Send;

    fn put_retention_checkpoint(
        &self,
        tenant: &TenantId,
        checkpoint: &BTreeMap<Class, i64>,
    ) -> impl Future<Output = Result<(), RetentionError>> + Send;

    /// Removes up to `limit` of the items of `class` indexed in the quarters
    /// `quarters` (both ends included). An item that changed since it was indexed
    /// there (a mutable read model, a refreshed membership) is left to its new
    /// quarter, and an item `hold` keeps is left. Removals reach the stream as any
    /// removal does.
    fn sweep(
        &self,
        tenant: &TenantId,
        class: Class,
        quarters: std::ops::RangeInclusive<i64>,
        limit: usize,
        hold: &LegalHold,
    ) -> impl Future<Output = Result<Swept, RetentionError>> + Send;
}
