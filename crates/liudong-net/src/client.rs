//! Dialling the upstream.

use crate::channel::{NetOptions, TlsRefusal, upstream_link};
use crate::convert::{client_to_pb, server_from_pb};
use crate::status::from_link_status;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use liudong_proto::pb;
use liudong_sync::{ClientMsg, Connect, ServerMsg, SyncError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};

/// Opens sync sessions to one upstream over gRPC.
pub struct GrpcConnector {
    channel: Channel,
    opts: NetOptions,
    refusal: TlsRefusal,
}

impl GrpcConnector {
    /// A connector for `url` (e.g. `http://127.0.0.1:7400`). The connection is
    /// made lazily and re-established as needed.
    pub fn new(url: &str, opts: NetOptions) -> Result<GrpcConnector, SyncError> {
        let (channel, refusal) = upstream_link(url, &opts)?;
        Ok(GrpcConnector {
            channel,
            opts,
            refusal,
        })
    }

    /// An `Exchange` (key directory) client over this connector's connection.
    pub fn keys(&self) -> crate::keys::GrpcKeys {
        crate::keys::GrpcKeys::on(
            self.channel.clone(),
            self.opts.clone(),
            self.refusal.clone(),
        )
    }

    /// A `Verify` client over this connector's connection (one connection to
    /// the upstream carries both the sync sessions and the verifications).
    pub fn verifier(&self) -> crate::verify::GrpcVerifier {
        crate::verify::GrpcVerifier::on(
            self.channel.clone(),
            self.opts.clone(),
            self.refusal.clone(),
        )
    }
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
        let refusal = self.refusal.clone();
        Box::pin(async move {
            let frames = ReceiverStream::new(outbound).map(client_to_pb);
            let response = client
                .session(frames)
                .await
                .map_err(|s| from_link_status(&s, &refusal))?;
            let stream = response.into_inner().map(move |f| match f {
                Ok(frame) => server_from_pb(frame),
                Err(s) => Err(from_link_status(&s, &refusal)),
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
