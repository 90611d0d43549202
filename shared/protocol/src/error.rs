//! Error frames: a code clients can act on and a message people can read.

use serde::Serialize;
use sideline_domain::message::ValueError;
use ts_rs::TS;

/// Longest `requestId` accepted.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The error codes of error frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    TooLarge,
    RateLimited,
    Conflict,
    Internal,
}

/// An error to send back as an `error` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: ErrorCode,
    pub message: String,
    pub action: Option<String>,
    pub request_id: Option<String>,
    pub client_msg_id: Option<String>,
    pub retry_after_ms: Option<u64>,
    /// Sending the same frame again may succeed (after `retry_after_ms`, if set):
    /// the store was unavailable, a limit will reset, or the data kept changing.
    /// A `send` sent again with its `clientMsgId` is stored at most once.
    pub retryable: bool,
}

impl FrameError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            action: None,
            request_id: None,
            client_msg_id: None,
            retry_after_ms: None,
            retryable: matches!(code, ErrorCode::Internal | ErrorCode::RateLimited),
        }
    }

    /// The same error, marked as worth sending again.
    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
}

impl From<ValueError> for FrameError {
    fn from(e: ValueError) -> Self {
        match e {
            ValueError::Invalid(m) => FrameError::bad_request(m),
            ValueError::TooLarge(m) => FrameError::new(ErrorCode::TooLarge, m),
        }
    }
}
