//! The OpenAPI 3.1 document's shared parts (feature `openapi`; no Lambda binary links it).
//!
//! Each HTTP function annotates its handlers with `#[utoipa::path]` and exports its part
//! (`<function>::openapi()`); [`document`] merges the parts and adds, once for every
//! operation, what the common layers do for all of them: `Accept-Language`, `Idempotency-Key`
//! on POST, `x-request-id` on every answer, the problem+json bodies of errors (with Kazakh and
//! Russian examples rendered by [`ApiError`] itself), 400/413/415 for bodies, 401/403/423 for
//! the signed-in routes, and 503 for a dependency that is down.
//!
//! An error response is written in a handler's annotation as its status and, in its
//! description, its codes in backticks: `` `login_taken` `` for a top-level code,
//! `` `iin: iin_invalid` `` for a field's code (the 422 then lists every bad field). Every code
//! must be one of [`Code`]: an unknown one stops the generator.

pub mod requests;

use crate::error::ApiError;
use enbek_core::codes::{Code, Lang};
use enbek_core::input::FieldError;
use http::StatusCode;
use serde_json::Value;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required, Response};
use utoipa::{PartialSchema, ToSchema};

/// A function's part of the document, from its annotated handlers: `pub fn openapi()`.
/// Invoked as `#[cfg(feature = "openapi")] enbek_http::openapi_part!(register, me);`.
#[macro_export]
macro_rules! openapi_part {
    ($($handler:ident),+ $(,)?) => {
        /// This function's part of the OpenAPI document.
        pub fn openapi() -> utoipa::openapi::OpenApi {
            #[derive(utoipa::OpenApi)]
            #[openapi(paths($($handler),+))]
            struct Part;
            <Part as utoipa::OpenApi>::openapi()
        }
    };
}

/// The name of the bearer-token security scheme, as handlers write it: `security(("bearer" = []))`.
pub const BEARER: &str = "bearer";

/// An RFC 9457 problem (API.md "Conventions"): `title`, `detail` and `message` follow
/// `Accept-Language`; `code` and `errors[].code` are stable. Some problems carry more members
/// (`blocked_reason` on 423, `current_status` on an invalid ticket transition, `current_version`
/// in an `agreement_required` entry).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// `https://enbek.kz/problems/<code>`.
    #[schema(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    code: Code,
    /// One entry per bad field (all of them, not only the first); empty otherwise.
    errors: Vec<FieldProblem>,
}

/// One bad field of a 422: the field's path (`expenses.3.amount_tiyn`), its code and text.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FieldProblem {
    field: String,
    code: Code,
    message: String,
}

/// `{"items": [...], "next_cursor": "..." | null}` query parameters: `limit` and `cursor`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page of this same query (422 `invalid_cursor` for any other).
    cursor: Option<String>,
}

/// The whole document from the functions' parts.
pub fn document(parts: impl IntoIterator<Item = OpenApi>) -> OpenApi {
    let mut doc = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("Electronic Labor Exchange (enbek.kz) API")
                .version("1")
                .description(Some(DESCRIPTION))
                .license(Some(utoipa::openapi::LicenseBuilder::new().name("Apache-2.0").identifier(Some("Apache-2.0")).build())),
        )
        .servers(Some([
            utoipa::openapi::ServerBuilder::new().url("/").description(Some("The origin serving this document")).build(),
            utoipa::openapi::ServerBuilder::new().url("http://127.0.0.1:9000").description(Some("The local stack (`make dev`)")).build(),
        ]))
        .build();
    for part in parts {
        doc.merge(part);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert("Problem".into(), Problem::schema());
    components.schemas.insert("FieldProblem".into(), FieldProblem::schema());
    components.schemas.insert("Code".into(), Code::schema());
    let mut http = Http::new(HttpAuthScheme::Bearer);
    http.bearer_format = Some("JWT".into());
    http.description = Some("An access token from `POST /v1/sessions` (EdDSA, `kid` names the signing key).".into());
    components.security_schemes.insert(BEARER.into(), SecurityScheme::Http(http));
    for item in doc.paths.paths.values_mut() {
        for (method, op) in [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ] {
            if let Some(op) = op {
                complete(method, op);
            }
        }
    }
    link_created_resources(&mut doc);
    doc
}

/// Links from each 201 of a POST on `P` to the operations on `P/{x}…` that need only the
/// created `id` (as `x`) and `P`'s own path parameters: what a client does next with it.
fn link_created_resources(doc: &mut OpenApi) {
    let params_of = |path: &str| -> Vec<String> {
        path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).map(str::to_owned).collect()
    };
    let mut links = Vec::new();
    for (path, item) in &doc.paths.paths {
        let Some(post) = &item.post else { continue };
        let Some(RefOr::T(created)) = post.responses.responses.get("201") else { continue };
        // Only what answers with the created resource's `id`.
        let body = created.content.get("application/json").and_then(|c| serde_json::to_value(&c.schema).ok());
        let schema_name = body.as_ref().and_then(|b| b["$ref"].as_str()).and_then(|r| r.rsplit('/').next()).map(str::to_owned);
        let has_id = schema_name
            .and_then(|n| doc.components.as_ref().and_then(|c| c.schemas.get(&n)))
            .and_then(|s| serde_json::to_value(s).ok())
            .is_some_and(|s| s["properties"].get("id").is_some());
        if !has_id {
            continue;
        }
        let own = params_of(path);
        for (target, target_item) in &doc.paths.paths {
            let Some(rest) = target.strip_prefix(&format!("{path}/{{")) else { continue };
            let new = params_of(target).into_iter().filter(|p| !own.contains(p)).collect::<Vec<_>>();
            let [created] = new.as_slice() else { continue };
            if !rest.starts_with(&format!("{created}}}")) {
                continue;
            }
            for (method, op) in [("get", &target_item.get), ("post", &target_item.post), ("patch", &target_item.patch)] {
                let Some(id) = op.as_ref().and_then(|o| o.operation_id.clone()) else { continue };
                let mut link =
                    utoipa::openapi::link::LinkBuilder::new().operation_id(id.clone()).parameter(created.clone(), "$response.body#/id");
                for p in &own {
                    link = link.parameter(p.clone(), format!("$request.path.{p}"));
                }
                links.push((path.clone(), format!("{method}_{id}"), link.build()));
            }
        }
    }
    for (path, name, link) in links {
        if let Some(RefOr::T(created)) =
            doc.paths.paths.get_mut(&path).and_then(|i| i.post.as_mut()).and_then(|o| o.responses.responses.get_mut("201"))
        {
            created.links.insert(name, RefOr::T(link));
        }
    }
}

const DESCRIPTION: &str = "The HTTP API of the Electronic Labor Exchange: one account for all portals, employers' \
vacancies, business-grant reports, technical support, and staff requests for access to the ministry's information \
systems (order No. 419). Generated from the code; requirement IDs (ACC-2, ACS-9 …) refer to the regulations.\n\n\
Errors are `application/problem+json` (RFC 9457) whose `title`, `detail` and `message` follow `Accept-Language` \
(`kk` default, `ru`, `en`). Lists take `limit` and `cursor` and answer `{items, next_cursor}`; a cursor opens only \
for the query that produced it. A POST may carry `Idempotency-Key`: a retry with the same key and body gets the \
first answer.";

fn string_schema() -> RefOr<utoipa::openapi::schema::Schema> {
    String::schema()
}

fn header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new().schema(string_schema()).description(Some(description)).build()
}

/// Adds what the common layers do for every operation.
fn complete(method: HttpMethod, op: &mut Operation) {
    // Handler names repeat across functions (`list`, `read`): the ID is `<tag>_<handler>`.
    if let (Some(tag), Some(id)) = (op.tags.as_ref().and_then(|t| t.first()), op.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
    let params = op.parameters.get_or_insert_with(Vec::new);
    params.push(
        ParameterBuilder::new()
            .name("Accept-Language")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some("`kk` (default), `ru` or `en`: the language of `title`, `detail` and `message` (ACS-13)."))
            .schema(Some(string_schema()))
            .example(Some(Value::from("ru")))
            .build(),
    );
    let is_post = matches!(method, HttpMethod::Post);
    if is_post {
        params.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "1–255 visible ASCII characters. A retry with the same key and body gets the first answer; the same key \
                     with another body is 422 `idempotency_key_reused`. Scoped to the account, or to the source address when \
                     anonymous.",
                ))
                .schema(Some(
                    utoipa::openapi::schema::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some("^[\\x21-\\x7E]+$")),
                ))
                .build(),
        );
    }
    let signed_in = op
        .security
        .as_ref()
        .is_some_and(|reqs| reqs.iter().any(|r| serde_json::to_value(r).map(|v| v.get(BEARER).is_some()).unwrap_or(false)));
    let has_body = op.request_body.is_some();
    let responses = &mut op.responses.responses;
    let mut add = |status: u16, codes: &[&str]| {
        let key = status.to_string();
        let entry = responses.entry(key).or_insert_with(|| RefOr::T(Response::new("")));
        if let RefOr::T(r) = entry {
            for code in codes {
                if !r.description.contains(&format!("`{code}`")) {
                    if !r.description.is_empty() {
                        r.description.push_str(", ");
                    }
                    r.description.push_str(&format!("`{code}`"));
                }
            }
        }
    };
    if has_body {
        add(400, &["malformed_body"]);
        add(413, &["payload_too_large"]);
        add(415, &["unsupported_media_type"]);
    }
    if is_post {
        add(409, &["request_in_progress"]);
        add(422, &["idempotency_key_invalid", "idempotency_key_reused"]);
    }
    if signed_in {
        add(401, &["unauthenticated"]);
        add(403, &["password_change_required"]);
        add(423, &["account_blocked"]);
    }
    add(503, &["service_unavailable"]);
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        let status: u16 = status.parse().unwrap_or_else(|_| panic!("response status {status:?} is not a number"));
        response.headers.insert("x-request-id".into(), header("This request's ID, as logged and audited."));
        if status >= 400 {
            problem_content(status, response);
        }
    }
}

/// The document as JSON, with every example that several responses share moved once to
/// `components.examples` (named by its code and language) and referenced from there.
pub fn to_json(doc: &OpenApi) -> Value {
    let mut value = serde_json::to_value(doc).expect("the OpenAPI document serializes");
    let mut uses: std::collections::BTreeMap<String, (Value, usize)> = Default::default();
    let mut visit = |f: &mut dyn FnMut(&str, &mut Value)| {
        if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
            for item in paths.values_mut().filter_map(Value::as_object_mut) {
                for op in item.values_mut() {
                    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
                    for response in responses.values_mut() {
                        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { continue };
                        for media in content.values_mut() {
                            let Some(examples) = media.get_mut("examples").and_then(Value::as_object_mut) else { continue };
                            for (lang, example) in examples.iter_mut() {
                                f(lang, example);
                            }
                        }
                    }
                }
            }
        }
    };
    let name = |lang: &str, example: &Value| format!("{}-{lang}", example["value"]["code"].as_str().unwrap_or("problem"));
    visit(&mut |lang, example| {
        let entry = uses.entry(name(lang, example)).or_insert_with(|| (example.clone(), 0));
        if entry.0 == *example {
            entry.1 += 1;
        }
    });
    let shared: std::collections::BTreeMap<String, Value> =
        uses.into_iter().filter(|(_, (_, n))| *n > 1).map(|(k, (v, _))| (k, v)).collect();
    visit(&mut |lang, example| {
        let key = name(lang, example);
        if shared.get(&key) == Some(example) {
            *example = serde_json::json!({ "$ref": format!("#/components/examples/{key}") });
        }
    });
    value["components"]["examples"] = serde_json::to_value(shared).unwrap_or_default();
    rename_link_keys(&mut value);
    value
}

/// utoipa 5 writes a link's `operationId` as `operation_id`: renamed to the specification's key.
fn rename_link_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut().filter_map(Value::as_object_mut) {
                    if let Some(id) = link.remove("operation_id") {
                        link.insert("operationId".into(), id);
                    }
                }
            }
            map.values_mut().for_each(rename_link_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(rename_link_keys),
        _ => {}
    }
}

/// The codes written in backticks in an error response's description: top-level codes and
/// `field: code` pairs.
fn codes_of(description: &str) -> (Vec<Code>, Vec<(String, Code)>) {
    let mut top = Vec::new();
    let mut fields = Vec::new();
    for (i, piece) in description.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        let code = |s: &str| Code::parse(s.trim()).unwrap_or_else(|| panic!("{s:?} in {description:?} is not an API code"));
        match piece.split_once(':') {
            Some((field, c)) => fields.push((field.trim().to_owned(), code(c))),
            None => top.push(code(piece)),
        }
    }
    (top, fields)
}

/// Fills an error response: problem+json, the `Content-Language` and (429, 503)
/// `Retry-After` headers, and its first codes rendered in Kazakh and Russian.
fn problem_content(status: u16, response: &mut Response) {
    let (top, fields) = codes_of(&response.description);
    assert!(!top.is_empty() || !fields.is_empty(), "the {status} response {:?} names no code", response.description);
    let http_status = StatusCode::from_u16(status).unwrap_or_else(|_| panic!("{status} is not an HTTP status"));
    let example = if fields.is_empty() {
        ApiError::new(http_status, top[0])
    } else {
        let mut e = ApiError::validation(fields.iter().map(|(f, c)| FieldError::new(f.as_str(), *c)).collect());
        e.status = http_status;
        e
    };
    let examples = [(Lang::Kk, "Қазақша"), (Lang::Ru, "По-русски")].map(|(lang, summary)| {
        (
            lang.as_str(),
            ExampleBuilder::new().summary(format!("{summary}: {}", example.code.as_str())).value(Some(example.to_problem(lang))).build(),
        )
    });
    let content = Content::builder().schema(Some(Ref::from_schema_name("Problem"))).examples_from_iter(examples).build();
    response.content.insert("application/problem+json".into(), content);
    response.headers.insert("Content-Language".into(), header("The language of the texts."));
    if status == 429 || status == 503 {
        response.headers.insert("Retry-After".into(), header("Seconds to wait before retrying."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_from_backticks_and_checked() {
        let (top, fields) = codes_of("`login_taken`, `iin: iin_invalid` and `person_has_account`");
        assert_eq!(top, vec![Code::LoginTaken, Code::PersonHasAccount]);
        assert_eq!(fields, vec![("iin".to_owned(), Code::IinInvalid)]);
        let unknown = std::panic::catch_unwind(|| codes_of("`no_such_code`"));
        assert!(unknown.is_err());
    }
}
