//! The OpenAPI document: served, generated and committed copies are the same bytes.

use crate::helpers::spawn_app;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
const REGENERATE: &str = "regenerate it with `cargo run -q -p hotline -- openapi > docs/openapi.json` and commit it";

fn first_difference(a: &str, b: &str) -> String {
    match a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y) {
        Some((i, (x, y))) => format!("line {}:\n  committed: {x}\n  generated: {y}", i + 1),
        None => format!("one is a prefix of the other ({} vs {} lines)", a.lines().count(), b.lines().count()),
    }
}

#[tokio::test]
async fn the_served_openapi_document_equals_the_generated_and_the_committed_one() {
    let app = spawn_app().await;
    let res = app.anonymous().get(app.url("/api/v1/openapi.json")).send().await.expect("GET openapi.json");
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let served = res.text().await.expect("the document");
    let generated = hotline_http::api::openapi_document();
    assert!(served == generated, "the served document differs from openapi_document(): {}", first_difference(&served, &generated));

    let doc: serde_json::Value = serde_json::from_str(&served).expect("the document is JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    for path in ["/api/v1/orders", "/api/v1/orders/{number}/actions", "/api/v1/public/track"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }

    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_else(|e| panic!("cannot read {COMMITTED} ({e}); {REGENERATE}"));
    assert!(
        committed == generated,
        "docs/openapi.json is out of date; {REGENERATE}. First difference at {}",
        first_difference(&committed, &generated)
    );
}

#[test]
fn every_schema_name_in_the_document_belongs_to_one_type() {
    // utoipa keys components by name: two types of one name leave one schema for both, and the
    // document then describes one of them wrongly (a `PlaceOut` once said `ambiguous` was a
    // boolean where the resolver answers a list). The sources are the witness.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut names: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for krate in ["hotline-app", "hotline-http", "hotline-domain", "hotline-analytics"] {
        let mut stack = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("a source directory").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let lines: Vec<&str> = text.lines().collect();
                for (i, line) in lines.iter().enumerate() {
                    if !line.contains("utoipa::ToSchema") {
                        continue;
                    }
                    // The item follows its attributes; `#[schema(as = …)]` renames it.
                    let mut renamed = None;
                    for next in lines.iter().skip(i + 1).take(6) {
                        if let Some(rest) = next.trim().strip_prefix("#[schema(as = ") {
                            renamed = rest.split(')').next().map(str::to_owned);
                        }
                        let item = next.trim().strip_prefix("pub struct ").or_else(|| next.trim().strip_prefix("pub enum "));
                        if let Some(item) = item {
                            let name: String = item.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                            names.entry(renamed.take().unwrap_or(name)).or_default().push(path.display().to_string());
                            break;
                        }
                    }
                }
            }
        }
    }
    let clashes: Vec<_> = names.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(clashes.is_empty(), "schema names used by more than one type: {clashes:#?}");
}
