//! The local operator service (`Admin`), served only on the node's loopback
//! admin address: writes, status, sync and verify on demand, queries, the
//! audit trail and progress. Replies are typed messages (see
//! [`crate::wire`]); the same library functions answer a stopped node's
//! store (see [`crate::access`]).

use crate::wire::Wire;
use liudong_core::{CitizenId, Code};
use liudong_net::status::to_status;
use liudong_proto::pb;
use liudong_store::Draft;
use liudong_sync::{LinkHandle, Node, SyncError};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// Most bytes of a reply in one [`pb::ReplyChunk`].
pub const REPLY_CHUNK_BYTES: usize = 1 << 20;

/// A stream of reply pieces.
pub type ReplyStream =
    std::pin::Pin<Box<dyn futures::Stream<Item = Result<pb::ReplyChunk, Status>> + Send>>;

/// `reply` encoded and cut into pieces of at most [`REPLY_CHUNK_BYTES`]
/// (at least one, so an empty reply is one empty piece).
pub fn reply_chunks(reply: &impl prost::Message) -> Vec<pb::ReplyChunk> {
    let bytes = reply.encode_to_vec();
    let mut out: Vec<pb::ReplyChunk> = bytes
        .chunks(REPLY_CHUNK_BYTES)
        .map(|c| pb::ReplyChunk { data: c.to_vec() })
        .collect();
    if out.is_empty() {
        out.push(pb::ReplyChunk { data: Vec::new() });
    }
    out
}

fn streamed(reply: &impl prost::Message) -> Response<ReplyStream> {
    let chunks = reply_chunks(reply);
    Response::new(Box::pin(futures::stream::iter(chunks.into_iter().map(Ok))))
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
        origin: if r.origin.is_empty() {
            None
        } else {
            Some(Code::parse(&r.origin).map_err(|e| bad("origin", e))?)
        },
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
        let mut r = request.into_inner();
        let request_id = r.request_id.take();
        let draft = draft_from_request(r)?;
        let w = self
            .node
            .write_local_request(draft, request_id)
            .await
            .map_err(|e| to_status(&e))?;
        let record = &w.record;
        tracing::info!(record = %record.id, kind = record.body.kind(), replayed = w.existing, "record written");
        Ok(Response::new(pb::WriteRecordResponse {
            id: Some(pb::RecordId {
                node: record.id.node.as_str().to_string(),
                seq: record.id.seq,
            }),
            hlc: record.hlc.0,
            replayed: Some(w.existing),
        }))
    }

    async fn write_records(
        &self,
        request: Request<pb::WriteRecordsRequest>,
    ) -> Result<Response<pb::WriteRecordsResponse>, Status> {
        let r = request.into_inner();
        let drafts = r
            .records
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                draft_from_request(w).map_err(|s| {
                    Status::invalid_argument(liudong_i18n::t!(
                        "access-record-index",
                        index = i,
                        error = s.message()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (out, replayed) = self
            .node
            .write_local_batch_request(drafts, r.skip_identical, r.request_id)
            .await
            .map_err(|e| to_status(&e))?;
        let new = out.iter().filter(|w| !w.existing).count();
        tracing::info!(
            records = new,
            existing = out.len() - new,
            replayed,
            "record batch written"
        );
        Ok(Response::new(pb::WriteRecordsResponse {
            records: out
                .into_iter()
                .map(|w| pb::WrittenRecord {
                    id: Some(pb::RecordId {
                        node: w.record.id.node.as_str().to_string(),
                        seq: w.record.id.seq,
                    }),
                    hlc: w.record.hlc.0,
                    existing: w.existing,
                })
                .collect(),
            replayed: Some(replayed),
        }))
    }

    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusResponse>, Status> {
        let node = self.node.clone();
        let report = tokio::task::spawn_blocking(move || crate::status::report_node(&node))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(report.to_wire()))
    }

    async fn sync_now(
        &self,
        _: Request<pb::SyncNowRequest>,
    ) -> Result<Response<pb::SyncNowResponse>, Status> {
        let link = self.link.as_ref().ok_or_else(|| {
            Status::failed_precondition(match self.node.store().parent() {
                Some(p) if self.node.config().upstream_unaddressed => {
                    crate::access::unaddressed(&p.code)
                }
                _ => "this node has no upstream to sync with".to_string(),
            })
        })?;
        let stats = link.sync_now().await.map_err(Status::unavailable)?;
        Ok(Response::new(pb::SyncNowResponse {
            pushed: stats.sent,
            pulled: stats.received,
        }))
    }

    type AuditStream = ReplyStream;
    type QueryStream = ReplyStream;

    async fn audit(
        &self,
        request: Request<pb::AuditRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let r = request.into_inner();
        let filter = liudong_store::audit::AuditFilter {
            since_ms: (r.since_ms > 0).then_some(r.since_ms),
            peer: (!r.peer.is_empty()).then_some(r.peer),
            subject: (!r.subject.is_empty()).then_some(r.subject),
            limit: (r.limit > 0).then_some(r.limit as usize),
        };
        let store = self.node.store().clone();
        let entries = tokio::task::spawn_blocking(move || store.audit_query(&filter))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| to_status(&SyncError::Store(e)))?;
        Ok(streamed(&pb::AuditResponse {
            entries: entries.iter().map(Wire::to_wire).collect(),
        }))
    }

    async fn progress(
        &self,
        _: Request<pb::ProgressRequest>,
    ) -> Result<Response<pb::ProgressResponse>, Status> {
        let s = self.node.sync_progress().borrow().clone();
        let v = self.node.verify_progress().borrow().clone();
        Ok(Response::new(pb::ProgressResponse {
            sync_session: s.session,
            sync_pushed: s.pushed,
            sync_pulled: s.pulled,
            sync_push_total: s.push_total,
            sync_pull_total: s.pull_total,
            sync_done: s.done,
            verify_run: v.run,
            verify_step: v.step.to_string(),
            verify_done: v.done,
            verify_total: v.total,
        }))
    }

    async fn verify_now(
        &self,
        request: Request<pb::VerifyNowRequest>,
    ) -> Result<Response<pb::VerifyNowResponse>, Status> {
        let v = self.verifier.as_ref().ok_or_else(|| {
            Status::failed_precondition(liudong_i18n::t!("access-no-upstream-verify"))
        })?;
        let report = v
            .run(request.into_inner().repair)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(report.to_wire()))
    }

    async fn query(
        &self,
        request: Request<pb::QueryRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let q = crate::query::OperatorQuery::from_wire(request.into_inner())
            .map_err(|e| Status::invalid_argument(format!("query: {e}")))?;
        let node = self.node.clone();
        let answer = tokio::task::spawn_blocking(move || {
            crate::query::run(node.store(), &q.operator, &q.query, node.now_ms())
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(query_status)?;
        Ok(streamed(&answer.to_wire()))
    }
}

/// Maps an operator query error to a gRPC status.
pub fn query_status(e: crate::query::QueryError) -> Status {
    use crate::query::QueryError;
    match e {
        QueryError::Bad(m) => Status::invalid_argument(m),
        QueryError::NotFound(m) => Status::not_found(m),
        QueryError::Store(s) => to_status(&SyncError::Store(s)),
    }
}

/// Serves the admin service on an already-bound (loopback) listener until `shutdown`.
pub async fn serve_admin(
    listener: TcpListener,
    node: Arc<Node>,
    link: Option<LinkHandle>,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    tonic::transport::Server::builder()
        .add_service(pb::admin_server::AdminServer::new(AdminService::new(
            node, link,
        )))
        .serve_with_incoming_shutdown(liudong_net::incoming(listener), shutdown.cancelled_owned())
        .await
}

/// Serves a prepared admin service (e.g. one with a verifier) on a loopback listener until `shutdown`.
pub async fn serve_admin_service(
    listener: TcpListener,
    svc: AdminService,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    tonic::transport::Server::builder()
        .add_service(pb::admin_server::AdminServer::new(svc))
        .serve_with_incoming_shutdown(liudong_net::incoming(listener), shutdown.cancelled_owned())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn a_large_reply_is_cut_into_pieces_that_join_to_it() {
        let entry = pb::AuditEntry {
            seq: 1,
            time_ms: 2,
            ..Default::default()
        };
        let big = pb::AuditResponse {
            entries: vec![entry; 700_000],
        };
        let pieces = reply_chunks(&big);
        let sizes: Vec<usize> = pieces.iter().map(|p| p.data.len()).collect();
        assert!(big.encoded_len() > 3 * REPLY_CHUNK_BYTES);
        assert_eq!(pieces.len(), big.encoded_len().div_ceil(REPLY_CHUNK_BYTES));
        assert!(
            sizes.iter().all(|&n| n > 0 && n <= REPLY_CHUNK_BYTES),
            "{sizes:?}"
        );
        let joined: Vec<u8> = pieces.into_iter().flat_map(|p| p.data).collect();
        assert_eq!(pb::AuditResponse::decode(joined.as_slice()).unwrap(), big);
        // An empty reply is one empty piece.
        let empty = reply_chunks(&pb::AuditResponse::default());
        assert_eq!(empty, vec![pb::ReplyChunk { data: Vec::new() }]);
    }
}
