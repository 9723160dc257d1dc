//! `GET /v1/attachments/{id}` and `GET /v1/messages/{id}/original`: an email's files and its
//! whole text, for an agent who may see the conversation, with the console token as a Bearer
//! token. Served as downloads that a browser never renders on our origin.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchboard_channel::ErrorCode;

use super::ConsoleState;
use crate::domain::{ConversationId, permissions};
use crate::http::error::ApiError;

pub async fn attachment(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = state.store.attachment(&id).await.map_err(unavailable)?;
    let Some((file, conversation, bytes)) = found else { return Err(not_found("attachment", &id)) };
    authorize(&state, &headers, &conversation).await?;
    Ok(download(&file.content_type, &file.filename, bytes))
}

pub async fn original(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = state.store.original(&id).await.map_err(unavailable)?;
    let Some((conversation, bytes)) = found else { return Err(not_found("original of message", &id)) };
    authorize(&state, &headers, &conversation).await?;
    Ok(download("text/plain; charset=utf-8", &format!("{id}.txt"), bytes))
}

/// The agent the Bearer token names may act on the conversation (as for opening it). Any
/// refusal says as little as a missing file would about what exists.
async fn authorize(state: &ConsoleState, headers: &HeaderMap, conversation: &ConversationId) -> Result<(), ApiError> {
    let unauthorized =
        || ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "a valid agent token is required");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    let session = state.agent_tokens.verify(token.trim(), state.clock.now()).ok_or_else(unauthorized)?;
    let agent = state.store.agent(&session.agent).await.map_err(unavailable)?;
    let agent = agent.filter(|a| !a.disabled).ok_or_else(unauthorized)?;
    let c = state.store.conversation(conversation).await.map_err(unavailable)?;
    let c = c.ok_or_else(|| not_found("conversation", conversation.as_str()))?;
    let assignee_only = (!agent.supervisor).then_some(&agent.id);
    permissions::may_act(&c, assignee_only)
        .map_err(|refused| ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, refused.to_string()))
}

/// Bytes as a download: never sniffed, never run as a page of ours.
fn download(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    let content_type =
        HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{}", percent(filename))) {
        h.insert(header::CONTENT_DISPOSITION, disposition);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// RFC 8187 percent-encoding of a file name (Chinese names included).
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{what} {id} not found"))
}

fn unavailable(e: crate::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "Store failed");
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "try again shortly")
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn file_names_are_percent_encoded_for_the_header() {
        assert_eq!(percent("转账截图.jpg"), "%E8%BD%AC%E8%B4%A6%E6%88%AA%E5%9B%BE.jpg");
        assert_eq!(percent("a b\"c.pdf"), "a%20b%22c.pdf");
    }
}
