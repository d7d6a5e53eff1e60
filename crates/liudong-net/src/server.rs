//! The peer-facing gRPC `Sync` service.

use crate::convert::{client_from_pb, server_to_pb};
use crate::status::to_status;
use crate::tls::{REFUSAL_KEY, Refusal, TlsContext};
use futures::{Stream, StreamExt};
use liudong_i18n::t;
use liudong_proto::pb;
use liudong_sync::{Node, PeerInfo, SyncError, serve_session};
use rustls::pki_types::CertificateDer;
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
pub async fn verified_peer<T>(
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
    let no_cert = || (Refusal::NoCertificate, t!("net-no-client-certificate"));
    let checked = match request.peer_certs() {
        None => Err(no_cert()),
        Some(certs) => match certs.first() {
            None => Err(no_cert()),
            Some(der) => tls.check(der).map_err(|e| (e.refusal(), e.to_string())),
        },
    };
    match checked {
        Ok(id) => Ok(PeerInfo {
            verified_code: Some(id.code),
            addr,
            fingerprint: Some(id.fingerprint),
        }),
        Err((refusal, reason)) => {
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
            Err(refused(refusal, &reason))
        }
    }
}

/// The status refusing a client certificate: the reason as text in this
/// node's language, and as its machine code in the metadata [`REFUSAL_KEY`]
/// (what the peer goes by).
pub fn refused(refusal: Refusal, reason: &str) -> Status {
    let mut s = Status::permission_denied(t!("net-client-refused", reason = reason));
    s.metadata_mut().insert(
        REFUSAL_KEY,
        tonic::metadata::MetadataValue::from_static(refusal.code()),
    );
    s
}

/// Cancels `session` when the CRLs in force come to revoke the peer's
/// certificate `cert` (a task of `node`); returns the flag telling that this
/// is why the session ended.
fn cut_on_revocation(
    node: &Node,
    tls: &Arc<TlsContext>,
    cert: CertificateDer<'static>,
    session: CancellationToken,
) -> Arc<AtomicBool> {
    let revoked = Arc::new(AtomicBool::new(false));
    let flag = revoked.clone();
    let tls = tls.clone();
    let mut changes = tls.revocation().subscribe();
    node.spawn(async move {
        loop {
            if tls.is_revoked(&cert) {
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
        let cert = request.peer_certs().and_then(|c| c.first().cloned());
        let inbound = request.into_inner().map(|f| match f {
            Ok(frame) => client_from_pb(frame),
            Err(s) => Err(crate::status::from_inbound(&s)),
        });
        let (tx, rx) = mpsc::channel(16);
        let node = self.node.clone();
        let cancel = self.cancel.child_token();
        let revoked = match (&self.tls, &peer.fingerprint, cert) {
            (Some(tls), Some(fp), Some(cert)) => Some((
                cut_on_revocation(&self.node, tls, cert, cancel.clone()),
                peer.verified_code.clone(),
                fp.clone(),
            )),
            _ => None,
        };
        self.node.spawn(async move {
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
