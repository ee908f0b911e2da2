//! The baseline of the cold-start bench (`bench-coldstart`): what a Rust function costs with
//! nothing but the Lambda runtime.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<_, Error>(json!({ "hello": event.payload })) })).await
}
