//! The published contract: `openapi.json` is what the code generates, its routes are the
//! gateway's routes, each documented method is served and no other, and the function serves the
//! committed document.

use http::{Method, StatusCode};
use integration::{openapi, TestStack};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn the_committed_document_and_reference_are_the_generated_ones() {
    let root = openapi::root();
    let json = openapi::json();
    let committed = std::fs::read_to_string(root.join(openapi::DOCUMENT_PATH)).unwrap_or_default();
    assert!(committed == json, "openapi.json differs from the code: run `cargo run -p integration --bin openapi` and commit it");
    let html = std::fs::read_to_string(root.join(openapi::HTML_PATH)).unwrap_or_default();
    assert!(html == openapi::html(&json), "docs/index.html differs from the code: run `cargo run -p integration --bin openapi`");
    assert!(root.join("docs").join(openapi::REDOC_BUNDLE).is_file(), "the vendored Redoc bundle is missing");
}

#[test]
fn every_error_response_names_its_codes_in_both_languages() {
    let doc: Value = serde_json::from_str(&openapi::json()).unwrap();
    let mut problems = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.as_str() < "400" {
                    continue;
                }
                let media = &response["content"]["application/problem+json"];
                assert_eq!(media["schema"]["$ref"], "#/components/schemas/Problem", "{method} {path} {status}");
                for lang in ["kk", "ru"] {
                    assert!(media["examples"][lang].is_object(), "{method} {path} {status}: no {lang} example");
                }
                assert!(response["headers"]["x-request-id"].is_object(), "{method} {path} {status}");
                problems += 1;
            }
        }
    }
    assert!(problems > 200, "{problems} error responses");
}

#[tokio::test]
async fn the_documented_routes_are_the_gateways_and_each_documented_method_is_served() {
    let doc: Value = serde_json::from_str(&openapi::json()).unwrap();
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let routes: BTreeSet<String> = enbek_aws::resources::resources().routes.into_keys().collect();
    assert_eq!(documented, routes, "the document's paths and infra/resources.json's routes differ");

    let stack = TestStack::new().await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x0" } else { s }).collect::<Vec<_>>().join("/");
        for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let is_documented = item.get(method.as_str().to_ascii_lowercase()).is_some();
            let res = stack.call(method.clone(), &concrete, None, &[]).await;
            let served = res.status != StatusCode::METHOD_NOT_ALLOWED;
            assert_eq!(served, is_documented, "{method} {path}: documented {is_documented}, answered {}", res.status);
        }
    }
}

#[tokio::test]
async fn the_function_serves_the_committed_document_public_and_cached() {
    let stack = TestStack::new().await;
    let res = stack.call(Method::GET, "/v1/openapi.json", None, &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("public, max-age=3600"));
    assert_eq!(res.body["openapi"], "3.1.0");
    assert_eq!(res.raw, register_account::OPENAPI_JSON.as_bytes());
}
