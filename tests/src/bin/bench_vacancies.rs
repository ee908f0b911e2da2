//! Benchmark (not a test): vacancy publish and search, in-process against moto, with
//! `BENCH_VACANCIES` (default 10 000) vacancies loaded. Reports p50/p99 per operation and the
//! number of DynamoDB requests per search page, counted by an SDK interceptor on the client
//! the search uses (the design promises exactly one Query per page and nothing per item).
//!
//! Run with `make bench` (release build, against a private moto server).

use http::{Method, StatusCode};
use integration::metering::Meter;
use integration::{bearer, percentile, sorted_ms, TestStack};
use serde_json::json;
use std::time::{Duration, Instant};

fn report(name: &str, samples: Vec<Duration>) {
    let samples = sorted_ms(&samples);
    println!(
        "{name:<40} n={:<5} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

const TITLES: &[&str] = &[
    "Бухгалтер",
    "Главный бухгалтер",
    "Жұмысшы",
    "Әлеуметтік қызметкер",
    "Оператор call-центра",
    "Инженер связи",
    "Водитель",
    "Мұғалім",
    "Медсестра",
    "Программист",
];
const REGIONS: &[&str] = &["751110000", "711110000", "751210000", "631010000", "551010000", "471010000"];
const OCCUPATIONS: &[&str] = &["2411", "2635", "7112", "4222", "2153", "8322", "2341", "3221", "2512", "9621"];

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_VACANCIES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let stack = TestStack::new().await;
    let (employer_id, token) = stack.employer_token(42, "ТОО «Бенчмарк»").await;
    let employer = enbek_core::ports::AccountStore::get(stack.accounts.as_ref(), &employer_id).await.expect("read").expect("the employer");
    let auth = bearer(&token);

    // Load n vacancies with BatchWriteItem (the same items publishing writes): moto copies the
    // whole table for every transaction, so loading 10 000 through the API would take hours.
    let started = Instant::now();
    let mut batch = Vec::new();
    for i in 0..n {
        let mut v = enbek_testkit::fixtures::vacancy(
            &format!("{} {}", TITLES[i % TITLES.len()], i / TITLES.len()),
            REGIONS[i % REGIONS.len()],
            OCCUPATIONS[i % OCCUPATIONS.len()],
            &employer,
            stack.now().checked_sub(jiff::SignedDuration::from_secs((n - i) as i64)).expect("time"),
            "2027-06-30".parse().expect("date"),
        );
        v.salary_from = 150_000;
        batch.extend(enbek_aws::dynamo::vacancies::published_items(&v).expect("items"));
        if batch.len() >= 500 || i + 1 == n {
            stack.table.put_batch(std::mem::take(&mut batch)).await.expect("batch write");
        }
        if (i + 1) % 2000 == 0 {
            eprintln!("loaded {} of {n} ({:.0} s)", i + 1, started.elapsed().as_secs_f64());
        }
    }
    println!("loaded {n} vacancies in {:.0} s", started.elapsed().as_secs_f64());

    // Publish through the router on top of them (auth, validation, transaction, SQS, outbox).
    // moto deep-copies the whole table for every TransactWriteItems (to roll back), so against
    // moto this grows with the table (seconds at 10 000 vacancies); DynamoDB does not.
    let samples: usize = std::env::var("BENCH_PUBLISHES").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let mut publish = Vec::with_capacity(samples);
    let started = Instant::now();
    for i in 0..samples {
        let body = json!({
            "title": format!("{} {}", TITLES[i % TITLES.len()], i / TITLES.len()),
            "description": "Обязанности, условия и требования к кандидату — подробно.",
            "occupation_code": OCCUPATIONS[i % OCCUPATIONS.len()],
            "region_code": REGIONS[i % REGIONS.len()],
            "salary_from": 150_000 + (i as u64 % 50) * 1000,
            "employment_type": "full_time",
            "positions": 1,
            "contact_name": "Ахметова Динара",
            "contact_phone": "+77021112233",
            "valid_until": "2027-06-30",
        });
        let t = Instant::now();
        let res = stack.call(Method::POST, "/v1/vacancies", Some(body), &[("authorization", &auth)]).await;
        publish.push(t.elapsed());
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    println!(
        "publish throughput: {:.1} vacancies/s (sequential, in-process against moto)",
        samples as f64 / started.elapsed().as_secs_f64()
    );
    report("publish (POST /v1/vacancies)", publish);

    // Search through a router whose vacancy store counts its DynamoDB requests.
    let counter = Meter::default();
    let sdk = integration::sdk().await;
    let config = post_vacancy::Config {
        http: TestStack::http_settings(&stack.table),
        integration_queue_url: stack.integration_url.clone(),
        minimum_wage: integration::MINIMUM_WAGE,
    };
    let router = post_vacancy::app(config, &sdk.with_interceptor(counter.clone()), stack.clock.clone()).expect("post-vacancy");
    counter.take();

    let queries = [
        "limit=20",
        "region_code=751110000&limit=20",
        "region_code=75&limit=20",
        "occupation_code=2411&limit=20",
        "q=бухгалтер&limit=20",
        "q=ЖҰМЫСШЫ&region_code=71&limit=20",
    ];
    for query in queries {
        let mut samples = Vec::new();
        let mut pages = 0usize;
        let mut items = 0usize;
        let mut cursor: Option<String> = None;
        // Up to 25 pages per query, following cursors.
        for _ in 0..25 {
            let path = match &cursor {
                Some(c) => format!("/v1/vacancies?{query}&cursor={c}"),
                None => format!("/v1/vacancies?{query}"),
            };
            let req = http::Request::get(path).body(axum::body::Body::empty()).expect("request");
            let t = Instant::now();
            let res = tower::ServiceExt::oneshot(router.clone(), req).await.expect("router");
            let body = http_body_util::BodyExt::collect(res.into_body()).await.expect("body").to_bytes();
            samples.push(t.elapsed());
            let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
            pages += 1;
            items += v["items"].as_array().map(Vec::len).unwrap_or(0);
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let usage = counter.take();
        report(&format!("search ?{query}"), samples);
        println!(
            "    {pages} pages, {items} items; requests: {:?} = {:.2} per page; items read {}",
            usage.requests,
            usage.total_requests() as f64 / pages as f64,
            usage.items_read
        );
    }
}
