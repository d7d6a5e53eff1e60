//! The Prometheus metrics endpoint: `GET /metrics` over plain HTTP/1.1 on
//! `[metrics] listen`.
//!
//! An axum router ([`router`]) served by `liudong_net::http::serve_http`:
//! one request per connection (then the connection is closed), the request
//! head bounded to 8 KiB, each connection to 10 s, 8 connections at a time.
//! The answer is in the Prometheus text format 0.0.4, or in OpenMetrics
//! when the scraper's `Accept` header prefers it (Prometheus does).

use crate::config::NodeConfig;
use crate::error::NodeError;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use liudong_net::http::{HttpOptions, serve_http};
use liudong_sync::Node;
use liudong_sync::metrics::Format;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How the endpoint treats connections: one small GET each.
fn options() -> HttpOptions {
    HttpOptions {
        name: "metrics",
        read_timeout: Duration::from_secs(10),
        connection_timeout: Some(Duration::from_secs(10)),
        keep_alive: false,
        title_case_headers: true,
        max_head_bytes: Some(8 << 10),
        max_connections: Some(8),
        shutdown_grace: Duration::from_secs(5),
    }
}

/// The content type of the text exposition format 0.0.4 (the default).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The routes of the endpoint: `GET /metrics`, a pointer at `GET /`,
/// `404` for other paths and `405` for other methods (`HEAD` is a `GET`
/// without the body).
pub fn router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route(
            "/",
            get(|| async { "liudong node: metrics at /metrics (see docs/monitoring.md)\n" }),
        )
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "not found: the metrics are at /metrics\n",
            )
        })
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                "only GET and HEAD are served\n",
            )
        })
        .with_state(node)
}

async fn metrics(State(node): State<Arc<Node>>, headers: HeaderMap) -> Response {
    let format = negotiate(
        headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    match tokio::task::spawn_blocking(move || scrape_as(&node, format)).await {
        Ok(Ok(text)) => ([(header::CONTENT_TYPE, format.content_type())], text).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics could not be read");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("metrics unavailable: {e}\n"),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// The format an `Accept` header asks for: OpenMetrics when it lists
/// `application/openmetrics-text` with a weight at least that of
/// `text/plain`, else the text format 0.0.4 (also for no header).
pub fn negotiate(accept: &str) -> Format {
    let (mut openmetrics, mut plain) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut params = range.split(';');
        let media = params.next().unwrap_or("").trim();
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if media.eq_ignore_ascii_case("application/openmetrics-text") {
            openmetrics = openmetrics.max(q);
        } else if media.eq_ignore_ascii_case("text/plain") {
            plain = plain.max(q);
        }
    }
    if openmetrics > 0.0 && openmetrics >= plain {
        Format::OpenMetrics
    } else {
        Format::Prometheus
    }
}

/// Binds and serves the metrics endpoint if `[metrics] listen` is set.
pub async fn start_metrics(
    cfg: &NodeConfig,
    node: &Arc<Node>,
    cancel: &CancellationToken,
) -> Result<Option<SocketAddr>, NodeError> {
    let Some(addr) = cfg.metrics_listen else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| NodeError::Listen {
            addr,
            setting: "[metrics] listen",
            source,
        })?;
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() {
        tracing::warn!(addr = %bound, "metrics are served over plain, unauthenticated HTTP beyond loopback: restrict access to the scraper (they hold division codes and counts, no personal data)");
    }
    node.spawn(serve_http(
        listener,
        router(node.clone()),
        None,
        options(),
        cancel.clone(),
    ));
    Ok(Some(bound))
}

/// Reads the gauges of `node` from its store and renders every metric in
/// the text format 0.0.4. Blocking (store reads): call it off the async
/// runtime.
pub fn scrape(node: &Node) -> Result<String, liudong_sync::SyncError> {
    scrape_as(node, Format::Prometheus)
}

/// As [`scrape`], in `format`.
pub fn scrape_as(node: &Node, format: Format) -> Result<String, liudong_sync::SyncError> {
    let report = crate::status::report_node(node)?;
    let gauges = liudong_sync::metrics::Gauges {
        records: report.records as u64,
        store_bytes: node.store().size_on_disk()?,
        peers: report
            .links
            .iter()
            .map(|l| liudong_sync::metrics::PeerGauges {
                peer: l.peer.clone(),
                role: l.role,
                pending_out: l.pending_out,
                pending_in: l.pending_in,
                silent: l.silent,
                last_contact_ms: l.last_contact_ms,
            })
            .collect(),
    };
    Ok(node.metrics().render_as(&gauges, format))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[test]
    fn prometheus_gets_openmetrics_and_others_the_text_format() {
        // What Prometheus 2.x and 3.x send by default.
        assert_eq!(
            negotiate(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            ),
            Format::OpenMetrics
        );
        assert_eq!(
            negotiate("text/plain;version=0.0.4;q=1.0,application/openmetrics-text;q=0.5"),
            Format::Prometheus
        );
        assert_eq!(negotiate(""), Format::Prometheus);
        assert_eq!(negotiate("*/*"), Format::Prometheus);
        assert_eq!(
            negotiate("application/openmetrics-text;q=0"),
            Format::Prometheus
        );
    }

    async fn node() -> (tempfile::TempDir, Arc<Node>) {
        let dir = tempfile::tempdir().unwrap();
        let scope = liudong_core::NodeScope::for_code(liudong_core::Code::parse("410602").unwrap())
            .unwrap();
        let store =
            liudong_store::Store::open(dir.path(), scope, None, &Default::default()).unwrap();
        let node = Node::new(
            Arc::new(store),
            Default::default(),
            liudong_sync::system_clock(),
        );
        (dir, node)
    }

    async fn call(router: Router, method: &str, path: &str, accept: &str) -> Response {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap();
        router.oneshot(req).await.unwrap()
    }

    #[tokio::test]
    async fn routes_answer_by_path_and_method() {
        let (_dir, node) = node().await;
        node.metrics().refused("limit");
        let r = call(router(node.clone()), "GET", "/metrics", "").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("\nliudong_refused_total{reason=\"limit\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("\nliudong_store_records 0\n"), "{text}");

        let r = call(
            router(node.clone()),
            "GET",
            "/metrics?x=1",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )
        .await;
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            Format::OpenMetrics.content_type()
        );
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        assert!(body.ends_with(b"# EOF\n"));

        let r = call(router(node.clone()), "HEAD", "/metrics", "").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            call(router(node.clone()), "GET", "/", "").await.status(),
            StatusCode::OK
        );
        assert_eq!(
            call(router(node.clone()), "GET", "/nothing", "")
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            call(router(node.clone()), "POST", "/metrics", "")
                .await
                .status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            call(router(node), "DELETE", "/", "").await.status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
