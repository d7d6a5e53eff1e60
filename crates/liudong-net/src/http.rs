//! HTTP/1.1 for people and scrapers: an axum [`Router`] served on a tokio
//! listener, over TLS (tokio-rustls) or plaintext, one hyper connection per
//! accepted socket. Used by the node's `/metrics` endpoint and the web
//! console; the peers' gRPC (HTTP/2) is tonic's, in [`crate::serve_sync`].
//!
//! `axum::serve` only serves plain TCP with fixed connection settings, so
//! the accept loop is here: the TLS handshake and each request's head are
//! bounded in time, connections may be bounded in number and in total time,
//! every connection is a task in a [`TaskTracker`], and cancelling the
//! token stops accepting and lets open connections finish their request.

use axum::Router;
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// The client's address, in the extensions of every request served here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// How a [`serve_http`] server treats its connections.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// What the server is called in its log lines.
    pub name: &'static str,
    /// Time for the TLS handshake, and for each request's head, to arrive.
    pub read_timeout: Duration,
    /// Bound on a whole connection (`None`: none).
    pub connection_timeout: Option<Duration>,
    /// Serve further requests on a connection (`false`: one request, then
    /// the connection is closed).
    pub keep_alive: bool,
    /// Write header names in Title-Case (`Content-Type`), as simple
    /// clients that match header lines literally expect.
    pub title_case_headers: bool,
    /// Largest request head buffered, bytes (hyper's minimum is 8 KiB;
    /// `None`: hyper's default of about 400 KiB).
    pub max_head_bytes: Option<usize>,
    /// Connections served at once; further ones wait to be accepted
    /// (`None`: no bound).
    pub max_connections: Option<usize>,
    /// At shutdown, how long open connections may take to finish.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `cancel`: HTTPS with `tls`, plain
/// HTTP/1.1 without. Returns when every connection has ended or the
/// shutdown grace has passed.
pub async fn serve_http(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    opts: HttpOptions,
    cancel: CancellationToken,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let slots = opts.max_connections.map(|n| Arc::new(Semaphore::new(n)));
    let opts = Arc::new(opts);
    let conns = TaskTracker::new();
    loop {
        let permit = match &slots {
            Some(s) => tokio::select! {
                _ = cancel.cancelled() => break,
                p = s.clone().acquire_owned() => Some(p.expect("the semaphore is never closed")),
            },
            None => None,
        };
        let (tcp, peer) = tokio::select! {
            _ = cancel.cancelled() => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // E.g. out of file descriptors: back off, keep serving.
                    tracing::warn!(error = %e, server = opts.name, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (router, acceptor, opts, cancel) = (
            router.clone(),
            acceptor.clone(),
            opts.clone(),
            cancel.clone(),
        );
        conns.spawn(async move {
            let _permit = permit;
            let name = opts.name;
            let served = async {
                match acceptor {
                    Some(a) => match tokio::time::timeout(opts.read_timeout, a.accept(tcp)).await
                    {
                        Ok(Ok(s)) => connection(s, router, peer, &opts, cancel).await,
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, %peer, server = name, "TLS handshake failed")
                        }
                        Err(_) => {
                            tracing::debug!(%peer, server = name, "TLS handshake timed out")
                        }
                    },
                    None => connection(tcp, router, peer, &opts, cancel).await,
                }
            };
            match opts.connection_timeout {
                Some(t) => {
                    if tokio::time::timeout(t, served).await.is_err() {
                        tracing::debug!(%peer, server = name, "connection timed out");
                    }
                }
                None => served.await,
            }
        });
    }
    conns.close();
    let _ = tokio::time::timeout(opts.shutdown_grace, conns.wait()).await;
}

/// Serves the requests of one connection with `router`.
async fn connection<S>(
    stream: S,
    router: Router,
    peer: SocketAddr,
    opts: &HttpOptions,
    cancel: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ClientAddr(peer));
        router.clone().oneshot(req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(opts.read_timeout)
        .keep_alive(opts.keep_alive)
        .title_case_headers(opts.title_case_headers);
    if let Some(max) = opts.max_head_bytes {
        builder.max_buf_size(max.max(8192));
    }
    let conn = builder.serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => if let Err(e) = r {
            tracing::debug!(error = %e, %peer, server = opts.name, "connection ended");
        },
        _ = cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(opts.shutdown_grace, conn).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn options() -> HttpOptions {
        HttpOptions {
            name: "test",
            read_timeout: Duration::from_secs(5),
            connection_timeout: Some(Duration::from_secs(5)),
            keep_alive: false,
            title_case_headers: true,
            max_head_bytes: Some(8192),
            max_connections: Some(2),
            shutdown_grace: Duration::from_secs(1),
        }
    }

    async fn exchange(addr: SocketAddr, request: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut raw))
            .await
            .expect("the server closes the connection")
            .unwrap();
        String::from_utf8(raw).unwrap()
    }

    #[tokio::test]
    async fn serves_the_router_with_the_client_address_and_stops_on_cancel() {
        let router = Router::new().route(
            "/who",
            get(
                |axum::Extension(ClientAddr(a)): axum::Extension<ClientAddr>| async move {
                    a.ip().to_string()
                },
            ),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cancel = CancellationToken::new();
        let server = tokio::spawn(serve_http(
            listener,
            router,
            None,
            options(),
            cancel.clone(),
        ));
        let answer = exchange(addr, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("\r\nContent-Type: text/plain"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n127.0.0.1"), "{answer}");
        // A request head beyond the bound is refused.
        let big = format!(
            "GET /who HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(20_000)
        );
        let answer = exchange(addr, &big).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{answer}"
        );
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("the server stops")
            .unwrap();
    }
}
