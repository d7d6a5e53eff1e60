//! gRPC services: `Sync` for peers, `Admin` for local operators.

use crate::convert::{client_from_pb, server_to_pb};
use crate::status::{query_status, to_status};
use futures::{Stream, StreamExt};
use liudong_core::{CitizenId, Code};
use liudong_proto::pb;
use liudong_store::Draft;
use liudong_sync::{LinkHandle, Node, PeerInfo, serve_session};
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

type FrameStream = Pin<Box<dyn Stream<Item = Result<pb::ServerFrame, Status>> + Send>>;

/// The peer-facing sync service.
pub struct SyncService {
    node: Arc<Node>,
    cancel: CancellationToken,
}

impl SyncService {
    pub fn new(node: Arc<Node>, cancel: CancellationToken) -> SyncService {
        SyncService { node, cancel }
    }
}

#[tonic::async_trait]
impl pb::sync_server::Sync for SyncService {
    type SessionStream = FrameStream;

    async fn session(
        &self,
        request: Request<Streaming<pb::ClientFrame>>,
    ) -> Result<Response<FrameStream>, Status> {
        let peer = PeerInfo {
            verified_code: None,
            addr: request.remote_addr().map(|a| a.to_string()),
        };
        let inbound = request.into_inner().map(|f| match f {
            Ok(frame) => client_from_pb(frame),
            Err(s) => Err(crate::status::from_inbound(&s)),
        });
        let (tx, rx) = mpsc::channel(16);
        let node = self.node.clone();
        let cancel = self.cancel.child_token();
        tokio::spawn(async move {
            if let Err(e) = serve_session(node, peer, Box::pin(inbound), tx.clone(), cancel).await {
                let _ = tx.send(Err(e)).await;
            }
        });
        let out = ReceiverStream::new(rx).map(|m| m.map(server_to_pb).map_err(|e| to_status(&e)));
        Ok(Response::new(Box::pin(out)))
    }
}

/// The local operator service (served on the loopback admin address only).
pub struct AdminService {
    node: Arc<Node>,
    link: Option<LinkHandle>,
    verifier: Option<liudong_sync::verify::Verifier>,
}

impl AdminService {
    pub fn new(node: Arc<Node>, link: Option<LinkHandle>) -> AdminService {
        AdminService {
            node,
            link,
            verifier: None,
        }
    }

    /// Lets `VerifyNow` compare this node with its upstream.
    pub fn with_verifier(mut self, v: liudong_sync::verify::Verifier) -> AdminService {
        self.verifier = Some(v);
        self
    }
}

fn bad(field: &str, e: impl std::fmt::Display) -> Status {
    Status::invalid_argument(format!("{field}: {e}"))
}

/// Turns an admin write request into a draft, naming the first bad field.
pub fn draft_from_request(r: pb::WriteRecordRequest) -> Result<Draft, Status> {
    let body = r.body.as_ref().ok_or_else(|| bad("body", "missing"))?;
    Ok(Draft {
        operator: r.operator,
        subject: CitizenId::parse(&r.subject).map_err(|e| bad("subject", e))?,
        origin: Code::parse(&r.origin).map_err(|e| bad("origin", e))?,
        residence: if r.residence.is_empty() {
            None
        } else {
            Some(Code::parse(&r.residence).map_err(|e| bad("residence", e))?)
        },
        body: liudong_proto::body_from_pb(body).map_err(|e| bad("body", e))?,
    })
}

#[tonic::async_trait]
impl pb::admin_server::Admin for AdminService {
    async fn write_record(
        &self,
        request: Request<pb::WriteRecordRequest>,
    ) -> Result<Response<pb::WriteRecordResponse>, Status> {
        let draft = draft_from_request(request.into_inner())?;
        let record = self
            .node
            .write_local(draft)
            .await
            .map_err(|e| to_status(&e))?;
        tracing::info!(record = %record.id, kind = record.body.kind(), "record written");
        Ok(Response::new(pb::WriteRecordResponse {
            id: Some(pb::RecordId {
                node: record.id.node.as_str().to_string(),
                seq: record.id.seq,
            }),
            hlc: record.hlc.0,
        }))
    }

    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusResponse>, Status> {
        let store = self.node.store().clone();
        let report = tokio::task::spawn_blocking(move || liudong_sync::status::report(&store))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| to_status(&e))?;
        let json = serde_json::to_string(&report).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::StatusResponse { json }))
    }

    async fn sync_now(
        &self,
        _: Request<pb::SyncNowRequest>,
    ) -> Result<Response<pb::SyncNowResponse>, Status> {
        let link = self
            .link
            .as_ref()
            .ok_or_else(|| Status::failed_precondition("this node has no upstream to sync with"))?;
        let stats = link.sync_now().await.map_err(Status::unavailable)?;
        Ok(Response::new(pb::SyncNowResponse {
            pushed: stats.sent,
            pulled: stats.received,
        }))
    }

    async fn verify_now(
        &self,
        request: Request<pb::VerifyNowRequest>,
    ) -> Result<Response<pb::VerifyNowResponse>, Status> {
        let v = self.verifier.as_ref().ok_or_else(|| {
            Status::failed_precondition("this node has no upstream to verify against")
        })?;
        let report = v
            .run(request.into_inner().repair)
            .await
            .map_err(|e| to_status(&e))?;
        let json = serde_json::to_string(&report).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::VerifyNowResponse { json }))
    }

    async fn query(
        &self,
        request: Request<pb::QueryRequest>,
    ) -> Result<Response<pb::QueryResponse>, Status> {
        let q: liudong_sync::query::Query = serde_json::from_str(&request.into_inner().json)
            .map_err(|e| Status::invalid_argument(format!("query: {e}")))?;
        let node = self.node.clone();
        let answer = tokio::task::spawn_blocking(move || {
            liudong_sync::query::run(node.store(), &q, node.now_ms())
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(query_status)?;
        Ok(Response::new(pb::QueryResponse {
            json: answer.to_string(),
        }))
    }
}
