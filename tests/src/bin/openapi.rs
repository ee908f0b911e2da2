//! Writes the OpenAPI document (`openapi.json`) and its HTML reference (`docs/index.html`) from
//! the code. Run it after changing a route, a view or a request schema, and commit both files.

use integration::openapi;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = openapi::root();
    let json = openapi::json();
    for (path, text) in [(openapi::DOCUMENT_PATH, json.clone()), (openapi::HTML_PATH, openapi::html(&json))] {
        if let Err(e) = std::fs::write(root.join(path), text) {
            eprintln!("cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {path}");
    }
    ExitCode::SUCCESS
}
