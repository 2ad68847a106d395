//! Open311 GeoReport v2 under `/open311/v2/`: discovery, services, service definitions, requests
//! (GET and POST), tokens, and FixMyStreet's servicerequestupdates feed. Every response is built
//! once as a neutral tree and rendered as XML or JSON by the resource's suffix, so the two formats
//! cannot drift apart: list roots become JSON arrays, wrapper elements disappear, ids and codes are
//! always strings (peers.md §1.1).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_app::App;
use hotline_app::open311::{MAX_UPLOAD_BYTES, MAX_UPLOADS, Open311Error, Params, PublicRequest, Upload};

const MAX_POST_BYTES: usize = MAX_UPLOADS * MAX_UPLOAD_BYTES + 256 * 1024;
use hotline_domain::Timestamp;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        // Requests may carry files (multipart media): up to 5 × 10 MB plus the form.
        .route("/open311/v2/{file}", get(get_file).post(post_file).layer(DefaultBodyLimit::max(MAX_POST_BYTES)))
        .route("/open311/v2/media/{id}", get(media))
        .route("/open311/v2/services/{file}", get(service_definition))
        // open311 1.1 (codeforamerica) asks for the singular; answer it the same.
        .route("/open311/v2/service/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

// ---------- the neutral tree ----------

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Number(String),
    Bool(bool),
    Null,
    Obj(Vec<(&'static str, Node)>),
    /// A list: in XML a wrapper element holding `item` elements; in JSON an array.
    List(&'static str, Vec<Node>),
}

fn text(s: impl Into<String>) -> Node {
    Node::Text(s.into())
}

fn opt_text(s: Option<impl Into<String>>) -> Node {
    s.map_or(Node::Null, |s| Node::Text(s.into()))
}

fn time(t: Timestamp) -> Node {
    Node::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn opt_time(t: Option<Timestamp>) -> Node {
    t.map_or(Node::Null, time)
}

fn coordinate(v: Option<f64>) -> Node {
    v.map_or(Node::Null, |v| Node::Number(format!("{v}")))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// `services.json` → (`services`, JSON); `033.xml` → (`033`, XML). Anything else is not a resource.
fn split_format(file: &str) -> Option<(&str, Format)> {
    if let Some(stem) = file.strip_suffix(".json") {
        Some((stem, Format::Json))
    } else {
        file.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all (controls, and the noncharacters U+FFFE/U+FFFF).
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}') => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_into(out: &mut String, name: &str, node: &Node) {
    match node {
        Node::Null => {}
        Node::Text(s) | Node::Number(s) => {
            out.push_str(&format!("<{name}>{}</{name}>", escape(s)));
        }
        Node::Bool(b) => out.push_str(&format!("<{name}>{b}</{name}>")),
        Node::Obj(fields) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in fields {
                xml_into(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Node::List(item, items) => {
            out.push_str(&format!("<{name}>"));
            for i in items {
                xml_into(out, item, i);
            }
            out.push_str(&format!("</{name}>"));
        }
    }
}

fn json_of(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Null => Value::Null,
        Node::Text(s) => Value::String(s.clone()),
        Node::Number(s) => s.parse::<serde_json::Number>().map_or_else(|_| Value::String(s.clone()), Value::Number),
        Node::Bool(b) => Value::Bool(*b),
        Node::Obj(fields) => Value::Object(fields.iter().map(|(k, v)| ((*k).to_owned(), json_of(v))).collect()),
        Node::List(_, items) => Value::Array(items.iter().map(json_of).collect()),
    }
}

fn render(status: StatusCode, format: Format, root: &str, node: &Node) -> Response {
    match format {
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml_into(&mut out, root, node);
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], out).into_response()
        }
        Format::Json => {
            let body = serde_json::to_string(&json_of(node)).unwrap_or_default();
            (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
        }
    }
}

/// The spec's error list: `code` is the HTTP status, `description` the message (Chinese / English);
/// `error_code`, beside them, is the stable machine-readable code (e.g. `update_id_conflict`).
fn error(format: Format, e: &Open311Error) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let node = Node::List(
        "error",
        vec![Node::Obj(vec![
            ("code", Node::Number(e.status.to_string())),
            ("description", text(&e.description)),
            ("error_code", text(e.code)),
        ])],
    );
    render(status, format, "errors", &node)
}

fn not_found(format: Format) -> Response {
    error(
        format,
        &Open311Error::new(404, "not_found", "没有此资源；资源以 .xml 或 .json 结尾", "No such resource; resources end in .xml or .json"),
    )
}

fn params(raw: Option<&str>) -> Params {
    Params::new(raw.map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default()).unwrap_or_default())
}

/// The client's `Accept-Language`, for the language of notes.
fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
}

// ---------- resources ----------

async fn get_file(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Response {
    let Some((stem, format)) = split_format(&file) else { return not_found(Format::Xml) };
    let p = params(q.as_deref());
    match stem {
        "discovery" => discovery(&app, format, &headers, &extensions).await,
        "services" => {
            let items = app
                .open311_services()
                .into_iter()
                .map(|s| {
                    Node::Obj(vec![
                        ("service_code", text(s.service_code)),
                        ("service_name", text(s.service_name)),
                        ("description", text(s.description)),
                        ("metadata", Node::Bool(s.metadata)),
                        ("type", text(s.kind)),
                        ("keywords", text(s.keywords)),
                        ("group", text(s.group)),
                    ])
                })
                .collect();
            render(StatusCode::OK, format, "services", &Node::List("service", items))
        }
        "requests" => match app.open311_requests(&p, accept_language(&headers)).await {
            Ok(list) => {
                render(StatusCode::OK, format, "service_requests", &Node::List("request", list.into_iter().map(request_node).collect()))
            }
            Err(e) => error(format, &e),
        },
        "servicerequestupdates" => match app.open311_updates(&p, accept_language(&headers)).await {
            Ok(list) => {
                let items = list
                    .into_iter()
                    .map(|u| {
                        Node::Obj(vec![
                            ("update_id", text(u.update_id)),
                            ("service_request_id", text(u.service_request_id)),
                            ("status", text(u.status)),
                            ("updated_datetime", time(u.updated_datetime)),
                            ("description", text(u.description)),
                            ("media_url", Node::Null),
                        ])
                    })
                    .collect();
                render(StatusCode::OK, format, "service_request_updates", &Node::List("request_update", items))
            }
            Err(e) => error(format, &e),
        },
        _ => not_found(format),
    }
}

/// A multipart body: its text fields as parameters, its files as uploads (fields named `media`,
/// `media[]`, or FixMyStreet's `photo1`… and `file_*`).
async fn multipart(req: Request) -> Result<(Vec<(String, String)>, Vec<Upload>), Open311Error> {
    let bad = |zh: String, en: String| Open311Error::bad("malformed_body", &zh, &en);
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        bad(format!("无法读取 multipart 请求体：{e}"), format!("The multipart body cannot be read: {e}"))
    };
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad(format!("无法读取 multipart 请求体：{e}"), format!("The multipart body cannot be read: {e}")))?;
    let (mut pairs, mut uploads) = (Vec::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| bad(format!("无法读取文件 {file_name:?}：{e}"), format!("The file {file_name:?} cannot be read: {e}")))?;
                if !(name.starts_with("media") || name.starts_with("photo") || name.starts_with("file")) {
                    return Err(bad(
                        format!("意外的文件字段 {name:?}；文件请放在 media[]"),
                        format!("Unexpected file field {name:?}; files go in media[]"),
                    ));
                }
                uploads.push(Upload { file_name, content_type, bytes: bytes.to_vec() });
            }
            None => {
                let value = field.text().await.map_err(|e| {
                    bad(format!("字段 {name:?} 不是 UTF-8 文本：{e}"), format!("The field {name:?} is not UTF-8 text: {e}"))
                })?;
                pairs.push((name, value));
            }
        }
    }
    Ok((pairs, uploads))
}

async fn post_file(State(app): State<Arc<App>>, Path(file): Path<String>, req: Request) -> Response {
    let Some((stem, format)) = split_format(&file) else { return not_found(Format::Xml) };
    if !matches!(stem, "requests" | "servicerequestupdates") {
        return not_found(format);
    }
    let is_multipart =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    let (pairs, uploads) = if is_multipart {
        match multipart(req).await {
            Ok(parts) => parts,
            Err(e) => return error(format, &e),
        }
    } else {
        let Ok(body) = Bytes::from_request(req, &()).await else {
            return error(format, &Open311Error::bad("malformed_body", "请求体过大或无法读取", "The body is too large or cannot be read"));
        };
        match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
            Ok(pairs) => (pairs, Vec::new()),
            Err(_) => {
                return error(
                    format,
                    &Open311Error::bad(
                        "malformed_body",
                        "请求体须为 application/x-www-form-urlencoded（UTF-8）",
                        "The body is application/x-www-form-urlencoded UTF-8",
                    ),
                );
            }
        }
    };
    if stem == "servicerequestupdates" {
        return match app.open311_post_update(&Params::new(pairs)).await {
            Ok(id) => render(
                StatusCode::OK,
                format,
                "service_request_updates",
                &Node::List("request_update", vec![Node::Obj(vec![("update_id", text(id))])]),
            ),
            Err(e) => error(format, &e),
        };
    }
    match app.open311_submit(&Params::new(pairs), &uploads).await {
        Ok(s) => {
            let mut fields = Vec::new();
            match (s.service_request_id, s.token) {
                (Some(id), _) => fields.push(("service_request_id", text(id))),
                (None, Some(token)) => fields.push(("token", text(token))),
                (None, None) => {}
            }
            fields.push(("service_notice", text(s.service_notice)));
            fields.push(("account_id", opt_text(s.account_id)));
            render(StatusCode::OK, format, "service_requests", &Node::List("request", vec![Node::Obj(fields)]))
        }
        Err(e) => error(format, &e),
    }
}

/// Where this server is, for links that must be absolute: `public_url` when set (what a deployment
/// should do); else the request's `Host` (a host name or IP address, with a port) and the scheme the
/// client used: https when the deployment serves it (`secure_cookies`) or a trusted proxy in front
/// (`trusted_proxies`) says so in `X-Forwarded-Proto`, else http, as the same-origin check reads
/// it. A `Host` that is not a plain authority (userinfo, a path, odd characters) is not echoed: the
/// link stays relative.
fn base_url(app: &App, headers: &HeaderMap, extensions: &axum::http::Extensions) -> String {
    let configured = app.config.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::trim).filter(|h| plain_authority(h));
    let Some(host) = host else { return String::new() };
    format!("{}://{host}", crate::request_scheme(app, headers, extensions))
}

/// `host`, `host:port`, `1.2.3.4:port` or `[v6]:port`, and nothing else.
fn plain_authority(h: &str) -> bool {
    if h.len() > 255 || h.contains('@') {
        return false;
    }
    let Ok(authority) = h.parse::<axum::http::uri::Authority>() else { return false };
    let host = authority.host();
    let host_ok = match host.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
    };
    // A `:` after the host needs a port that is a number.
    host_ok && (h.len() == host.len() || authority.port_u16().is_some())
}

async fn discovery(app: &App, format: Format, headers: &HeaderMap, extensions: &axum::http::Extensions) -> Response {
    let changeset = match app.open311_changeset().await {
        Ok(c) => c,
        Err(e) => return error(format, &e),
    };
    let url = format!("{}/open311/v2", base_url(app, headers, extensions));
    let endpoint = Node::Obj(vec![
        ("specification", text("http://wiki.open311.org/GeoReport_v2")),
        ("url", text(url)),
        ("changeset", text(changeset.clone())),
        ("type", text("production")),
        ("formats", Node::List("format", vec![text("text/xml"), text("application/json")])),
    ]);
    let node = Node::Obj(vec![
        ("changeset", text(changeset)),
        ("contact", text("12345 市民服务热线 / 12345 citizen service hotline")),
        (
            "key_service",
            text(
                "api_key：热线中心为接入系统账号（角色 open311_client）签发的 API 令牌 / an API token of a client system account \
                 (role open311_client) that the centre's administrators create",
            ),
        ),
        ("endpoints", Node::List("endpoint", vec![endpoint])),
    ]);
    render(StatusCode::OK, format, "discovery", &node)
}

async fn service_definition(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let Some((code, format)) = split_format(&file) else { return not_found(Format::Xml) };
    match app.open311_definition(code) {
        Ok(d) => {
            let attrs = d
                .attributes
                .into_iter()
                .map(|a| {
                    Node::Obj(vec![
                        ("variable", Node::Bool(a.variable)),
                        ("code", text(a.code)),
                        ("datatype", text(a.datatype)),
                        ("required", Node::Bool(a.required)),
                        ("datatype_description", opt_text(a.datatype_description)),
                        ("order", Node::Number(a.order.to_string())),
                        ("description", text(a.description)),
                        (
                            "values",
                            Node::List(
                                "value",
                                a.values.into_iter().map(|v| Node::Obj(vec![("key", text(v.key)), ("name", text(v.name))])).collect(),
                            ),
                        ),
                    ])
                })
                .collect();
            let node = Node::Obj(vec![("service_code", text(d.service_code)), ("attributes", Node::List("attribute", attrs))]);
            render(StatusCode::OK, format, "service_definition", &node)
        }
        Err(e) => error(format, &e),
    }
}

fn request_node(r: PublicRequest) -> Node {
    let mut fields = vec![
        ("service_request_id", text(r.service_request_id)),
        ("status", text(r.status)),
        ("status_notes", opt_text(r.status_notes)),
        ("service_name", text(r.service_name)),
        ("service_code", text(r.service_code)),
        ("description", text(r.description)),
        ("agency_responsible", opt_text(r.agency_responsible)),
        ("service_notice", opt_text(r.service_notice)),
        ("requested_datetime", time(r.requested_datetime)),
        ("updated_datetime", time(r.updated_datetime)),
        ("expected_datetime", opt_time(r.expected_datetime)),
        ("address", text(r.address)),
        ("address_id", opt_text(r.address_id)),
        ("zipcode", Node::Null),
        ("lat", coordinate(r.lat)),
        ("long", coordinate(r.long)),
        ("media_url", opt_text(r.media_url)),
    ];
    if let Some(notes) = r.notes {
        fields.push(("extended_attributes", Node::Obj(vec![("channel", opt_text(r.channel))])));
        let notes = notes
            .into_iter()
            .map(|n| Node::Obj(vec![("datetime", time(n.datetime)), ("type", text(n.kind)), ("description", text(n.description))]))
            .collect();
        fields.push(("notes", Node::List("note", notes)));
    }
    Node::Obj(fields)
}

async fn one_request(State(app): State<Arc<App>>, Path(file): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let Some((id, format)) = split_format(&file) else { return not_found(Format::Xml) };
    match app.open311_request(id, &params(q.as_deref()), accept_language(&headers)).await {
        Ok(r) => render(StatusCode::OK, format, "service_requests", &Node::List("request", vec![request_node(r)])),
        Err(e) => error(format, &e),
    }
}

/// Whether a stored file may be shown in the browser: raster images only, judged by the type's
/// essence (`image/svg+xml; charset=utf-8` is SVG, which can carry script, and is downloaded).
fn shown_inline(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    matches!(essence.as_str(), "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// A file uploaded with a request. Served so it cannot act as a page of this site.
async fn media(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.open311_media(&id).await {
        Ok((content_type, bytes)) => {
            let disposition = if shown_inline(&content_type) { "inline" } else { "attachment" };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CONTENT_DISPOSITION, disposition.to_owned()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                    (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => error(Format::Json, &e),
    }
}

async fn token(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let Some((token, format)) = split_format(&file) else { return not_found(Format::Xml) };
    match app.open311_token(token).await {
        Ok((id, token)) => {
            let node = Node::List("request", vec![Node::Obj(vec![("service_request_id", text(id)), ("token", text(token))])]);
            render(StatusCode::OK, format, "service_requests", &node)
        }
        Err(e) => error(format, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::{plain_authority, shown_inline};

    #[test]
    fn only_raster_images_are_shown_inline_whatever_parameters_the_type_carries() {
        for inline in ["image/png", "image/jpeg", "IMAGE/JPEG", "image/webp; q=1", "image/gif"] {
            assert!(shown_inline(inline), "{inline}");
        }
        for download in ["image/svg+xml", "image/svg+xml; charset=utf-8", "image/svg+xml;charset=UTF-8", "text/html", "application/pdf", ""]
        {
            assert!(!shown_inline(download), "{download}");
        }
    }

    #[test]
    fn only_a_plain_host_and_port_is_taken_from_the_host_header() {
        for ok in ["example.org", "example.org:8080", "127.0.0.1:3000", "[::1]:8080", "[2001:db8::1]", "hotline-demo"] {
            assert!(plain_authority(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.org/x",
            "user@evil.org",
            "evil.org:",
            "evil.org:http",
            "evil.org:99999",
            "a b",
            "evil.org\\x",
            "[nope]:80",
            "<script>",
        ] {
            assert!(!plain_authority(bad), "{bad}");
        }
    }
}
