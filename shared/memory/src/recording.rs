//! Recording doubles for the ports that reach outside: `@connections` and the bus.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;
use sideline_domain::ids::ConnectionId;
use sideline_ports::{Connections, EventSink, PostError, PutEntry, SinkError};

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
