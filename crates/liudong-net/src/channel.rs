//! The connection to the upstream: transport options, the TLS dialer and
//! the lazily made channel that sync sessions and verify calls share.

use crate::tls::TlsContext;
use futures::future::BoxFuture;
use liudong_sync::SyncError;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::TcpStream;
use tonic::transport::{Channel, Endpoint};

/// HTTP/2 flow-control windows: large enough for a window of full batches in
/// flight (the 64 KiB protocol default stalls every batch on a round trip).
pub const STREAM_WINDOW: u32 = 8 << 20;
/// See [`STREAM_WINDOW`].
pub const CONNECTION_WINDOW: u32 = 16 << 20;

/// Transport settings of a client or server.
#[derive(Debug, Clone)]
pub struct NetOptions {
    /// Largest gRPC message accepted or sent.
    pub max_message_bytes: usize,
    /// HTTP/2 keepalive ping interval (detects dead links in live sessions).
    pub keepalive: Duration,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Mutual TLS identity and trust; `None` is plaintext (loopback only,
    /// `insecure = true`).
    pub tls: Option<Arc<TlsContext>>,
    /// Most concurrent HTTP/2 streams a peer may open on one connection (server side).
    pub max_streams: u32,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions {
            max_message_bytes: 16 << 20,
            keepalive: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            tls: None,
            max_streams: 32,
        }
    }
}

/// Applies the client TLS configuration of `opts` to an upstream endpoint.
/// Dials the upstream over TLS with the node's own verifier
/// ([`crate::tls::TlsContext::dial_config`]: chain, code, jurisdiction and
/// revocation), one TCP connection per call, TCP_NODELAY.
#[derive(Clone)]
struct TlsDialer {
    config: Arc<rustls::ClientConfig>,
    name: rustls::pki_types::ServerName<'static>,
    refusal: TlsRefusal,
}

/// The fatal TLS alert that ended the last connection to the upstream, if
/// any, until a call's error takes it. With TLS 1.3 the upstream refuses
/// this node's certificate only after the client has finished its
/// handshake, so the alert (e.g. `CertificateRevoked`) arrives on the
/// established connection and a call on it may report no more than
/// "connection closed"; the alert is kept here to say why.
#[derive(Clone, Default, Debug)]
pub struct TlsRefusal(Arc<Mutex<Option<String>>>);

impl TlsRefusal {
    fn set(&self, what: Option<String>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = what;
    }

    /// Takes the alert recorded since it was last taken.
    pub fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    #[cfg(test)]
    pub(crate) fn record_for_test(&self, alert: &str) {
        self.set(Some(alert.to_string()));
    }
}

/// A connection that records a fatal TLS alert received on it.
struct Watched<S> {
    inner: S,
    refusal: TlsRefusal,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Err(e)) = &r
            && let Some(alert @ rustls::Error::AlertReceived(_)) =
                e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            self.refusal.set(Some(alert.to_string()));
        }
        r
    }
}

crate::forward::forward_async_write!(Watched);

impl tonic::codegen::Service<tonic::codegen::http::Uri> for TlsDialer {
    type Response = hyper_util::rt::TokioIo<Watched<tokio_rustls::client::TlsStream<TcpStream>>>;
    type Error = std::io::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: tonic::codegen::http::Uri) -> Self::Future {
        let dialer = self.clone();
        Box::pin(async move {
            let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
            let port = uri.port_u16().unwrap_or(443);
            let tcp = TcpStream::connect((host, port)).await?;
            tcp.set_nodelay(true)?;
            let tls = tokio_rustls::TlsConnector::from(dialer.config)
                .connect(dialer.name, tcp)
                .await?;
            dialer.refusal.set(None);
            Ok(hyper_util::rt::TokioIo::new(Watched {
                inner: tls,
                refusal: dialer.refusal,
            }))
        })
    }
}

/// The channel to the upstream at `url` (made lazily, re-established as
/// needed): timeouts, keepalive, flow-control windows, TCP_NODELAY and,
/// when configured, the node's TLS identity and checks.
pub fn upstream_channel(url: &str, opts: &NetOptions) -> Result<Channel, SyncError> {
    Ok(upstream_link(url, opts)?.0)
}

/// [`upstream_channel`], and where its connections record a TLS alert that
/// ended them.
pub fn upstream_link(url: &str, opts: &NetOptions) -> Result<(Channel, TlsRefusal), SyncError> {
    let bad =
        |e: &dyn std::fmt::Display| SyncError::Transport(format!("upstream address {url:?}: {e}"));
    let refusal = TlsRefusal::default();
    let Some(tls) = &opts.tls else {
        let channel = endpoint(url, opts)
            .map_err(|e| bad(&e))?
            .tcp_nodelay(true)
            .connect_lazy();
        return Ok((channel, refusal));
    };
    // The dialer does TLS itself, so the endpoint is told plain http (tonic
    // refuses an https address it does not secure); the peer sees TLS.
    let plain = match url.strip_prefix("https://") {
        Some(rest) => format!("http://{rest}"),
        None => {
            return Err(bad(&"with [tls] the upstream url must start with https://"));
        }
    };
    let (config, name) = tls
        .dial_config()
        .map_err(|e| SyncError::Transport(e.to_string()))?;
    let channel = endpoint(&plain, opts)
        .map_err(|e| bad(&e))?
        .connect_with_connector_lazy(TlsDialer {
            config,
            name,
            refusal: refusal.clone(),
        });
    Ok((channel, refusal))
}

fn endpoint(url: &str, opts: &NetOptions) -> Result<Endpoint, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_string())?
        .connect_timeout(opts.connect_timeout)
        .http2_keep_alive_interval(opts.keepalive)
        .keep_alive_timeout(opts.keepalive)
        .keep_alive_while_idle(true)
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW))
}
