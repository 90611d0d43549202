//! The protocol edge for failures: what a client reads when a port says no. Each
//! port's typed error becomes one error frame here, and nowhere else; causes go to
//! the log, never to the client.

use sideline_app::enforce::EnforceError;
use sideline_app::polls::AnnounceError;
use sideline_app::standing::StandingError;
use sideline_ports::{
    BackendError, ConfigStoreError, CounterError, DecisionError, MessageError, PollError,
    RecentError, RegistryError, ReviewError, RoomError, SanctionError, ScoreError,
};
use sideline_protocol::{ErrorCode, FrameError};
use tracing::error;

/// Any port failure an action may meet.
#[derive(Debug, thiserror::Error)]
pub enum PortFailure {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error(transparent)]
    Message(#[from] MessageError),
    #[error(transparent)]
    Counter(#[from] CounterError),
    #[error(transparent)]
    Sanction(#[from] SanctionError),
    #[error(transparent)]
    Decision(#[from] DecisionError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Recent(#[from] RecentError),
    #[error(transparent)]
    Enforce(#[from] EnforceError),
    #[error(transparent)]
    Standing(#[from] StandingError),
    #[error(transparent)]
    Poll(#[from] PollError),
    #[error(transparent)]
    Announce(#[from] AnnounceError),
}

/// The error frame for a port failure: what the client can act on, or a generic
/// `internal` (the cause is logged).
pub fn client_error(err: impl Into<PortFailure>) -> FrameError {
    match err.into() {
        PortFailure::Registry(RegistryError::Backend(b))
        | PortFailure::Room(RoomError::Backend(b))
        | PortFailure::Message(MessageError::Backend(b))
        | PortFailure::Counter(CounterError::Backend(b))
        | PortFailure::Sanction(SanctionError::Backend(b))
        | PortFailure::Decision(DecisionError::Backend(b))
        | PortFailure::Review(ReviewError::Backend(b))
        | PortFailure::Recent(RecentError::Backend(b))
        | PortFailure::Poll(PollError::Backend(b)) => internal(&b),
        PortFailure::Poll(PollError::NotFound) => {
            FrameError::new(ErrorCode::NotFound, "poll not found")
        }
        PortFailure::Poll(PollError::Closed) => {
            FrameError::new(ErrorCode::Conflict, "the poll is closed")
        }
        PortFailure::Poll(PollError::TooMany { max }) => FrameError::new(
            ErrorCode::Conflict,
            format!("the room already has {max} open polls; close one first"),
        ),
        PortFailure::Poll(PollError::Contended) => FrameError::new(
            ErrorCode::Conflict,
            "your vote changed meanwhile; try again",
        )
        .retryable(),
        PortFailure::Announce(AnnounceError::Poll(e)) => client_error(e),
        PortFailure::Announce(AnnounceError::Room(e)) => client_error(e),
        PortFailure::Registry(RegistryError::Erasing) => {
            FrameError::new(ErrorCode::Forbidden, "the user is being erased")
        }
        PortFailure::Room(RoomError::ConnectionNotFound) => {
            FrameError::new(ErrorCode::NotFound, "connection not found")
        }
        PortFailure::Room(RoomError::RoomNotFound) => {
            FrameError::new(ErrorCode::NotFound, "room not found")
        }
        PortFailure::Room(RoomError::RoomLimit { max }) => FrameError::new(
            ErrorCode::Forbidden,
            format!("a connection may be in at most {max} rooms"),
        ),
        PortFailure::Message(MessageError::NotFound)
        | PortFailure::Review(ReviewError::MessageNotFound) => {
            FrameError::new(ErrorCode::NotFound, "message not found")
        }
        PortFailure::Message(MessageError::VisibilityChanged { current, expected }) => {
            FrameError::new(
                ErrorCode::Conflict,
                format!(
                    "the message is {}, not {}",
                    current.as_str(),
                    expected.as_str()
                ),
            )
        }
        PortFailure::Decision(DecisionError::AlreadyRecorded { id }) => FrameError::new(
            ErrorCode::Conflict,
            format!("decision {id} is already recorded"),
        ),
        PortFailure::Recent(RecentError::Contended) => FrameError::new(
            ErrorCode::Conflict,
            "recent messages kept changing; try again",
        )
        .retryable(),
        PortFailure::Enforce(enforce) => match enforce {
            EnforceError::Sanction(e) => client_error(e),
            EnforceError::Decision(e) => client_error(e),
            EnforceError::Registry(e) => client_error(e),
            EnforceError::Room(e) => client_error(e),
            EnforceError::Counter(e) => client_error(e),
        },
        PortFailure::Standing(StandingError::Score(ScoreError::Backend(b)))
        | PortFailure::Standing(StandingError::Config(ConfigStoreError::Backend(b))) => {
            internal(&b)
        }
        PortFailure::Standing(StandingError::Score(ScoreError::Contended))
        | PortFailure::Standing(StandingError::Config(ConfigStoreError::Stale { .. })) => {
            FrameError::new(ErrorCode::Conflict, "scores kept changing; try again").retryable()
        }
    }
}

fn internal(backend: &BackendError) -> FrameError {
    error!(error = %backend, cause = ?std::error::Error::source(backend), "store failed");
    FrameError::new(ErrorCode::Internal, "something went wrong; try again")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sideline_domain::message::Visibility;

    #[test]
    fn typed_failures_read_as_they_always_did() {
        let limit = client_error(RoomError::RoomLimit { max: 50 });
        assert_eq!(limit.code, ErrorCode::Forbidden);
        assert_eq!(limit.message, "a connection may be in at most 50 rooms");
        let moved = client_error(MessageError::VisibilityChanged {
            current: Visibility::Public,
            expected: Visibility::Held,
        });
        assert_eq!(moved.code, ErrorCode::Conflict);
        assert_eq!(moved.message, "the message is public, not held");
        let down = client_error(RoomError::Backend(BackendError::Corrupt("x".into())));
        assert_eq!(down.code, ErrorCode::Internal);
        assert!(!down.message.contains('x'), "no cause reaches the client");
        let nested = client_error(EnforceError::Room(RoomError::RoomNotFound));
        assert_eq!(nested.code, ErrorCode::NotFound);
    }
}
