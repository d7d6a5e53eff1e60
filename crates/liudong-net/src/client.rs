//! Dialling the upstream.

use crate::convert::{client_to_pb, server_from_pb};
use crate::status::from_status;
use crate::tls::TlsContext;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use liudong_proto::pb;
use liudong_sync::{ClientMsg, Connect, ServerMsg, SyncError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};

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
pub(crate) fn with_tls(
    endpoint: Endpoint,
    opts: &NetOptions,
    url: &str,
) -> Result<Endpoint, SyncError> {
    let Some(tls) = &opts.tls else {
        return Ok(endpoint);
    };
    let cfg = tls
        .client_config()
        .map_err(|e| SyncError::Transport(e.to_string()))?;
    endpoint
        .tls_config(cfg)
        .map_err(|e| SyncError::Transport(format!("upstream address {url:?}: TLS: {e}")))
}

/// Opens sync sessions to one upstream over gRPC.
pub struct GrpcConnector {
    channel: Channel,
    opts: NetOptions,
}

impl GrpcConnector {
    /// A connector for `url` (e.g. `http://127.0.0.1:7400`). The connection is
    /// made lazily and re-established as needed.
    pub fn new(url: &str, opts: NetOptions) -> Result<GrpcConnector, SyncError> {
        Ok(GrpcConnector {
            channel: upstream_endpoint(url, &opts)?.connect_lazy(),
            opts,
        })
    }

    /// A `Verify` client over this connector's connection (one connection to
    /// the upstream carries both the sync sessions and the verifications).
    pub fn verifier(&self) -> crate::verify::GrpcVerifier {
        crate::verify::GrpcVerifier::on(self.channel.clone(), self.opts.clone())
    }
}

/// The endpoint of the upstream at `url`: timeouts, keepalive, flow-control
/// windows, TCP_NODELAY and, when configured, the node's TLS identity.
pub(crate) fn upstream_endpoint(url: &str, opts: &NetOptions) -> Result<Endpoint, SyncError> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|e| SyncError::Transport(format!("upstream address {url:?}: {e}")))?
        .connect_timeout(opts.connect_timeout)
        .http2_keep_alive_interval(opts.keepalive)
        .keep_alive_timeout(opts.keepalive)
        .keep_alive_while_idle(true)
        .initial_stream_window_size(crate::STREAM_WINDOW)
        .initial_connection_window_size(crate::CONNECTION_WINDOW)
        .tcp_nodelay(true);
    with_tls(endpoint, opts, url)
}

impl Connect for GrpcConnector {
    fn open(
        &self,
        outbound: mpsc::Receiver<ClientMsg>,
    ) -> BoxFuture<'static, Result<BoxStream<'static, Result<ServerMsg, SyncError>>, SyncError>>
    {
        let mut client = pb::sync_client::SyncClient::new(self.channel.clone())
            .max_decoding_message_size(self.opts.max_message_bytes)
            .max_encoding_message_size(self.opts.max_message_bytes);
        Box::pin(async move {
            let frames = ReceiverStream::new(outbound).map(client_to_pb);
            let response = client.session(frames).await.map_err(|s| from_status(&s))?;
            let stream = response.into_inner().map(|f| match f {
                Ok(frame) => server_from_pb(frame),
                Err(s) => Err(from_status(&s)),
            });
            Ok(stream.boxed())
        })
    }
}

/// A client of a node's local admin service.
pub async fn admin_client(
    addr: &str,
) -> Result<pb::admin_client::AdminClient<Channel>, tonic::transport::Error> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(3))
        .connect()
        .await?;
    Ok(pb::admin_client::AdminClient::new(channel))
}
