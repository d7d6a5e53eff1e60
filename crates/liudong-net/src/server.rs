//! gRPC services: `Sync` for peers, `Admin` for local operators.

use crate::convert::{client_from_pb, server_to_pb};
use crate::status::{query_status, to_status};
use crate::tls::TlsContext;
use futures::{Stream, StreamExt};
use liudong_core::{CitizenId, Code};
use liudong_proto::pb;
use liudong_store::Draft;
use liudong_sync::{LinkHandle, Node, PeerInfo, SyncError, serve_session};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

type FrameStream = Pin<Box<dyn Stream<Item = Result<pb::ServerFrame, Status>> + Send>>;

/// The peer-facing sync service.
pub struct SyncService {
    node: Arc<Node>,
    cancel: CancellationToken,
    tls: Option<Arc<TlsContext>>,
}

impl SyncService {
    pub fn new(node: Arc<Node>, cancel: CancellationToken) -> SyncService {
        SyncService {
            node,
            cancel,
            tls: None,
        }
    }

    /// Requires every session to come with a verified client certificate.
    pub fn with_tls(mut self, tls: Arc<TlsContext>) -> SyncService {
        self.tls = Some(tls);
        self
    }
}

/// The verified identity of a request's peer: `Ok(None)` without TLS.
/// With TLS the certificate is checked again (revocation may have changed
/// since the handshake, and HTTP/2 reuses connections); a refusal is
/// audited.
pub(crate) async fn verified_peer<T>(
    node: &Arc<Node>,
    tls: Option<&Arc<TlsContext>>,
    request: &Request<T>,
) -> Result<PeerInfo, Status> {
    let addr = request.remote_addr().map(|a| a.to_string());
    let Some(tls) = tls else {
        return Ok(PeerInfo {
            verified_code: None,
            addr,
            fingerprint: None,
        });
    };
    let checked = match request.peer_certs() {
        None => Err("no client certificate".to_string()),
        Some(certs) => match certs.first() {
            None => Err("no client certificate".to_string()),
            Some(der) => tls.check(der).map_err(|e| e.to_string()),
        },
    };
    match checked {
        Ok(id) => Ok(PeerInfo {
            verified_code: Some(id.code),
            addr,
            fingerprint: Some(id.fingerprint),
        }),
        Err(reason) => {
            tracing::warn!(addr = addr.as_deref().unwrap_or("-"), error = %reason, "peer refused");
            node.metrics().refused("certificate");
            let fp = request
                .peer_certs()
                .and_then(|c| c.first().map(|d| crate::tls::fingerprint(d)));
            let peer = request
                .peer_certs()
                .and_then(|c| c.first().and_then(|d| crate::tls::cert_code(d).ok()))
                .map(|c| c.to_string());
            let store = node.store().clone();
            let event = liudong_store::audit::AuditEvent::Refused {
                peer,
                fingerprint: fp,
                addr,
                reason: reason.clone(),
            };
            let _ = tokio::task::spawn_blocking(move || store.audit_append(event)).await;
            Err(Status::permission_denied(format!(
                "client certificate refused: {reason}"
            )))
        }
    }
}

/// Cancels `session` when the certificate `fingerprint` is revoked; returns
/// the flag telling that this is why the session ended.
fn cut_on_revocation(
    tls: &Arc<TlsContext>,
    fingerprint: String,
    session: CancellationToken,
) -> Arc<AtomicBool> {
    let revoked = Arc::new(AtomicBool::new(false));
    let flag = revoked.clone();
    let revocation = tls.revocation().clone();
    let mut changes = revocation.subscribe();
    tokio::spawn(async move {
        loop {
            if revocation.is_revoked(&fingerprint) {
                flag.store(true, Ordering::SeqCst);
                session.cancel();
                return;
            }
            tokio::select! {
                _ = session.cancelled() => return,
                r = changes.changed() => if r.is_err() { return },
            }
        }
    });
    revoked
}

#[tonic::async_trait]
impl pb::sync_server::Sync for SyncService {
    type SessionStream = FrameStream;

    async fn session(
        &self,
        request: Request<Streaming<pb::ClientFrame>>,
    ) -> Result<Response<FrameStream>, Status> {
        let peer = verified_peer(&self.node, self.tls.as_ref(), &request).await?;
        let inbound = request.into_inner().map(|f| match f {
            Ok(frame) => client_from_pb(frame),
            Err(s) => Err(crate::status::from_inbound(&s)),
        });
        let (tx, rx) = mpsc::channel(16);
        let node = self.node.clone();
        let cancel = self.cancel.child_token();
        let revoked = match (&self.tls, &peer.fingerprint) {
            (Some(tls), Some(fp)) => Some((
                cut_on_revocation(tls, fp.clone(), cancel.clone()),
                peer.verified_code.clone(),
                fp.clone(),
            )),
            _ => None,
        };
        tokio::spawn(async move {
            let cancel_guard = cancel.clone().drop_guard();
            let result = serve_session(
                node.clone(),
                peer.clone(),
                Box::pin(inbound),
                tx.clone(),
                cancel,
            )
            .await;
            drop(cancel_guard);
            let err = match (result, revoked) {
                (Ok(_), _) => return,
                (Err(SyncError::Cancelled), Some((flag, Some(code), fp)))
                    if flag.load(Ordering::SeqCst) =>
                {
                    let e = SyncError::Revoked {
                        peer: code.clone(),
                        fingerprint: fp.clone(),
                    };
                    tracing::warn!(peer = %code, fingerprint = %fp, "live session ended: certificate revoked");
                    node.metrics().refused("revoked");
                    liudong_sync::audit::write_refusal(
                        &node,
                        &code.to_string(),
                        peer.fingerprint.clone(),
                        peer.addr.clone(),
                        &e,
                    )
                    .await;
                    e
                }
                (Err(e), _) => e,
            };
            let _ = tx.send(Err(err)).await;
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
                draft_from_request(w)
                    .map_err(|s| Status::invalid_argument(format!("record #{i}: {}", s.message())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .node
            .write_local_batch(drafts, r.skip_identical)
            .await
            .map_err(|e| to_status(&e))?;
        let new = out.iter().filter(|w| !w.existing).count();
        tracing::info!(
            records = new,
            existing = out.len() - new,
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
        }))
    }

    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusResponse>, Status> {
        let node = self.node.clone();
        let report = tokio::task::spawn_blocking(move || liudong_sync::status::report_node(&node))
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

    async fn audit(
        &self,
        request: Request<pb::AuditRequest>,
    ) -> Result<Response<pb::AuditResponse>, Status> {
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
        let json = serde_json::to_string(&entries).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::AuditResponse { json }))
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
        let q: liudong_sync::query::OperatorQuery =
            serde_json::from_str(&request.into_inner().json)
                .map_err(|e| Status::invalid_argument(format!("query: {e}")))?;
        let node = self.node.clone();
        let answer = tokio::task::spawn_blocking(move || {
            liudong_sync::query::run(node.store(), &q.operator, &q.query, node.now_ms())
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(query_status)?;
        Ok(Response::new(pb::QueryResponse {
            json: answer.to_string(),
        }))
    }
}
