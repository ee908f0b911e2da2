//! The layers every HTTP function puts around its router: request ID on every response,
//! the caller's language for error texts, one structured access-log line per request, CORS
//! for the portal's configured origins, and problem+json for unknown routes and methods.

use super::context::RequestContext;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use enbek_core::codes::{Code, Lang};
use http::{header, HeaderName, HeaderValue, Method, StatusCode};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Instrument;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// What the common layers need to know.
#[derive(Clone, Debug, Default)]
pub struct HttpConfig {
    /// The Lambda function's name, for the access log.
    pub function: &'static str,
    /// Web origins of the portal allowed to call the API from a browser.
    pub cors_origins: Vec<HeaderValue>,
}

/// Wraps a function's router with the common layers.
pub fn with_common_layers(router: Router, config: HttpConfig) -> Router {
    let function = config.function;
    router
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::new(StatusCode::METHOD_NOT_ALLOWED, Code::MethodNotAllowed) })
        .layer(cors(&config.cors_origins))
        .layer(middleware::from_fn(move |req: Request, next: Next| request_scope(function, req, next)))
}

fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            IDEMPOTENCY_KEY.clone(),
            X_REQUEST_ID.clone(),
        ])
        .expose_headers([X_REQUEST_ID.clone(), header::RETRY_AFTER, header::CONTENT_LANGUAGE])
        .max_age(Duration::from_secs(600))
}

/// The request ID: API Gateway's `requestContext.requestId` (what its access log and
/// CloudWatch show), or a fresh UUID where there is no gateway (a router called in-process).
/// A client's `X-Request-ID` never replaces it: the audit trail must not take an ID a client
/// chose (ACS-12).
fn request_id(req: &Request) -> String {
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) = req.extensions().get::<lambda_http::request::RequestContext>() {
        if let Some(id) = ctx.request_id.as_deref().filter(|s| !s.is_empty()) {
            return id.to_owned();
        }
    }
    uuid::Uuid::new_v4().to_string()
}

/// A client's own request ID, when short and plain: logged beside ours, for correlation.
fn client_request_id(req: &Request) -> Option<String> {
    req.headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .filter(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
        .map(str::to_owned)
}

/// The caller's address as API Gateway saw it (never a client-supplied header).
fn source_ip(req: &Request) -> String {
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) = req.extensions().get::<lambda_http::request::RequestContext>() {
        if let Some(ip) = ctx.http.source_ip.as_deref().filter(|s| !s.is_empty()) {
            return ip.to_owned();
        }
    }
    "unknown".to_owned()
}

async fn request_scope(function: &'static str, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let lang = Lang::from_accept_language(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().clone();
    let ctx = RequestContext::new(id.clone(), lang, source_ip(&req));
    let client_id = client_request_id(&req).unwrap_or_default();
    let span = tracing::info_span!("request", request_id = %id, client_request_id = %client_id, function, route = %route, method = %method);

    let mut response = ctx.clone().scope(next.run(req)).instrument(span.clone()).await;

    let status = response.status().as_u16();
    let outcome = if status < 400 {
        "ok"
    } else if status < 500 {
        "client_error"
    } else {
        "server_error"
    };
    span.in_scope(|| {
        tracing::info!(
            status,
            outcome,
            actor = ctx.actor().as_deref().unwrap_or("anonymous"),
            latency_ms = started.elapsed().as_millis() as u64,
            "request finished"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    response
}
