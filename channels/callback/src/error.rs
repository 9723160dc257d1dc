//! The API's error answers: a status plus `{"error":{"code","message","field"}}`, `field`
//! naming the request field refused when one is, and `Retry-After` when waiting helps.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_channel::{ErrorCode, Refused};

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<&'static str>,
    /// Whole seconds for `Retry-After`.
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, retry_after_s: None }
    }

    /// 400 `bad_request` about one field.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self { field: Some(field), ..Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message) }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such callback request")
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, format!("body is larger than {limit} bytes"))
    }

    /// 429, with the wait rounded up to whole seconds.
    pub fn rate_limited(what: &str, wait: Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            retry_after_s: Some(secs.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, format!("too many requests {what}"))
        }
    }

    pub fn with_field(self, field: &'static str) -> Self {
        Self { field: Some(field), ..self }
    }

    /// The daemon could not take or answer the request; its reason stays in the logs.
    pub fn from_refused(refused: &Refused) -> Self {
        match refused {
            // The daemon's own limits on the first message, which is the reason.
            Refused::Empty | Refused::TooLong(_) => Self::field("reason", refused.to_string()),
            Refused::Busy => Self {
                retry_after_s: Some(1),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "too busy; try again shortly")
            },
            Refused::Anonymous | Refused::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "not available; try again later")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code.as_str(), "message": self.message });
        if let Some(field) = self.field {
            error["field"] = field.into();
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after_s {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
