//! Recording doubles for the ports that reach outside: `@connections`, the bus
//! and export files.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;
use sideline_domain::ids::{ConnectionId, TenantId};
use sideline_ports::{
    Connections, EventSink, ExportFileError, ExportFiles, KeptExport, PostError, PutEntry,
    SinkError,
};

/// A [`Connections`] that records every frame, for handler tests. Posting to a
/// connection that was never opened, or was killed, is `Gone`.
#[derive(Default)]
pub struct RecordingConnections {
    inner: Mutex<RecordingInner>,
}

#[derive(Default)]
struct RecordingInner {
    frames: HashMap<ConnectionId, Vec<Value>>,
    open: HashSet<ConnectionId>,
    closed: Vec<ConnectionId>,
}

impl RecordingConnections {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, RecordingInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn open(&self, id: &ConnectionId) {
        self.lock().open.insert(id.clone());
    }

    /// The socket dies without `$disconnect`: later posts are `Gone`.
    pub fn kill(&self, id: &ConnectionId) {
        self.lock().open.remove(id);
    }

    /// Takes the frames posted to `id` so far.
    pub fn take(&self, id: &ConnectionId) -> Vec<Value> {
        self.lock().frames.remove(id).unwrap_or_default()
    }

    /// Connections closed through [`Connections::disconnect`].
    pub fn closed(&self) -> Vec<ConnectionId> {
        self.lock().closed.clone()
    }
}

impl Connections for RecordingConnections {
    async fn post(&self, id: &ConnectionId, payload: &[u8]) -> Result<(), PostError> {
        let mut inner = self.lock();
        if !inner.open.contains(id) {
            return Err(PostError::Gone);
        }
        let value: Value =
            serde_json::from_slice(payload).map_err(|e| PostError::Failed(Box::new(e)))?;
        inner.frames.entry(id.clone()).or_default().push(value);
        Ok(())
    }

    async fn disconnect(&self, id: &ConnectionId) -> Result<(), PostError> {
        let mut inner = self.lock();
        if !inner.open.remove(id) {
            return Err(PostError::Gone);
        }
        inner.closed.push(id.clone());
        Ok(())
    }
}

/// Decides, per entry and attempt, whether the sink fails it.
type Rejector = Box<dyn FnMut(&PutEntry) -> bool + Send>;

/// An [`EventSink`] that records what it accepts, and fails entries a test chooses.
#[derive(Default)]
pub struct RecordingSink {
    accepted: Mutex<Vec<PutEntry>>,
    calls: Mutex<Vec<usize>>,
    reject: Mutex<Option<Rejector>>,
}

impl RecordingSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries for which `reject` answers true fail (it is asked on every attempt).
    pub fn rejecting(reject: impl FnMut(&PutEntry) -> bool + Send + 'static) -> Self {
        Self {
            reject: Mutex::new(Some(Box::new(reject))),
            ..Self::default()
        }
    }

    pub fn accepted(&self) -> Vec<PutEntry> {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The number of entries in each call made.
    pub fn calls(&self) -> Vec<usize> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl EventSink for RecordingSink {
    async fn put_events(&self, entries: &[PutEntry]) -> Result<Vec<Option<String>>, SinkError> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entries.len());
        let mut reject = self.reject.lock().unwrap_or_else(|e| e.into_inner());
        let mut accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries
            .iter()
            .map(|entry| {
                if reject.as_mut().is_some_and(|r| r(entry)) {
                    Some("InternalFailure".to_owned())
                } else {
                    accepted.push(entry.clone());
                    None
                }
            })
            .collect())
    }
}

/// An [`ExportFiles`] that keeps documents in memory (links `memory://…`, valid
/// an hour), for tests.
#[derive(Default)]
pub struct RecordingExportFiles {
    kept: Mutex<HashMap<(TenantId, String), Vec<u8>>>,
}

impl RecordingExportFiles {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(TenantId, String), Vec<u8>>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The document kept for `subject`.
    pub fn kept(&self, tenant: &TenantId, subject: &str) -> Option<Vec<u8>> {
        self.lock()
            .get(&(tenant.clone(), subject.to_owned()))
            .cloned()
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

impl ExportFiles for RecordingExportFiles {
    async fn keep(
        &self,
        tenant: &TenantId,
        subject: &str,
        document: &[u8],
        now_ms: i64,
    ) -> Result<KeptExport, ExportFileError> {
        self.lock()
            .insert((tenant.clone(), subject.to_owned()), document.to_vec());
        Ok(KeptExport {
            url: format!("memory://exports/{tenant}/{subject}.json"),
            expires_at_ms: now_ms + 3_600_000,
        })
    }

    async fn forget(&self, tenant: &TenantId, subject: &str) -> Result<(), ExportFileError> {
        self.lock().remove(&(tenant.clone(), subject.to_owned()));
        Ok(())
    }
}
