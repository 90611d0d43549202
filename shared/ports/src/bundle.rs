//! [`Ports`]: the bundle the handlers that use many ports take (`ws-message`'s
//! actions, the moderation stage), so each is bound by one name rather than a list
//! of traits repeated on every function.

use crate::{
    Clock, ConnectionRegistry, Connections, Counters, DecisionLog, Erasure, MessageStore,
    PollStore, Pseudonyms, RecentMessages, Retention, ReviewQueue, RoomStore, Sanctions,
    ScoreStore, SeenEvents, TenantConfigs, UserData,
};

/// Every storage port at once: what one table (DynamoDB) or one in-memory store is.
pub trait Store:
    ConnectionRegistry
    + RoomStore
    + MessageStore
    + Counters
    + Sanctions
    + DecisionLog
    + ReviewQueue
    + RecentMessages
    + SeenEvents
    + ScoreStore
    + TenantConfigs
    + Retention
    + UserData
    + Erasure
    + Pseudonyms
    + PollStore
{
}

impl<T> Store for T where
    T: ConnectionRegistry
        + RoomStore
        + MessageStore
        + Counters
        + Sanctions
        + DecisionLog
        + ReviewQueue
        + RecentMessages
        + SeenEvents
        + ScoreStore
        + TenantConfigs
        + Retention
        + UserData
        + Erasure
        + Pseudonyms
        + PollStore
{
}

/// The storage, `@connections` and the clock a handler runs with.
pub trait Ports: Send + Sync {
    type Store: Store;
    type Connections: Connections;
    type Clock: Clock;

    fn store(&self) -> &Self::Store;
    fn connections(&self) -> &Self::Connections;
    fn clock(&self) -> &Self::Clock;
}

/// The bundle of three adapters.
#[derive(Debug, Clone, Default)]
pub struct Adapters<S, C, K> {
    pub store: S,
    pub connections: C,
    pub clock: K,
}

impl<S: Store, C: Connections, K: Clock> Ports for Adapters<S, C, K> {
    type Store = S;
    type Connections = C;
    type Clock = K;

    fn store(&self) -> &S {
        &self.store
    }

    fn connections(&self) -> &C {
        &self.connections
    }

    fn clock(&self) -> &K {
        &self.clock
    }
}

/// Borrowed adapters (devstack lends `ws-message`'s to the moderation stage).
impl<P: Ports> Ports for &P {
    type Store = P::Store;
    type Connections = P::Connections;
    type Clock = P::Clock;

    fn store(&self) -> &Self::Store {
        (**self).store()
    }

    fn connections(&self) -> &Self::Connections {
        (**self).connections()
    }

    fn clock(&self) -> &Self::Clock {
        (**self).clock()
    }
}
