//! [`ExportFiles`]: where exports too large for a response are kept, and fetched
//! from through a link that expires.

use std::future::Future;

use sideline_domain::ids::TenantId;

use crate::BoxError;

/// Errors of [`ExportFiles`].
#[derive(Debug, thiserror::Error)]
pub enum ExportFileError {
    /// The deployment keeps no export files (devstack without a bucket): the
    /// document is answered whole.
    #[error("no place for export files is configured")]
    NotConfigured,
    /// The place could not be reached or refused the call; retrying may help.
    #[error("export files unavailable")]
    Unavailable(#[source] BoxError),
}

/// A kept export: a link that fetches it, until `expires_at_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptExport {
    pub url: String,
    pub expires_at_ms: i64,
}

/// Export documents kept outside the table, one per user (named by the user's
/// keyed hash, never their id), each replacing the one before.
pub trait ExportFiles: Send + Sync {
    /// Keeps `document` as the export of the user `subject` names and links to it.
    fn keep(
        &self,
        tenant: &TenantId,
        subject: &str,
        document: &[u8],
        now_ms: i64,
    ) -> impl Future<Output = Result<KeptExport, ExportFileError>> + Send;

    /// Removes the export kept for `subject`, if there is one (erasure).
    fn forget(
        &self,
        tenant: &TenantId,
        subject: &str,
    ) -> impl Future<Output = Result<(), ExportFileError>> + Send;
}

/// No place configured: nothing is kept and there is nothing to forget.
impl<T: ExportFiles> ExportFiles for Option<T> {
    async fn keep(
        &self,
        tenant: &TenantId,
        subject: &str,
        document: &[u8],
        now_ms: i64,
    ) -> Result<KeptExport, ExportFileError> {
        match self {
            Some(files) => files.keep(tenant, subject, document, now_ms).await,
            None => Err(ExportFileError::NotConfigured),
        }
    }

    async fn forget(&self, tenant: &TenantId, subject: &str) -> Result<(), ExportFileError> {
        match self {
            Some(files) => files.forget(tenant, subject).await,
            None => Ok(()),
        }
    }
}

impl<T: ExportFiles> ExportFiles for &T {
    async fn keep(
        &self,
        tenant: &TenantId,
        subject: &str,
        document: &[u8],
        now_ms: i64,
    ) -> Result<KeptExport, ExportFileError> {
        (**self).keep(tenant, subject, document, now_ms).await
    }

    async fn forget(&self, tenant: &TenantId, subject: &str) -> Result<(), ExportFileError> {
        (**self).forget(tenant, subject).await
    }
}
