//! Benchmark (not a test): the cost of one Argon2id hash with the production parameters (the
//! budget is 15–60 ms on the target machine), and sign-in latency for a wrong password versus
//! an unknown login (they must be comparable: no user enumeration by timing).
//!
//! Run with `make bench` (release build, against a private moto_server).

use http::StatusCode;
use integration::{percentile, sorted_ms, unique_email, TestStack};
use std::time::{Duration, Instant};

fn report(name: &str, samples: Vec<Duration>) -> f64 {
    let samples = sorted_ms(&samples);
    let p50 = percentile(&samples, 0.5);
    println!(
        "{name:<34} n={:<4} p50={p50:>7.2} ms  p90={:>7.2} ms  max={:>7.2} ms",
        samples.len(),
        percentile(&samples, 0.9),
        percentile(&samples, 1.0)
    );
    p50
}

#[tokio::main]
async fn main() {
    use enbek_core::password::{Argon2Hasher, ARGON2_M_KIB, ARGON2_P, ARGON2_T, DUMMY_HASH};
    println!("Argon2id m={ARGON2_M_KIB} KiB, t={ARGON2_T}, p={ARGON2_P}");
    let mut hashes = Vec::new();
    let mut hash = String::new();
    for i in 0..30 {
        let t = Instant::now();
        hash = Argon2Hasher::hash_blocking(&format!("Bench-Password-{i:04}")).expect("hash");
        hashes.push(t.elapsed());
    }
    let p50 = report("argon2id hash", hashes);
    let mut verifies = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        Argon2Hasher::verify_blocking("Bench-Password-0029", &hash);
        verifies.push(t.elapsed());
    }
    report("argon2id verify", verifies);
    let mut dummies = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        Argon2Hasher::verify_blocking("whatever", DUMMY_HASH);
        dummies.push(t.elapsed());
    }
    report("argon2id verify (dummy hash)", dummies);
    println!("budget 15–60 ms per hash: {}", if (15.0..=60.0).contains(&p50) { "within" } else { "OUTSIDE" });

    // Sign-in, in-process against moto: a wrong password vs an unknown login.
    let stack = TestStack::new().await;
    let login = unique_email("bench");
    stack.register_citizen(&login, "Bench-Password-Strong").await;
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..40 {
        // Interleave, and stay under the lock-out (a fresh login each time for the wrong-password case
        // would change what is measured, so reset by moving the clock past the window).
        stack.clock.advance(jiff::SignedDuration::from_mins(16));
        let t = Instant::now();
        let res = stack.sign_in(&login, "Wrong-Password-000").await;
        wrong.push(t.elapsed());
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        let t = Instant::now();
        let res = stack.sign_in(&format!("nobody{i}@mail.kz"), "Wrong-Password-000").await;
        unknown.push(t.elapsed());
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let a = report("sign-in, wrong password", wrong);
    let b = report("sign-in, unknown login", unknown);
    println!("difference of medians: {:.2} ms ({:.1} % of the slower)", (a - b).abs(), (a - b).abs() / a.max(b) * 100.0);
}
