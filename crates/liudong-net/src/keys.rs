//! The `Exchange` service over gRPC: an exchange node's key directory
//! (`Keys`) and the lower node's client.

use crate::channel::{NetOptions, TlsRefusal};
use crate::status::{from_link_status, to_status};
use futures::future::BoxFuture;
use liudong_proto::pb;
use liudong_sync::keys::{KeysAnswer, KeysPeer, KeysRequest, serve_keys};
use liudong_sync::{Node, SyncError};
use std::sync::Arc;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

/// Longest a key directory call may take.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// An exchange node's `Exchange` service.
pub struct KeysService {
    node: Arc<Node>,
    tls: Option<Arc<crate::tls::TlsContext>>,
}

impl KeysService {
    pub fn new(node: Arc<Node>) -> KeysService {
        KeysService { node, tls: None }
    }

    /// Requires a verified client certificate naming the requesting node.
    pub fn with_tls(mut self, tls: Arc<crate::tls::TlsContext>) -> KeysService {
        self.tls = Some(tls);
        self
    }
}

#[tonic::async_trait]
impl pb::exchange_server::Exchange for KeysService {
    async fn keys(
        &self,
        request: Request<pb::KeysRequest>,
    ) -> Result<Response<pb::KeysResponse>, Status> {
        let peer = crate::server::verified_peer(&self.node, self.tls.as_ref(), &request).await?;
        let r = request.into_inner();
        let node = r.node.clone();
        let (peer_fp, peer_addr) = (peer.fingerprint.clone(), peer.addr.clone());
        let req = KeysRequest {
            version: r.version,
            node: r.node,
            publish: r
                .publish
                .into_iter()
                .map(|a| prost::Message::encode_to_vec(&a))
                .collect(),
            after: r.after,
        };
        match serve_keys(self.node.clone(), peer, req).await {
            Ok(a) => Ok(Response::new(pb::KeysResponse {
                version: a.version,
                node: a.node,
                announcements: a
                    .announcements
                    .iter()
                    .filter_map(|b| prost::Message::decode(b.as_slice()).ok())
                    .collect(),
                next: a.next,
            })),
            Err(e) => {
                tracing::warn!(peer = %node, error = %e, "key directory request refused");
                if e.is_refusal() {
                    liudong_sync::audit::write_refusal(&self.node, &node, peer_fp, peer_addr, &e)
                        .await;
                }
                Err(to_status(&e))
            }
        }
    }
}

/// The lower node's key directory client, over its connection to the upstream.
pub struct GrpcKeys {
    channel: Channel,
    opts: NetOptions,
    refusal: TlsRefusal,
}

impl GrpcKeys {
    pub(crate) fn on(channel: Channel, opts: NetOptions, refusal: TlsRefusal) -> GrpcKeys {
        GrpcKeys {
            channel,
            opts,
            refusal,
        }
    }
}

impl KeysPeer for GrpcKeys {
    fn call(&self, req: KeysRequest) -> BoxFuture<'static, Result<KeysAnswer, SyncError>> {
        let mut client = pb::exchange_client::ExchangeClient::new(self.channel.clone())
            .max_decoding_message_size(self.opts.max_message_bytes)
            .max_encoding_message_size(self.opts.max_message_bytes);
        let refusal = self.refusal.clone();
        Box::pin(async move {
            let publish = req
                .publish
                .iter()
                .map(|b| prost::Message::decode(b.as_slice()))
                .collect::<Result<Vec<pb::KeyAnnouncement>, _>>()
                .map_err(|e| SyncError::Protocol(format!("key announcement: {e}")))?;
            let mut request = tonic::Request::new(pb::KeysRequest {
                version: req.version,
                node: req.node,
                publish,
                after: req.after,
            });
            request.set_timeout(CALL_TIMEOUT);
            let r = client
                .keys(request)
                .await
                .map_err(|s| from_link_status(&s, &refusal))?
                .into_inner();
            Ok(KeysAnswer {
                version: r.version,
                node: r.node,
                announcements: r
                    .announcements
                    .iter()
                    .map(prost::Message::encode_to_vec)
                    .collect(),
                next: r.next,
            })
        })
    }
}
