//! Open311 GeoReport v2, as any client can send it: parameters (`Params`), W3C dates, form and
//! multipart bodies of `POST requests` and `POST servicerequestupdates`, and the query of `GET
//! requests`, through the real router. Whatever arrives, the answer is never a server error, is
//! the spec's format (a JSON array; XML 1.0 that carries only characters XML allows), and a request
//! that was accepted can be read back, over Open311 and from the store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::SecondsFormat;
use hotline_app::open311::{Params, datetime};
use hotline_domain::OrderNumber;
use proptest::prelude::*;

use crate::common::{World, corpus, mostly, nasty_char, nasty_text, run, text};

// ---------- parameters and dates ----------

#[test]
fn any_parameters_read_as_trimmed_values_without_carriage_returns() {
    let pair = (mostly(vec!["description", "api_key", "attribute[a]", "attribute[a][]", "media_url", ""], 12), nasty_text(40));
    run(512, prop::collection::vec(pair, 0..8), |pairs| {
        let keys: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
        let p = Params::new(pairs);
        for k in keys {
            if let Some(v) = p.get(&k) {
                prop_assert!(!v.is_empty() && v == v.trim() && !v.contains('\r'), "{k:?} = {v:?}");
            }
        }
        Ok(())
    });
}

/// W3C dates: the profile's shapes with random digits, separators and zones, and noise.
fn w3c_like() -> impl Strategy<Value = String> {
    let digit = || prop::char::range('0', '9');
    let n = |k: usize| prop::collection::vec(digit(), k).prop_map(|v| v.into_iter().collect::<String>());
    let sep = |c: &'static str| prop_oneof![8 => Just(c.to_owned()), 1 => nasty_char().prop_map(String::from)];
    let zone = prop_oneof![
        Just("Z".to_owned()),
        Just("z".to_owned()),
        (prop::sample::select(vec!["+", "-"]), n(2), n(2)).prop_map(|(s, h, m)| format!("{s}{h}:{m}")),
        nasty_text(4),
        Just(String::new()),
    ];
    let fraction =
        prop_oneof![Just(String::new()), n(1).prop_map(|d| format!(".{d}")), n(12).prop_map(|d| format!(".{d}")), Just(".".to_owned())];
    let full = (n(4), sep("-"), n(2), sep("-"), n(2), sep("T"), n(2), sep(":"), n(2), prop::option::of((sep(":"), n(2), fraction)), zone)
        .prop_map(|(y, a, mo, b, d, t, h, c, mi, s, z)| {
            let s = s.map(|(c, s, f)| format!("{c}{s}{f}")).unwrap_or_default();
            format!("{y}{a}{mo}{b}{d}{t}{h}{c}{mi}{s}{z}")
        });
    let short = (n(4), prop::option::of((sep("-"), n(2), prop::option::of((sep("-"), n(2)))))).prop_map(|(y, rest)| match rest {
        None => y,
        Some((a, mo, None)) => format!("{y}{a}{mo}"),
        Some((a, mo, Some((b, d)))) => format!("{y}{a}{mo}{b}{d}"),
    });
    prop_oneof![3 => full, 2 => short, 1 => nasty_text(30)]
}

#[test]
fn any_w3c_date_is_refused_or_a_span_that_reads_back() {
    let offset = prop_oneof![Just(480), Just(0), Just(-720), Just(840), -1440..1440i32];
    run(1024, (w3c_like(), offset), |(s, offset)| {
        let Some(span) = datetime::parse(&s, offset) else { return Ok(()) };
        prop_assert!(span.start < span.end, "{s:?} → {span:?}");
        // The instant it starts at, written as RFC 3339, is read as that instant.
        use chrono::Datelike;
        if (1000..=9998).contains(&span.start.year()) {
            let again = span.start.to_rfc3339_opts(SecondsFormat::Nanos, true);
            prop_assert_eq!(datetime::parse(&again, offset).map(|x| x.start), Some(span.start), "{:?} → {}", s, again);
        }
        Ok(())
    });
}

// ---------- through the router ----------

/// What a client needs: the world, a key of the demo's client system, and some services.
struct Client {
    world: World,
    key: String,
    services: Vec<String>,
    /// A service that asks no required question (what `{service_code}` in the corpus stands for).
    plain: String,
    /// Attribute codes and their allowed values, of the services above.
    attributes: Vec<(String, Vec<String>)>,
    /// The required questions of each service, each with a valid answer.
    required: HashMap<String, Vec<(String, String)>>,
    /// Requests accepted and read back: the generators reach past the refusals.
    accepted: AtomicU64,
}

impl Client {
    fn new() -> Self {
        let world = World::new();
        let key = world.rt.block_on(world.app.create_api_token(world.user("open311"), "fuzz")).expect("an API token");
        let all = world.app.open311_services();
        let mut services: Vec<String> =
            all.iter().filter(|s| s.service_code.starts_with("TRF.illegal_parking.")).map(|s| s.service_code.clone()).collect();
        services.extend(all.iter().filter(|s| s.kind == "batch").take(1).map(|s| s.service_code.clone()));
        services.extend(all.iter().step_by(37).map(|s| s.service_code.clone()));
        let mut attributes = Vec::new();
        let mut required: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for code in &services {
            for a in world.app.open311_definition(code).expect("a definition").attributes {
                let values: Vec<String> = a.values.into_iter().map(|v| v.key).collect();
                if a.required && a.variable {
                    let name =
                        if a.datatype == "multivaluelist" { format!("attribute[{}][]", a.code) } else { format!("attribute[{}]", a.code) };
                    let answer = match (values.first(), a.datatype.as_str()) {
                        (Some(v), _) => v.clone(),
                        (None, "number") => "3".to_owned(),
                        (None, "datetime") => "2026-03-01T10:00+08:00".to_owned(),
                        (None, _) => "有".to_owned(),
                    };
                    required.entry(code.clone()).or_default().push((name, answer));
                }
                attributes.push((a.code, values));
            }
        }
        let batch: Vec<&str> = all.iter().filter(|s| s.kind == "batch").map(|s| s.service_code.as_str()).collect();
        let plain = services
            .iter()
            .find(|s| !required.contains_key(*s) && !batch.contains(&s.as_str()))
            .expect("a realtime service without required questions")
            .clone();
        Self { world, key, services, plain, attributes, required, accepted: AtomicU64::new(0) }
    }

    /// `{api_key}` and `{service_code}` in a corpus body stand for a valid key and service.
    fn fill(&self, body: &[u8]) -> Vec<u8> {
        let t = text(body);
        if !t.contains("{api_key}") && !t.contains("{service_code}") {
            return body.to_vec();
        }
        t.replace("{api_key}", &self.key).replace("{service_code}", &self.plain).into_bytes()
    }

    /// Sends a request; checks the answer is no server error and is well-formed in its format.
    fn send(&self, req: Request<Body>, json: bool) -> Result<(StatusCode, String), TestCaseError> {
        let (status, _, body) = self.world.send(req);
        prop_assert!(!status.is_server_error(), "{status}: {}", String::from_utf8_lossy(&body));
        let body = String::from_utf8(body).map_err(|e| TestCaseError::fail(format!("the answer is not UTF-8: {e}")))?;
        if json {
            let v: serde_json::Value = serde_json::from_str(&body).map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {body}")))?;
            prop_assert!(v.is_array(), "not a list: {body}");
        } else {
            prop_assert!(body.starts_with("<?xml"), "not XML: {body}");
            let bad =
                body.chars().find(|c| !matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..));
            prop_assert!(bad.is_none(), "XML cannot carry {bad:?}: {body:?}");
        }
        Ok((status, body))
    }

    /// POSTs a body to `requests` or `servicerequestupdates`; an accepted request reads back.
    fn post(&self, stem: &str, json: bool, content_type: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
        let path = format!("/open311/v2/{stem}.{}", if json { "json" } else { "xml" });
        let req = Request::post(&path).header(header::CONTENT_TYPE, content_type).body(Body::from(body)).expect("a request");
        let (status, answer) = self.send(req, json)?;
        if status != StatusCode::OK || stem != "requests" {
            return Ok(());
        }
        let field = |name: &str| {
            if json {
                let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
                v[0][name].as_str().map(str::to_owned)
            } else {
                answer.split_once(&format!("<{name}>")).and_then(|(_, r)| r.split_once('<')).map(|(v, _)| v.to_owned())
            }
        };
        let id = match (field("service_request_id"), field("token")) {
            (Some(id), _) => id,
            // A batch service answers with a token, which stands for the request.
            (None, Some(token)) => {
                let req = Request::get(format!("/open311/v2/tokens/{token}.json")).body(Body::empty()).expect("a request");
                let (status, answer) = self.send(req, true)?;
                prop_assert_eq!(status, StatusCode::OK, "token {} was given but cannot be read", token);
                let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
                let Some(id) = v[0]["service_request_id"].as_str() else {
                    return Err(TestCaseError::fail(format!("token {token}: {answer}")));
                };
                id.to_owned()
            }
            (None, None) => return Err(TestCaseError::fail(format!("accepted without an id or a token: {answer}"))),
        };
        let (status, _) =
            self.send(Request::get(format!("/open311/v2/requests/{id}.json")).body(Body::empty()).expect("a request"), true)?;
        prop_assert_eq!(status, StatusCode::OK, "request {} was accepted but cannot be read", id);
        let number = OrderNumber::parse(&id).map_err(|e| TestCaseError::fail(format!("{id}: {e:?}")))?;
        let stored = self.world.rt.block_on(self.world.app.orders().get_order(&number));
        prop_assert!(matches!(stored, Ok(Some(_))), "request {id} was accepted but reads from the store as {stored:?}");
        self.accepted.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Parameters of a request: mostly the spec's, with valid and arbitrary values.
    fn pairs(&self) -> BoxedStrategy<Vec<(String, String)>> {
        let key = prop_oneof![9 => Just(self.key.clone()), 1 => nasty_text(20)];
        let service = prop_oneof![6 => prop::sample::select(self.services.clone()), 1 => nasty_text(20)];
        let attribute = prop::sample::select(self.attributes.clone()).prop_flat_map(|(code, values)| {
            let value = if values.is_empty() {
                nasty_text(20).boxed()
            } else {
                prop_oneof![3 => prop::sample::select(values), 1 => nasty_text(10)].boxed()
            };
            (Just(code), any::<bool>(), value).prop_map(|(code, many, v)| (format!("attribute[{code}]{}", if many { "[]" } else { "" }), v))
        });
        let coordinate = prop_oneof![
            (-90.0..90.0f64).prop_map(|v| v.to_string()),
            mostly(vec!["NaN", "inf", "-inf", "1e309", "0x10", "39.9,116.4", "", "  40  "], 10),
        ];
        let field = prop_oneof![
            2 => (Just("description".to_owned()), nasty_text(300)),
            1 => (Just("description".to_owned()), "[\\u4e00-\\u9fff]{2,50}"),
            2 => (Just("address_string".to_owned()), mostly(vec!["朝阳区望京西园三区", "海淀区中关村街道"], 60)),
            1 => (Just("lat".to_owned()), coordinate.clone()),
            1 => (Just("long".to_owned()), coordinate),
            1 => (Just("address_id".to_owned()), nasty_text(20)),
            1 => (Just("first_name".to_owned()), nasty_text(30)),
            1 => (Just("last_name".to_owned()), nasty_text(30)),
            2 => (Just("phone".to_owned()), mostly(vec!["13812345678", "010-65123456#801", "010-6512345-8", "95598#12", "+49 151 12345678"], 20)),
            1 => (Just("email".to_owned()), nasty_text(30)),
            1 => (Just("device_id".to_owned()), nasty_text(30)),
            1 => (Just("account_id".to_owned()), nasty_text(30)),
            1 => (Just("locale".to_owned()), mostly(vec!["zh-CN", "en_GB", "en", "fr", "x"], 10)),
            1 => (Just("media_url".to_owned()), mostly(vec!["https://example.org/a.jpg", "javascript:alert(1)", "/open311/v2/media/1"], 40)),
            2 => attribute,
            1 => (nasty_text(20), nasty_text(20)),
        ];
        let required = self.required.clone();
        (key, service, prop::collection::vec(field, 0..10), prop::bool::weighted(0.9))
            .prop_map(move |(key, service, mut fields, answered)| {
                // Mostly with the service's required questions answered, so the request gets as far as it can.
                if answered {
                    fields.extend(required.get(&service).cloned().unwrap_or_default());
                }
                fields.insert(0, ("service_code".to_owned(), service));
                fields.push(("api_key".to_owned(), key));
                fields
            })
            .boxed()
    }
}

/// `application/x-www-form-urlencoded`, every byte but the unreserved ones escaped.
fn urlencode(pairs: &[(String, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// A multipart body of text fields and files, then sometimes broken: cut short, a wrong boundary,
/// a header without its colon.
fn multipart(fields: &[(String, String)], files: &[(String, String, String, Vec<u8>)], damage: u8, at: usize) -> (String, Vec<u8>) {
    let boundary = "fuzz-boundary-1f2e";
    let mut body = Vec::new();
    let quote = |s: &str| s.replace('"', "%22").replace(['\r', '\n'], " ");
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n", quote(name)).as_bytes());
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                quote(name),
                quote(file_name),
                content_type.replace(['\r', '\n'], " ")
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut content_type = format!("multipart/form-data; boundary={boundary}");
    match damage % 6 {
        0 => body.truncate(at % (body.len() + 1)),
        1 => content_type = "multipart/form-data; boundary=another".into(),
        2 => content_type = "multipart/form-data".into(),
        3 => {
            let at = at % (body.len() + 1);
            body.splice(at..at, b"\r\nContent-Disposition form-data\r\n".iter().copied());
        }
        _ => {}
    }
    (content_type, body)
}

#[test]
fn any_form_posted_as_a_request_gets_an_answer_and_an_accepted_one_reads_back() {
    let client = Client::new();
    for (name, bytes) in corpus("open311_form") {
        for json in [true, false] {
            let body = client.fill(&bytes);
            client.post("requests", json, "application/x-www-form-urlencoded", body).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
        }
    }
    run(128, (client.pairs(), any::<bool>()), |(pairs, json)| {
        client.post("requests", json, "application/x-www-form-urlencoded", urlencode(&pairs).into_bytes())
    });
    // Bodies that are no form at all: arbitrary bytes, broken escapes, invalid UTF-8.
    let junk = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        nasty_text(200).prop_map(String::into_bytes),
        prop::collection::vec(prop::sample::select(vec!["%", "%z", "%ff", "%C3", "&", "=", "+", "a", "%00", "%E4%B8", ";"]), 0..40)
            .prop_map(|v| v.concat().into_bytes()),
    ];
    run(128, (junk, any::<bool>()), |(body, json)| client.post("requests", json, "application/x-www-form-urlencoded", body));
    assert!(client.accepted.load(Ordering::SeqCst) > 0, "no request was accepted: the generators miss the format");
}

#[test]
fn any_multipart_request_gets_an_answer_and_an_accepted_one_reads_back() {
    let client = Client::new();
    for (name, bytes) in corpus("open311_multipart") {
        // A corpus file is the whole body; its boundary is `fuzz-boundary-1f2e`.
        let ct = "multipart/form-data; boundary=fuzz-boundary-1f2e";
        client.post("requests", true, ct, client.fill(&bytes)).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
    }
    let file = (
        mostly(vec!["media", "media[]", "photo1", "file_a", "description"], 10),
        prop_oneof![3 => Just("门口.png".to_owned()), 1 => nasty_text(40)],
        mostly(vec!["image/png", "image/svg+xml; charset=utf-8", "text/html", "application/octet-stream", "", "x"], 20),
        prop::collection::vec(any::<u8>(), 0..2000),
    );
    // Mostly well-formed (a damage code of 4 or more leaves the body whole), so requests get through.
    let damage = prop_oneof![3 => 4..6u8, 1 => 0..4u8];
    run(96, (client.pairs(), prop::collection::vec(file, 0..4), damage, any::<usize>()), |(pairs, files, damage, at)| {
        let (ct, body) = multipart(&pairs, &files, damage, at);
        client.post("requests", true, &ct, body)
    });
    assert!(client.accepted.load(Ordering::SeqCst) > 0, "no request was accepted: the generators miss the format");
}

#[test]
fn any_update_or_query_gets_an_answer() {
    let client = Client::new();
    // One request to update.
    let pairs = vec![
        ("api_key".to_owned(), client.key.clone()),
        ("service_code".to_owned(), client.services[0].clone()),
        ("address_string".to_owned(), "朝阳区望京西园三区".to_owned()),
        ("description".to_owned(), "楼下违章停车堵住消防通道".to_owned()),
        ("attribute[blocking][]".to_owned(), "fire_lane".to_owned()),
    ];
    let req = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(urlencode(&pairs)))
        .expect("a request");
    let (_, answer) = client.send(req, true).expect("a request is accepted");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    let id = v[0]["service_request_id"].as_str().unwrap_or_else(|| panic!("an id: {answer}")).to_owned();
    let update = (
        prop_oneof![4 => Just(id.clone()), 1 => nasty_text(20)],
        mostly(vec!["fms-1", "fms-2", "fms-1"], 120),
        mostly(vec!["OPEN", "closed", "FIXED", "in_progress"], 60),
        nasty_text(200),
        mostly(vec!["2026-03-02T10:00:00+08:00", "2026-03-02", "2026", "2026-03-02T10:00Z", "2026-03-02T10:00:00"], 30),
        prop::collection::vec(nasty_text(30), 0..3),
        prop_oneof![9 => Just(client.key.clone()), 1 => nasty_text(20)],
        any::<bool>(),
    );
    run(96, update, |(id, update_id, status, description, when, media, key, json)| {
        let mut pairs = vec![
            ("api_key".to_owned(), key),
            ("service_request_id".to_owned(), id),
            ("update_id".to_owned(), update_id),
            ("status".to_owned(), status),
            ("description".to_owned(), description),
            ("updated_datetime".to_owned(), when),
        ];
        pairs.extend(media.into_iter().map(|m| ("media_url".to_owned(), m)));
        client.post("servicerequestupdates", json, "application/x-www-form-urlencoded", urlencode(&pairs).into_bytes())
    });
    let param = prop_oneof![
        (
            mostly(vec!["start_date", "end_date", "updated_after", "updated_before"], 10),
            mostly(vec!["2026-03-01", "2026-03-02T00:00Z", "2026"], 30)
        ),
        (mostly(vec!["status", "service_code", "service_request_id", "locale", "page", "page_size", "extensions"], 10), nasty_text(30)),
        (Just("service_request_id".to_owned()), Just(id.clone())),
        (nasty_text(10), nasty_text(10)),
    ];
    let raw_query = prop_oneof![
        3 => prop::collection::vec(param, 0..6).prop_map(|pairs| urlencode(&pairs)),
        1 => prop::collection::vec(prop::sample::select(vec!["%", "%ff", "&", "=", "a", "%00", "+", "[", "]", "%E4%B8"]), 0..30).prop_map(|v| v.concat()),
    ];
    run(128, (raw_query, any::<bool>(), prop::sample::select(vec!["requests", "servicerequestupdates"])), |(q, json, stem)| {
        let path = format!("/open311/v2/{stem}.{}?{q}", if json { "json" } else { "xml" });
        let Ok(req) = Request::get(&path).body(Body::empty()) else { return Ok(()) };
        client.send(req, json).map(|_| ())
    });
}
