//! The whole HTTP API on one loopback port, for the fuzzer and the browser test (`tests/api.sh`).
//!
//! It builds the functions exactly as the flow tests do (`TestStack`: each function's own
//! composition root over a fresh table, bucket and queues in the moto at `AWS_ENDPOINT_URL`),
//! and hands each request to the function API Gateway would route it to, as API Gateway does:
//! with the caller's address and a request ID in the request context, and the body's bytes as
//! they came (API Gateway base64-encodes a body that is not UTF-8, and `lambda_http` decodes it).
//!
//! Usage: `apiserver <port> <state file> <allowed origin>...`. When it listens, it writes the
//! state file: `{"base_url", "tokens": {"security_admin", "employer", "citizen", "support",
//! "center_staff"}}`. It stops on SIGINT or SIGTERM.

use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use enbek_core::domain::Role;
use integration::TestStack;
use serde_json::json;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use tower::ServiceExt;

async fn handle(State(stack): State<Arc<TestStack>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request) -> Response {
    integration::as_from_gateway(&mut req, &peer.ip().to_string());
    let router = stack.route(req.uri().path());
    match router.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn run(port: u16, state_file: &str, origins: &[String]) -> Result<(), String> {
    let origins: Vec<&str> = origins.iter().map(String::as_str).collect();
    let stack = Arc::new(TestStack::with_cors(&origins).await);
    let (_, admin) = stack.admin_token().await;
    let (_, employer) = stack.employer_token(1, "ТОО «Сынақ»").await;
    let citizen_login = integration::unique_email("fuzz-citizen");
    stack.register_citizen(&citizen_login, "Citizen-Strong-Passw0rd").await;
    let citizen = stack.token(&citizen_login, "Citizen-Strong-Passw0rd").await;
    let (_, support) = stack.staff_token(Role::Support).await;
    let (_, center) = stack.staff_token(Role::CenterStaff).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| format!("bind 127.0.0.1:{port}: {e}"))?;
    let app = axum::Router::new().fallback(handle).with_state(stack);
    let state = json!({
        "base_url": format!("http://127.0.0.1:{port}"),
        "tokens": {"security_admin": admin, "employer": employer, "citizen": citizen, "support": support, "center_staff": center},
    });
    std::fs::write(state_file, serde_json::to_vec_pretty(&state).unwrap_or_default()).map_err(|e| format!("{state_file}: {e}"))?;
    eprintln!("apiserver: listening on http://127.0.0.1:{port}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
        })
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(port), Some(state_file)) = (args.first().and_then(|p| p.parse::<u16>().ok()), args.get(1)) else {
        eprintln!("usage: apiserver <port> <state file> <allowed origin>...");
        return ExitCode::from(2);
    };
    match run(port, state_file, &args[2..]).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apiserver: {e}");
            ExitCode::FAILURE
        }
    }
}
