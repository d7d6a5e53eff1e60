//! The Prometheus metrics endpoint: `GET /metrics` over plain HTTP/1.1 on
//! `[metrics] listen`, in the text exposition format 0.0.4.
//!
//! A deliberately tiny handler on a tokio listener (one request per
//! connection, `Connection: close`) rather than an HTTP framework: a scrape
//! is one small GET, and tonic's own HTTP stack speaks only HTTP/2 here.
//! Requests are bounded in size, time and concurrency.

use crate::config::NodeConfig;
use crate::error::NodeError;
use liudong_sync::Node;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Largest request head read.
const MAX_REQUEST: usize = 8 << 10;
/// Time allowed for one request and its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Scrapes served at once; further connections wait for a slot.
const MAX_CONCURRENT: usize = 8;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves the metrics of `node` on `listener` until `shutdown`.
pub async fn serve_metrics(
    listener: TcpListener,
    node: Arc<Node>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT));
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            p = slots.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
        };
        let stream = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // E.g. out of file descriptors: back off, keep serving.
                    tracing::warn!(error = %e, "metrics endpoint: accept failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
        };
        let node = node.clone();
        tokio::spawn(async move {
            if let Ok(Err(e)) = tokio::time::timeout(REQUEST_TIMEOUT, answer(stream, node)).await {
                tracing::debug!(error = %e, "metrics request failed");
            }
            drop(permit);
        });
    }
}

/// Reads one request head and answers it.
async fn answer(mut stream: TcpStream, node: Arc<Node>) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let rendered = tokio::task::spawn_blocking(move || scrape(&node))
                .await
                .map_err(std::io::Error::other)?;
            match rendered {
                Ok(text) => ("200 OK", CONTENT_TYPE, text),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics could not be read");
                    (
                        "503 Service Unavailable",
                        "text/plain; charset=utf-8",
                        format!("metrics unavailable: {e}\n"),
                    )
                }
            }
        }
        ("GET" | "HEAD", "/") => (
            "200 OK",
            "text/plain; charset=utf-8",
            "liudong node: metrics at /metrics (see docs/monitoring.md)\n".to_string(),
        ),
        (_, "/metrics" | "/") => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "only GET and HEAD are served\n".to_string(),
        ),
        _ => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found: the metrics are at /metrics\n".to_string(),
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&response).await?;
    stream.shutdown().await
}
/// Binds and serves the metrics endpoint if `[metrics] listen` is set.
pub async fn start_metrics(
    cfg: &NodeConfig,
    node: &Arc<Node>,
    cancel: &CancellationToken,
    tasks: &TaskTracker,
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
    let (node, cancel) = (node.clone(), cancel.clone());
    tasks.spawn(async move {
        if let Err(e) = crate::metrics_http::serve_metrics(listener, node, cancel).await {
            tracing::error!(error = %e, "metrics endpoint stopped");
        }
    });
    Ok(Some(bound))
}

/// Reads the gauges of `node` from its store and renders every metric.
/// Blocking (store reads): call it off the async runtime.
pub fn scrape(node: &Node) -> Result<String, liudong_sync::SyncError> {
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
    Ok(node.metrics().render(&gauges))
}
