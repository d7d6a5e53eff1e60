//! Reaching a node from an operator command: [`NodeAccess`], the running
//! node's loopback admin service or, when the node is stopped, its store.
//!
//! Whichever door a command goes through, each method answers the same Rust
//! types (a [`NodeReport`], an [`Answer`], a [`VerifyReport`], audit
//! entries …), and both doors run the same library functions, so both write
//! the same audit trail. A failure answered by the running node keeps its
//! gRPC code ([`AccessError`]).

use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::monitoring::Shown;
use crate::query::{Answer, OperatorQuery, Query, QueryError, WrongAnswer};
use crate::status::NodeReport;
use crate::wire::{Wire, WireError};
use liudong_core::{Body, CitizenId, Code, CodeError, Hlc, NodeScope, RecordId};
use liudong_i18n::t;
use liudong_proto::pb;
use liudong_store::audit::{AuditEntry, AuditFilter};
use liudong_store::{Draft, StoreError};
use liudong_sync::verify::VerifyReport;
use liudong_sync::{Node, SyncError, SyncProgress, VerifyProgress, system_clock};
use serde::Deserialize;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

type AdminClient = pb::admin_client::AdminClient<tonic::transport::Channel>;

/// Why an operator command could not get its answer from the node.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{}", t!("access-record-json"))]
    RecordJson(#[source] serde_json::Error),
    #[error("{}", t!("access-field", field = "subject"))]
    RecordSubject(#[source] liudong_core::citizen::CitizenIdError),
    /// `origin` or `residence` of operator JSON.
    #[error("{}", t!("access-field", field = *field))]
    RecordPlace {
        field: &'static str,
        #[source]
        source: CodeError,
    },
    /// A stopped node without an upstream asked to sync or verify: `to` is
    /// "sync" or "verify".
    #[error("{}", if *to == "verify" { t!("access-no-upstream-verify") } else { t!("access-no-upstream-sync") })]
    NoUpstream { to: &'static str },
    /// The upstream has no address yet (`[upstream]` without `url`).
    #[error("{}", unaddressed(.upstream))]
    UpstreamUnaddressed { upstream: Code },
    /// A county on the JetStream cluster verifies through its running
    /// node (the proofs are read over its connection to the cluster and
    /// checked with the keys it holds).
    #[error("{}", t!("verify-cluster-stopped", node = node.to_string()))]
    ClusterStopped { node: Code },
    /// A session or a verification of a stopped node with its upstream failed.
    #[error("{}", if *what == "verify" {
        t!("access-upstream-verify", upstream = upstream.to_string(), url = url.as_str())
    } else {
        t!("access-upstream-sync", upstream = upstream.to_string(), url = url.as_str())
    })]
    Upstream {
        what: &'static str,
        upstream: Code,
        url: String,
        #[source]
        source: Box<SyncError>,
    },
    /// The running node refused the request as wrong (`INVALID_ARGUMENT`);
    /// the message names the field.
    #[error("{message}")]
    Invalid { message: String },
    /// What was asked for is not held at the node (`NOT_FOUND`).
    #[error("{message}")]
    NotFound { message: String },
    /// The running node cannot do this as configured, e.g. it has no
    /// upstream (`FAILED_PRECONDITION`).
    #[error("{message}")]
    Precondition { message: String },
    /// The work failed at the running node and may succeed later, e.g. its
    /// upstream could not be reached (`UNAVAILABLE`).
    #[error("{message}")]
    Unavailable { message: String },
    /// A write whose answer did not arrive (the connection broke, the node
    /// stopped): it may or may not be stored. Retrying it with the same
    /// request id is safe: the node stores nothing twice.
    #[error("{}", liudong_i18n::t!("write-outcome-unknown", code = code.to_string(), message = message.as_str(), id = request_id.as_str()))]
    OutcomeUnknown {
        code: tonic::Code,
        message: String,
        request_id: String,
    },
    /// Any other status of the running node, its code kept (for programs;
    /// the operator reads the message).
    #[error("{message}")]
    Status { code: tonic::Code, message: String },
    /// The running node's reply does not carry a well-formed answer.
    #[error("{}", t!("access-reply-invalid", what = *what))]
    Reply {
        what: &'static str,
        #[source]
        source: WireError,
    },
    /// The running node's streamed reply does not decode.
    #[error("{}", liudong_i18n::t!("reply-not-decoded", what = *what))]
    ReplyBytes {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error(transparent)]
    WrongAnswer(#[from] WrongAnswer),
    /// The stopped node's store cannot be opened.
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Sync(Box<SyncError>),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
}

/// The message of [`AccessError::UpstreamUnaddressed`].
pub fn unaddressed(upstream: &Code) -> String {
    liudong_i18n::t!("topo-upstream-unaddressed", upstream = upstream.to_string())
}

impl From<SyncError> for AccessError {
    fn from(e: SyncError) -> AccessError {
        AccessError::Sync(Box::new(e))
    }
}

impl AccessError {
    /// The error for a status the running node answered.
    pub fn from_status(s: tonic::Status) -> AccessError {
        let message = s.message().to_string();
        match s.code() {
            tonic::Code::InvalidArgument => AccessError::Invalid { message },
            tonic::Code::NotFound => AccessError::NotFound { message },
            tonic::Code::FailedPrecondition => AccessError::Precondition { message },
            tonic::Code::Unavailable => AccessError::Unavailable { message },
            code => AccessError::Status { code, message },
        }
    }

    /// The gRPC code, for a failure the running node answered.
    pub fn code(&self) -> Option<tonic::Code> {
        Some(match self {
            AccessError::Invalid { .. } => tonic::Code::InvalidArgument,
            AccessError::NotFound { .. } => tonic::Code::NotFound,
            AccessError::Precondition { .. } => tonic::Code::FailedPrecondition,
            AccessError::Unavailable { .. } => tonic::Code::Unavailable,
            AccessError::Status { code, .. } | AccessError::OutcomeUnknown { code, .. } => *code,
            _ => return None,
        })
    }
}

type Result<T, E = AccessError> = std::result::Result<T, E>;

/// The error for a status a write of request `request_id` met: a status
/// that does not say whether the node wrote (a broken connection, a node
/// that stopped, a cancelled call) is [`AccessError::OutcomeUnknown`].
pub fn write_error(s: tonic::Status, request_id: &str) -> AccessError {
    use tonic::Code::*;
    match s.code() {
        Unknown | Unavailable | Cancelled | DeadlineExceeded | Internal | Aborted => {
            AccessError::OutcomeUnknown {
                code: s.code(),
                message: s.message().to_string(),
                request_id: request_id.to_string(),
            }
        }
        _ => AccessError::from_status(s),
    }
}

/// A new request id for one operator write, unique on this machine:
/// `prefix`, the time in ms and the process id (at most 64 characters for
/// a prefix of up to 30).
pub fn new_request_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{:x}-{:x}-{:x}",
        system_clock()(),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The request id of a batch write determined by its records: the same
/// records (with the same `skip_identical`) give the same id, so writing a
/// ledger again after an interrupted import replays what landed.
pub fn content_request_id(prefix: &str, drafts: &[Draft], skip_identical: bool) -> String {
    let d = liudong_store::requests::digest(drafts, skip_identical);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

fn reply<T: Wire>(what: &'static str, m: T::Message) -> Result<T> {
    T::from_wire(m).map_err(|source| AccessError::Reply { what, source })
}

/// Reads a reply streamed in pieces (see `ReplyChunk` in admin.proto): no
/// message limit applies to the whole, only to each piece.
pub async fn gather<M: prost::Message + Default>(
    what: &'static str,
    r: std::result::Result<tonic::Response<tonic::Streaming<pb::ReplyChunk>>, tonic::Status>,
) -> Result<M> {
    let mut stream = r.map_err(AccessError::from_status)?.into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.message().await.map_err(AccessError::from_status)? {
        bytes.extend_from_slice(&chunk.data);
    }
    M::decode(bytes.as_slice()).map_err(|source| AccessError::ReplyBytes { what, source })
}

/// A record as an operator writes it (`liudong record add`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// Operator account writing the record.
    pub operator: String,
    /// Citizen ID of the person.
    pub subject: String,
    /// 12-digit village code of the registered locality; a correction or an
    /// inflow acknowledgement leaves it out (the node sets it from the record
    /// it refers to).
    #[serde(default)]
    pub origin: Option<String>,
    /// 12-digit village code of the residence, when known (left out of a
    /// correction or an acknowledgement; a return or residence change left
    /// without it names the residence held for the person).
    #[serde(default)]
    pub residence: Option<String>,
    /// The record body, e.g. `{"outflow_registered": {"leave_date": "2026-10-01"}}`.
    pub body: Body,
}

/// Parses operator JSON into a draft, naming the field at fault.
pub fn parse_input(json: &str) -> Result<Draft> {
    let input: RecordInput = serde_json::from_str(json).map_err(AccessError::RecordJson)?;
    let place = |field| move |source| AccessError::RecordPlace { field, source };
    Ok(Draft {
        operator: input.operator,
        subject: CitizenId::parse(&input.subject).map_err(AccessError::RecordSubject)?,
        origin: input
            .origin
            .as_deref()
            .map(Code::parse)
            .transpose()
            .map_err(place("origin"))?,
        residence: input
            .residence
            .as_deref()
            .map(Code::parse)
            .transpose()
            .map_err(place("residence"))?,
        body: input.body,
    })
}

/// A draft as an admin write request.
pub fn to_request(d: &Draft) -> pb::WriteRecordRequest {
    pb::WriteRecordRequest {
        operator: d.operator.clone(),
        subject: d.subject.as_str().to_string(),
        origin: d
            .origin
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        residence: d
            .residence
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        body: Some(liudong_proto::body_to_pb(&d.body)),
        request_id: None,
    }
}

/// Largest admin `WriteRecords` request sent (the admin service accepts
/// gRPC messages up to 4 MiB).
pub const ADMIN_REQUEST_BYTES: usize = 1 << 20;

/// Largest admin reply piece read (status, verify; the query and audit
/// answers stream in pieces of 1 MiB, see [`gather`]).
const ADMIN_REPLY_BYTES: usize = 64 << 20;

/// The drafts as admin write requests, grouped into messages of at most
/// [`ADMIN_REQUEST_BYTES`] (a single larger record goes alone).
pub fn admin_requests(drafts: &[Draft]) -> Vec<Vec<pb::WriteRecordRequest>> {
    use prost::Message;
    let mut out: Vec<Vec<pb::WriteRecordRequest>> = Vec::new();
    let mut size = 0;
    for d in drafts {
        let r = to_request(d);
        let len = r.encoded_len() + 8;
        match out.last_mut() {
            Some(last) if size + len <= ADMIN_REQUEST_BYTES => last.push(r),
            _ => {
                out.push(vec![r]);
                size = 0;
            }
        }
        size += len;
    }
    out
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub id: RecordId,
    pub hlc: Hlc,
    /// An identical record was already held: nothing was written, this is it.
    pub existing: bool,
}

impl Written {
    fn from_pb(
        what: &'static str,
        id: Option<pb::RecordId>,
        hlc: u64,
        existing: bool,
    ) -> Result<Written> {
        Ok(Written {
            id: crate::wire::id_from_pb("id", id)
                .map_err(|source| AccessError::Reply { what, source })?,
            hlc: Hlc(hlc),
            existing,
        })
    }
}

/// What one sync session moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncCounts {
    /// Records pushed up.
    pub pushed: u64,
    /// New records pulled down.
    pub pulled: u64,
}

/// The upstream a stopped node dials for `sync --once` and `verify`.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub scope: NodeScope,
    pub url: String,
    /// The node's transport options (its TLS identity).
    pub net: liudong_net::NetOptions,
}

/// The running node or the stopped store: how an operator command reaches
/// a node.
pub enum NodeAccess {
    /// The node runs: its loopback admin service.
    Running {
        admin: AdminClient,
        /// The upstream's code, to name it in progress lines.
        upstream: Option<Code>,
    },
    /// The node is stopped: its store, opened in this process.
    Stopped {
        node: Arc<Node>,
        upstream: Option<Box<Upstream>>,
        /// The upstream it will dial once it has an address.
        awaiting: Option<Code>,
        /// Its exchange is the JetStream cluster (`[exchange] nats`).
        on_cluster: bool,
    },
}

impl NodeAccess {
    /// The running node's admin service if it answers, else the node's store
    /// (refused if another process holds it).
    pub async fn open(cfg: &NodeConfig) -> Result<NodeAccess> {
        match connect(cfg).await {
            Some(admin) => Ok(NodeAccess::running(cfg, admin)),
            None => NodeAccess::stopped(cfg),
        }
    }

    /// The running node through `admin`.
    pub fn running(cfg: &NodeConfig, admin: AdminClient) -> NodeAccess {
        NodeAccess::Running {
            admin: admin.max_decoding_message_size(ADMIN_REPLY_BYTES),
            upstream: cfg.parent.as_ref().map(|(p, _)| p.code.clone()),
        }
    }

    /// The store of the node `cfg` describes, which must not be running.
    pub fn stopped(cfg: &NodeConfig) -> Result<NodeAccess> {
        let store = crate::runner::open_store(cfg)?;
        Ok(NodeAccess::Stopped {
            awaiting: cfg.awaiting_upstream.as_ref().map(|p| p.code.clone()),
            on_cluster: cfg.exchange.nats.is_some(),
            node: Node::new(store, cfg.sync.clone(), system_clock()),
            upstream: cfg.parent.as_ref().map(|(scope, url)| {
                Box::new(Upstream {
                    scope: scope.clone(),
                    url: url.clone(),
                    net: cfg.net.clone(),
                })
            }),
        })
    }

    /// True for the running node's door.
    pub fn is_running(&self) -> bool {
        matches!(self, NodeAccess::Running { .. })
    }

    /// Validates and writes one record authored by this node.
    pub async fn write(&mut self, draft: Draft) -> Result<Written> {
        self.write_request(draft, None).await
    }

    /// [`NodeAccess::write`] with the client's request id (see
    /// `liudong_store::requests`): the same write sent again with the same
    /// id stores nothing twice and answers what the first stored
    /// (`existing` set). A write whose answer is lost is
    /// [`AccessError::OutcomeUnknown`], naming the id to retry with.
    pub async fn write_request(
        &mut self,
        draft: Draft,
        request_id: Option<&str>,
    ) -> Result<Written> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let mut req = to_request(&draft);
                req.request_id = request_id.map(str::to_string);
                let r = admin
                    .write_record(req)
                    .await
                    .map_err(|s| match request_id {
                        Some(id) => write_error(s, id),
                        None => AccessError::from_status(s),
                    })?
                    .into_inner();
                Written::from_pb("write", r.id, r.hlc, r.replayed.unwrap_or(false))
            }
            NodeAccess::Stopped { node, .. } => {
                let w = node
                    .write_local_request(draft, request_id.map(str::to_string))
                    .await?;
                Ok(Written {
                    id: w.record.id,
                    hlc: w.record.hlc,
                    existing: w.existing,
                })
            }
        }
    }

    /// Validates and writes a batch of records authored by this node, one
    /// entry per draft in order; with `skip_identical`, a record identical
    /// to one held about the same person is not written again. On a stopped
    /// node the batch is one store transaction; through the admin service a
    /// batch larger than [`ADMIN_REQUEST_BYTES`] goes as several (each its
    /// own transaction: writing the batch again skips what landed).
    pub async fn write_batch(
        &mut self,
        drafts: Vec<Draft>,
        skip_identical: bool,
    ) -> Result<Vec<Written>> {
        self.write_batch_request(drafts, skip_identical, None).await
    }

    /// [`NodeAccess::write_batch`] with the client's request id: each admin
    /// message of the batch carries `request_id` and its number
    /// (`<id>.<n>`), so the batch sent again stores nothing twice.
    pub async fn write_batch_request(
        &mut self,
        drafts: Vec<Draft>,
        skip_identical: bool,
        request_id: Option<&str>,
    ) -> Result<Vec<Written>> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let mut out = Vec::with_capacity(drafts.len());
                for (n, records) in admin_requests(&drafts).into_iter().enumerate() {
                    let id = request_id.map(|id| format!("{id}.{n}"));
                    let r = admin
                        .write_records(pb::WriteRecordsRequest {
                            records,
                            skip_identical,
                            request_id: id.clone(),
                        })
                        .await
                        .map_err(|s| match &id {
                            Some(id) => write_error(s, id),
                            None => AccessError::from_status(s),
                        })?
                        .into_inner();
                    for w in r.records {
                        out.push(Written::from_pb("write", w.id, w.hlc, w.existing)?);
                    }
                }
                Ok(out)
            }
            NodeAccess::Stopped { node, .. } => Ok(node
                .write_local_batch_request(drafts, skip_identical, request_id.map(str::to_string))
                .await?
                .0
                .into_iter()
                .map(|w| Written {
                    id: w.record.id,
                    hlc: w.record.hlc,
                    existing: w.existing,
                })
                .collect()),
        }
    }

    /// The node's status: its links, cursors, backlogs and receipts.
    pub async fn status(&mut self) -> Result<NodeReport> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let r = admin
                    .status(pb::StatusRequest {})
                    .await
                    .map_err(AccessError::from_status)?;
                reply("status", r.into_inner())
            }
            NodeAccess::Stopped { node, .. } => {
                let node = node.clone();
                Ok(
                    tokio::task::spawn_blocking(move || crate::status::report_node(&node))
                        .await??,
                )
            }
        }
    }

    /// One complete sync session with the upstream, its progress shown.
    pub async fn sync_once(&mut self) -> Result<SyncCounts> {
        match self {
            NodeAccess::Running { admin, upstream } => {
                let label = match upstream {
                    Some(code) => t!("access-progress-sync-with", upstream = code.to_string()),
                    None => t!("access-progress-sync"),
                };
                let shown = Shown::start_admin(admin.clone(), label, 1, false);
                let r = admin.sync_now(pb::SyncNowRequest {}).await;
                shown.stop().await;
                let r = r.map_err(AccessError::from_status)?.into_inner();
                Ok(SyncCounts {
                    pushed: r.pushed,
                    pulled: r.pulled,
                })
            }
            NodeAccess::Stopped {
                node,
                upstream,
                awaiting,
                ..
            } => {
                let up = upstream
                    .as_deref()
                    .ok_or_else(|| no_upstream(awaiting, "sync"))?;
                let connector = liudong_net::GrpcConnector::new(&up.url, up.net.clone())?;
                use liudong_sync::Connect;
                let label = t!(
                    "access-progress-sync-with",
                    upstream = up.scope.code.to_string()
                );
                let shown = Shown::start(node, label, 1, false);
                let s = liudong_sync::run_client_session(
                    node.clone(),
                    &up.scope,
                    false,
                    |rx| connector.open(rx),
                    CancellationToken::new(),
                )
                .await;
                shown.stop().await;
                let s = s.map_err(|source| AccessError::Upstream {
                    what: "sync",
                    upstream: up.scope.code.clone(),
                    url: up.url.clone(),
                    source: Box::new(source),
                })?;
                node.store().flush()?;
                Ok(SyncCounts {
                    pushed: s.sent,
                    pulled: s.received,
                })
            }
        }
    }

    /// Audits the store and compares the node's scope with its upstream;
    /// with `repair`, transfers what is missing both ways. Its steps are shown.
    pub async fn verify(&mut self, repair: bool) -> Result<VerifyReport> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let shown = Shown::start_admin(admin.clone(), String::new(), u64::MAX, true);
                let r = admin.verify_now(pb::VerifyNowRequest { repair }).await;
                shown.stop().await;
                let r = r.map_err(AccessError::from_status)?.into_inner();
                reply("verify", r)
            }
            NodeAccess::Stopped {
                node,
                upstream,
                awaiting,
                on_cluster,
            } => {
                if *on_cluster {
                    return Err(AccessError::ClusterStopped {
                        node: node.scope().code.clone(),
                    });
                }
                let up = upstream
                    .as_deref()
                    .ok_or_else(|| no_upstream(awaiting, "verify"))?;
                let peer = liudong_net::verify::GrpcVerifier::new(&up.url, up.net.clone())?;
                let shown = Shown::start(node, String::new(), u64::MAX, true);
                let r =
                    liudong_sync::verify::run_verify(node.clone(), &up.scope, &peer, repair).await;
                shown.stop().await;
                let r = r.map_err(|source| AccessError::Upstream {
                    what: "verify",
                    upstream: up.scope.code.clone(),
                    url: up.url.clone(),
                    source: Box::new(source),
                })?;
                node.store().flush()?;
                Ok(r)
            }
        }
    }

    /// Answers `operator`'s query; the node's audit trail records who
    /// viewed what.
    pub async fn query(&mut self, operator: &str, q: &Query) -> Result<Answer> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let request = OperatorQuery {
                    operator: operator.to_string(),
                    query: q.clone(),
                }
                .to_wire();
                let r: pb::QueryResponse = gather("query", admin.query(request).await).await?;
                reply("query", r)
            }
            NodeAccess::Stopped { node, .. } => {
                let (node, operator, q) = (node.clone(), operator.to_string(), q.clone());
                Ok(tokio::task::spawn_blocking(move || {
                    crate::query::run(node.store(), &operator, &q, node.now_ms())
                })
                .await??)
            }
        }
    }

    /// The audit trail's entries that `filter` selects, oldest first.
    pub async fn audit(&mut self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let r = admin
                    .audit(pb::AuditRequest {
                        since_ms: filter.since_ms.unwrap_or(0),
                        peer: filter.peer.clone().unwrap_or_default(),
                        subject: filter.subject.clone().unwrap_or_default(),
                        limit: filter.limit.map_or(0, |l| l.try_into().unwrap_or(u32::MAX)),
                    })
                    .await;
                let r: pb::AuditResponse = gather("audit", r).await?;
                r.entries.into_iter().map(|e| reply("audit", e)).collect()
            }
            NodeAccess::Stopped { node, .. } => {
                let (store, filter) = (node.store().clone(), filter.clone());
                Ok(tokio::task::spawn_blocking(move || store.audit_query(&filter)).await??)
            }
        }
    }

    /// The progress of the node's current (or last) sync session with its
    /// upstream and of its verification.
    pub async fn progress(&mut self) -> Result<(SyncProgress, VerifyProgress)> {
        match self {
            NodeAccess::Running { admin, .. } => {
                let r = admin
                    .progress(pb::ProgressRequest {})
                    .await
                    .map_err(AccessError::from_status)?;
                Ok(crate::monitoring::from_admin(&r.into_inner()))
            }
            NodeAccess::Stopped { node, .. } => Ok((
                node.sync_progress().borrow().clone(),
                node.verify_progress().borrow().clone(),
            )),
        }
    }

    /// Makes what this command wrote durable: the stopped node's store is
    /// flushed (the running node flushes what it acknowledges itself).
    pub async fn flush(&self) -> Result<()> {
        if let NodeAccess::Stopped { node, .. } = self {
            let store = node.store().clone();
            tokio::task::spawn_blocking(move || store.flush()).await??;
        }
        Ok(())
    }
}

/// Why a stopped node cannot `to` its upstream: it has none, or not its
/// address yet.
fn no_upstream(awaiting: &Option<Code>, to: &'static str) -> AccessError {
    match awaiting {
        Some(upstream) => AccessError::UpstreamUnaddressed {
            upstream: upstream.clone(),
        },
        None => AccessError::NoUpstream { to },
    }
}

/// Connects to the running node's admin service, if there is one.
async fn connect(cfg: &NodeConfig) -> Option<AdminClient> {
    let addr = cfg.admin_listen?;
    if addr.port() == 0 {
        return None;
    }
    liudong_net::admin_client(&addr.to_string()).await.ok()
}

/// The operator named for this process by the binary's `--operator`.
static OPERATOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names the operator running this process's commands (the binary's
/// `--operator`, which also reads `LIUDONG_OPERATOR`); the first name set
/// stays.
pub fn set_operator(name: &str) {
    let name = name.trim();
    if !name.is_empty() {
        let _ = OPERATOR.set(name.to_string());
    }
}

/// Who runs an operator command, as the audit trail will record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// Named: `--operator` or `LIUDONG_OPERATOR`.
    Named(String),
    /// Not named: the login name (`USER`, `LOGNAME`) stands in.
    Login(String),
    /// Neither.
    Unknown,
}

/// Who runs this command: `--operator`, else `LIUDONG_OPERATOR`, else the
/// login name.
pub fn who() -> Operator {
    who_with(OPERATOR.get().map(String::as_str), |k| {
        std::env::var(k).ok()
    })
}

fn who_with(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Operator {
    let named = flag
        .map(str::to_string)
        .or_else(|| env("LIUDONG_OPERATOR"))
        .filter(|v| !v.trim().is_empty());
    if let Some(n) = named {
        return Operator::Named(n.trim().to_string());
    }
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.is_empty()))
        .map_or(Operator::Unknown, Operator::Login)
}

/// The operator running this command, for the audit trail (see [`who`]);
/// `unknown` if nobody can be named (the binary refuses views then).
pub fn operator() -> String {
    match who() {
        Operator::Named(n) | Operator::Login(n) => n,
        Operator::Unknown => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_requests_stay_under_the_message_limit() {
        let subject = liudong_core::synth::citizen_id(
            &mut liudong_core::synth::SynthRng::new(1),
            "410602",
            liudong_core::Date::new(1990, 1, 1).unwrap(),
            liudong_core::record::Sex::Female,
        );
        let draft = |address: String| Draft {
            operator: "op".into(),
            subject: subject.clone(),
            origin: Some(Code::parse("440306018001").unwrap()),
            residence: Some(Code::parse("410602100001").unwrap()),
            body: Body::InflowRegistered(liudong_core::record::InflowRegistered {
                arrival_date: liudong_core::Date::new(2026, 1, 1).unwrap(),
                address,
                employer: String::new(),
                certificate_number: None,
            }),
        };
        // 4,000 records of ~600 bytes: more than one request, each under the limit.
        let drafts: Vec<Draft> = (0..4000).map(|i| draft(format!("{i:0>200}路"))).collect();
        let reqs = admin_requests(&drafts);
        assert!(reqs.len() > 1);
        assert_eq!(reqs.iter().map(Vec::len).sum::<usize>(), drafts.len());
        for r in &reqs {
            let msg = pb::WriteRecordsRequest {
                records: r.clone(),
                skip_identical: true,
                request_id: Some(format!("{}.99", "x".repeat(60))),
            };
            assert!(prost::Message::encoded_len(&msg) <= ADMIN_REQUEST_BYTES);
        }
        // Small batches stay one request.
        assert_eq!(admin_requests(&drafts[..10]).len(), 1);
    }

    #[test]
    fn statuses_of_the_running_node_keep_their_code_and_text() {
        let e = AccessError::from_status(tonic::Status::invalid_argument("subject: bad"));
        assert!(matches!(e, AccessError::Invalid { .. }));
        assert_eq!(e.code(), Some(tonic::Code::InvalidArgument));
        // The operator reads the node's message, not the gRPC code's name.
        assert_eq!(e.to_string(), "subject: bad");
        let e = AccessError::from_status(tonic::Status::permission_denied("no"));
        assert_eq!(e.code(), Some(tonic::Code::PermissionDenied));
        assert_eq!(e.to_string(), "no");
        for s in [
            tonic::Status::not_found("x"),
            tonic::Status::failed_precondition("x"),
            tonic::Status::unavailable("x"),
        ] {
            let code = s.code();
            let e = AccessError::from_status(s);
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.to_string(), "x");
        }
    }

    #[test]
    fn the_operator_is_named_by_flag_or_environment_else_the_login_stands_in() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let all: &[(&str, &str)] = &[("LIUDONG_OPERATOR", "张三"), ("USER", "liudong")];
        assert_eq!(
            who_with(Some("李四"), env(all)),
            Operator::Named("李四".into())
        );
        assert_eq!(who_with(None, env(all)), Operator::Named("张三".into()));
        let login: &[(&str, &str)] = &[("LIUDONG_OPERATOR", " "), ("USER", "liudong")];
        assert_eq!(
            who_with(None, env(login)),
            Operator::Login("liudong".into())
        );
        assert_eq!(
            who_with(None, env(&[("LOGNAME", "x")])),
            Operator::Login("x".into())
        );
        assert_eq!(who_with(None, env(&[])), Operator::Unknown);
    }

    #[test]
    fn operator_json_errors_name_the_field() {
        let e = parse_input("{").unwrap_err();
        assert!(e.to_string().starts_with("记录 JSON 格式不正确"), "{e}");
        let e = parse_input(
            r#"{"operator":"o","subject":"x","origin":"410602100001","body":{"returned":{"return_date":"2026-01-01"}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "字段 subject");
    }

    #[test]
    fn a_correction_may_leave_its_places_to_the_node() {
        let json = r#"{"operator":"o","subject":"410602199001011231","body":{"correction":{"target":{"node":"410602100001","seq":1},"reason":"录入错误"}}}"#;
        let d = parse_input(json).unwrap();
        assert_eq!((d.origin.as_ref(), d.residence.as_ref()), (None, None));
        // Over the admin API too: empty strings are "left out".
        let back = crate::admin::draft_from_request(to_request(&d)).unwrap();
        assert_eq!((back.origin, back.residence), (None, None));
        assert_eq!(back.body, d.body);
    }
}
