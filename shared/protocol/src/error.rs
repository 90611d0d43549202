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
        }
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
