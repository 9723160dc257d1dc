//! HTTP error bodies: a status plus `{"error":{"code","message"}}`, in our own words. The
//! framework's rejections are translated here and their text only logged, so what clients see
//! stays the contract whatever the libraries underneath say.

use axum::Json;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody, JsonRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_channel::ErrorCode;

use super::server::BodyReadTimeout;

/// Most bytes of a framework error body read back to log it.
const LOGGED_BODY_BYTES: usize = 1024;

/// An error answer of the HTTP API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// A request body that could not be taken as JSON, answered in our words; the framework's
    /// detail goes to the debug log only.
    pub fn from_json_rejection(rejection: JsonRejection) -> Self {
        tracing::debug!(detail = %rejection.body_text(), "Request body refused");
        let bad = |message: &str| Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message);
        match rejection {
            JsonRejection::JsonSyntaxError(_) => bad("body is not valid JSON"),
            JsonRejection::JsonDataError(_) => bad("body does not have the fields this endpoint takes"),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadRequest,
                "body must be sent with content-type: application/json",
            ),
            JsonRejection::BytesRejection(BytesRejection::FailedToBufferBody(
                FailedToBufferBody::LengthLimitError(_),
            )) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, "body is too large"),
            other if caused_by_body_timeout(&other) => {
                Self::new(StatusCode::REQUEST_TIMEOUT, ErrorCode::BadRequest, "body did not arrive in time")
            }
            _ => bad("body could not be read"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code.as_str(), "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

/// Whether the body read failed because the listener's body deadline passed.
fn caused_by_body_timeout(rejection: &JsonRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = cause {
        if error.is::<BodyReadTimeout>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Gives any error response that is not already ours the contract's JSON body: axum's own
/// answers (an empty 405, an extractor's plain-text rejection) would otherwise reach clients
/// in the framework's words. Runs outside the router, where axum has added `Allow` to a 405.
pub async fn in_contract_shape(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    if let Ok(text) = axum::body::to_bytes(body, LOGGED_BODY_BYTES).await
        && !text.is_empty()
    {
        tracing::debug!(status = status.as_u16(), detail = %String::from_utf8_lossy(&text), "Error answer rewritten");
    }
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            let allowed = allowed.split(',').map(str::trim).filter(|m| !m.is_empty()).collect::<Vec<_>>().join(", ");
            ApiError::new(status, ErrorCode::BadRequest, format!("method not allowed here; allowed: {allowed}"))
        }
        StatusCode::NOT_FOUND => ApiError::new(status, ErrorCode::NotFound, "no such endpoint"),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, ErrorCode::TooLarge, "request is too large"),
        StatusCode::UNAUTHORIZED => ApiError::new(status, ErrorCode::Unauthorized, "credentials are missing or wrong"),
        StatusCode::FORBIDDEN => ApiError::new(status, ErrorCode::Forbidden, "not allowed"),
        StatusCode::CONFLICT => ApiError::new(status, ErrorCode::Conflict, "conflicts with the current state"),
        StatusCode::TOO_MANY_REQUESTS => ApiError::new(status, ErrorCode::RateLimited, "too many requests"),
        StatusCode::UPGRADE_REQUIRED => {
            ApiError::new(status, ErrorCode::BadRequest, "this endpoint takes a websocket upgrade")
        }
        StatusCode::SERVICE_UNAVAILABLE => ApiError::new(status, ErrorCode::Unavailable, "try again shortly"),
        s if s.is_server_error() => ApiError::new(status, ErrorCode::Internal, "internal error"),
        s => ApiError::new(status, ErrorCode::BadRequest, s.canonical_reason().unwrap_or("bad request").to_lowercase()),
    };
    let mut rewritten = error.into_response();
    // Keep what the original said about the exchange (Allow, Retry-After, Sec-WebSocket-Version),
    // not what described its old body.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name, value.clone());
        }
    }
    rewritten
}

fn is_json(headers: &HeaderMap<HeaderValue>) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    async fn rewritten(response: Response) -> (StatusCode, HeaderMap, serde_json::Value) {
        let response = in_contract_shape(response).await;
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 4096).await.unwrap();
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn an_empty_405_names_the_allowed_methods() {
        let response = Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET,HEAD")
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = rewritten(response).await;
        assert_eq!(status, 405);
        assert_eq!(headers[header::ALLOW], "GET,HEAD");
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(body["error"]["message"], "method not allowed here; allowed: GET, HEAD");
    }

    #[tokio::test]
    async fn framework_text_is_replaced_and_our_json_left_alone() {
        let text = Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from("Connection header did not include 'upgrade'"))
            .unwrap();
        let (status, _, body) = rewritten(text).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], "bad_request");
        assert!(!body.to_string().contains("upgrade'"), "{body}");

        let ours = ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "callback not found").into_response();
        let (_, _, body) = rewritten(ours).await;
        assert_eq!(body["error"]["message"], "callback not found");
    }
}
