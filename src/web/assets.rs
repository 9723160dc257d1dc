//! The built pages and their assets (`web/dist`), embedded in the binary and served with the
//! headers that keep them safe: a Content-Security-Policy that allows only the daemon's own
//! scripts, styles and websocket, no framing, no sniffing, and caching that never serves a
//! stale page (assets have content-hashed names, so they are cached for good).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};
use switchboard_channel::ErrorCode;

use crate::http::error::ApiError;

static DIST: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/web/dist");

/// Scripts, styles, connections and images from the daemon only; no inline script, no
/// plugins, no framing by any page, no form posting elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

pub async fn console() -> Response {
    page("console.html")
}

pub async fn chat_demo() -> Response {
    page("chat-demo.html")
}

pub async fn asset(Path(file): Path<String>) -> Response {
    // The route takes one path segment, so `file` never climbs out of `assets/`.
    match DIST.get_file(format!("assets/{file}")) {
        Some(f) => served(f.contents(), content_type(&file), "public, max-age=31536000, immutable"),
        None => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such asset").into_response(),
    }
}

fn page(name: &str) -> Response {
    match DIST.get_file(name) {
        Some(f) => served(f.contents(), "text/html; charset=utf-8", "no-cache"),
        // Only a build without `web/dist` lacks them; the README says how to build it.
        None => {
            ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "this build has no web pages").into_response()
        }
    }
}

fn served(bytes: &'static [u8], content_type: &'static str, cache: &'static str) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}
