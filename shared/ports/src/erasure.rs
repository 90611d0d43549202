//! [`Erasure`]: erasure requests, the items they erase, the receipt chain and the
//! ledger that keeps an erased user erased.

use std::collections::BTreeMap;
use std::future::Future;

use sideline_domain::erasure::{ChainHead, ErasureRequest};
use sideline_domain::ids::{RoomId, TenantId, UserId};

use crate::BackendError;

/// Errors of [`Erasure`].
#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    /// The request (or the chain head) changed since it was read.
    #[error("the erasure request changed since it was read")]
    Conflict,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// What one step of erasing did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// Items erased, by kind (`sideline_domain::erasure::kinds`).
    pub counts: BTreeMap<String, u64>,
    /// Items whose erasure failed; they are found again by the next step.
    pub failed: u64,
    /// The limit stopped the step before everything was erased.
    pub more: bool,
}

impl Erased {
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Storage of erasure requests and of the erasing itself.
pub trait Erasure: Send + Sync {
    /// The tenant's secret for keyed hashes of user ids: the one stored, or
    /// `candidate` (fresh random bytes) stored now if there is none. Never
    /// changed once stored.
    fn tenant_secret(
        &self,
        tenant: &TenantId,
        candidate: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, ErasureError>> + Send;

    /// A stored request.
    fn erasure_request(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> impl Future<Output = Result<Option<ErasureRequest>, ErasureError>> + Send;

    /// Stores a new request (`Conflict` if one with its id exists): with it, the
    /// mark that refuses the user's connections and a new pseudonym, and the
    /// request's entry in the list runs take work from. The user's pseudonym is
    /// dropped at once, so consumers stop resolving it; the request as stored
    /// keeps it (`pseudonym`) for `community.user.erased`.
    fn open_erasure(
        &self,
        request: &ErasureRequest,
    ) -> impl Future<Output = Result<ErasureRequest, ErasureError>> + Send;

    /// Saves a request's progress; `Conflict` unless the stored version is
    /// `request.version - 1`.
    fn save_erasure(
        &self,
        request: &ErasureRequest,
    ) -> impl Future<Output = Result<(), ErasureError>> + Send;

    /// Requests runs have work on (open ones, and completed ones not yet
    /// re-checked), at most `limit`, as (tenant, request id).
    fn due_erasures(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(TenantId, String)>, ErasureError>> + Send;

    /// What is left to erase of `user`, counted per kind, and the rooms their
    /// items are in (a read: nothing changes).
    fn erasure_inventory(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<(BTreeMap<String, u64>, Vec<RoomId>), ErasureError>> + Send;

    /// Erases up to `limit` items of `user` (with `rooms` for the per-room
    /// keys), replacing their id in what is kept (moderation decisions) by
    /// `subject`. Idempotent: what is erased is no longer found, so a step that
    /// died half-way is finished by the next.
    fn erase_items(
        &self,
        tenant: &TenantId,
        user: &UserId,
        subject: &str,
        rooms: &[RoomId],
        limit: usize,
    ) -> impl Future<Output = Result<Erased, ErasureError>> + Send;

    /// The head of the tenant's receipt chain.
    fn chain_head(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<ChainHead>, ErasureError>> + Send;

    /// Completes a request at once: saves it (with its receipt, versioned as
    /// [`Erasure::save_erasure`]), moves the chain head from `previous` to the
    /// receipt (`Conflict` if it moved meanwhile), records the subject in the
    /// ledger and lifts the mark on the user.
    fn complete_erasure(
        &self,
        request: &ErasureRequest,
        user: &UserId,
        previous: Option<&ChainHead>,
    ) -> impl Future<Output = Result<(), ErasureError>> + Send;

    /// When the ledger recorded `subject` erased, if it did.
    fn erased_at(
        &self,
        tenant: &TenantId,
        subject: &str,
    ) -> impl Future<Output = Result<Option<i64>, ErasureError>> + Send;
}

/// A user's pseudonym as stored: the id their events carry, and the time before
/// which events are not theirs (a returning user's erasure; 0 if none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPseudonym {
    pub pseudonym: String,
    pub not_before_ms: i64,
}

/// The pseudonyms events name users by (`p_…`), mapped both ways until the
/// user's erasure drops the mapping.
pub trait Pseudonyms: Send + Sync {
    /// The pseudonym stored for `user`.
    fn stored_pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<StoredPseudonym>, ErasureError>> + Send;

    /// Stores `candidate` as `user`'s pseudonym (or returns the one another
    /// writer stored first) — unless their erasure is under way, or the ledger
    /// records `subject` erased at or after `at_ms` (an event from before the
    /// erasure, arriving late): `None`.
    fn create_pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
        subject: &str,
        candidate: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<Option<StoredPseudonym>, ErasureError>> + Send;

    /// The user behind `pseudonym`; `None` once erased (or never made).
    fn user_behind(
        &self,
        tenant: &TenantId,
        pseudonym: &str,
    ) -> impl Future<Output = Result<Option<UserId>, ErasureError>> + Send;
}
