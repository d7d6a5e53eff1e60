//! The `Verify` service over gRPC: the upper node's service and the lower
//! node's client, with the conversions between verify messages and protobuf.

use crate::channel::{NetOptions, TlsRefusal, upstream_link};
use crate::status::{from_link_status, to_status};
use futures::future::BoxFuture;
use liudong_core::{Code, RecordId};
use liudong_proto::pb;
use liudong_store::fingerprint::{Bucket, Digest, Hash};
use liudong_sync::verify::{VerifyAnswer, VerifyPeer, VerifyQuery, VerifyRequest, serve_verify};
use liudong_sync::{Node, SyncError};
use std::sync::Arc;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

fn bad(what: &str) -> SyncError {
    SyncError::Protocol(format!("verify message: {what}"))
}

fn digest_to(d: &Digest) -> pb::Digest {
    pb::Digest {
        xor: d.xor.to_vec(),
        count: d.count,
    }
}

fn digest_from(d: Option<pb::Digest>) -> Result<Digest, SyncError> {
    let d = d.ok_or_else(|| bad("digest missing"))?;
    Ok(Digest {
        xor: d
            .xor
            .as_slice()
            .try_into()
            .map_err(|_| bad("digest must be 16 bytes"))?,
        count: d.count,
    })
}

fn bucket_to(b: &Bucket) -> pb::BucketRef {
    pb::BucketRef {
        month: b.month,
        area: b.area.clone(),
    }
}

fn bucket_from(b: Option<pb::BucketRef>) -> Result<Bucket, SyncError> {
    let b = b.ok_or_else(|| bad("bucket missing"))?;
    if b.area.len() > 32
        || !b
            .area
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'>')
    {
        return Err(bad(
            "bucket area must be a division code (or source>destination for envelopes)",
        ));
    }
    Ok(Bucket {
        month: b.month,
        area: b.area,
    })
}

fn id_to(id: &RecordId) -> pb::VerifyRecordId {
    pb::VerifyRecordId {
        node: id.node.as_str().to_string(),
        seq: id.seq,
    }
}

fn id_from(id: Option<pb::VerifyRecordId>) -> Result<RecordId, SyncError> {
    let id = id.ok_or_else(|| bad("record id missing"))?;
    Ok(RecordId {
        node: Code::parse(&id.node).map_err(|e| bad(&format!("record id node: {e}")))?,
        seq: id.seq,
    })
}

pub fn request_to_pb(r: VerifyRequest) -> pb::VerifyRequest {
    use pb::verify_request::Query;
    let query = match r.query {
        VerifyQuery::Root => Query::Root(pb::Empty {}),
        VerifyQuery::Months => Query::Months(pb::Empty {}),
        VerifyQuery::Buckets(months) => Query::Buckets(pb::Months { months }),
        VerifyQuery::Members(bs) => Query::Members(pb::Buckets {
            buckets: bs.iter().map(bucket_to).collect(),
        }),
        VerifyQuery::Fetch(ids) => Query::Fetch(pb::RecordIds {
            ids: ids.iter().map(id_to).collect(),
        }),
        VerifyQuery::FetchSealed(ids) => Query::FetchEnvelopes(pb::EnvelopeIds {
            envelopes: ids
                .iter()
                .map(|(id, d)| pb::EnvelopeRef {
                    id: Some(id_to(id)),
                    destination: d.as_str().to_string(),
                })
                .collect(),
        }),
        VerifyQuery::Offer(records) => Query::Offer(pb::RecordBatch { records }),
    };
    pb::VerifyRequest {
        version: r.version,
        node: r.node,
        query: Some(query),
    }
}

pub fn request_from_pb(r: pb::VerifyRequest) -> Result<VerifyRequest, SyncError> {
    use pb::verify_request::Query;
    let query = match r.query.ok_or_else(|| bad("empty or unknown query"))? {
        Query::Root(_) => VerifyQuery::Root,
        Query::Months(_) => VerifyQuery::Months,
        Query::Buckets(m) => VerifyQuery::Buckets(m.months),
        Query::Members(b) => VerifyQuery::Members(
            b.buckets
                .into_iter()
                .map(|b| bucket_from(Some(b)))
                .collect::<Result<_, _>>()?,
        ),
        Query::Fetch(ids) => VerifyQuery::Fetch(
            ids.ids
                .into_iter()
                .map(|i| id_from(Some(i)))
                .collect::<Result<_, _>>()?,
        ),
        Query::Offer(b) => VerifyQuery::Offer(b.records),
        Query::FetchEnvelopes(e) => VerifyQuery::FetchSealed(
            e.envelopes
                .into_iter()
                .map(|r| {
                    let d = Code::parse(&r.destination)
                        .map_err(|e| bad(&format!("envelope destination: {e}")))?;
                    Ok((id_from(r.id)?, d))
                })
                .collect::<Result<_, SyncError>>()?,
        ),
    };
    Ok(VerifyRequest {
        version: r.version,
        node: r.node,
        query,
    })
}

pub fn answer_to_pb(a: VerifyAnswer) -> pb::VerifyResponse {
    pb::VerifyResponse {
        version: a.version,
        node: a.node,
        root: a.root.as_ref().map(digest_to),
        months: a
            .months
            .iter()
            .map(|(m, d)| pb::MonthDigest {
                month: *m,
                digest: Some(digest_to(d)),
            })
            .collect(),
        buckets: a
            .buckets
            .iter()
            .map(|(b, d)| pb::BucketDigest {
                bucket: Some(bucket_to(b)),
                digest: Some(digest_to(d)),
            })
            .collect(),
        members: a
            .members
            .iter()
            .map(|(b, id, h)| pb::Member {
                bucket: Some(bucket_to(b)),
                id: Some(id_to(id)),
                hash: h.to_vec(),
            })
            .collect(),
        records: a.records,
        applied_new: a.applied_new,
        applied_duplicate: a.applied_duplicate,
    }
}

pub fn answer_from_pb(a: pb::VerifyResponse) -> Result<VerifyAnswer, SyncError> {
    Ok(VerifyAnswer {
        version: a.version,
        node: a.node,
        root: a.root.map(|d| digest_from(Some(d))).transpose()?,
        months: a
            .months
            .into_iter()
            .map(|m| Ok((m.month, digest_from(m.digest)?)))
            .collect::<Result<_, SyncError>>()?,
        buckets: a
            .buckets
            .into_iter()
            .map(|b| Ok((bucket_from(b.bucket)?, digest_from(b.digest)?)))
            .collect::<Result<_, SyncError>>()?,
        members: a
            .members
            .into_iter()
            .map(|m| {
                let h: Hash = m
                    .hash
                    .as_slice()
                    .try_into()
                    .map_err(|_| bad("member hash must be 16 bytes"))?;
                Ok((bucket_from(m.bucket)?, id_from(m.id)?, h))
            })
            .collect::<Result<_, SyncError>>()?,
        records: a.records,
        applied_new: a.applied_new,
        applied_duplicate: a.applied_duplicate,
    })
}

/// The upper node's `Verify` service.
pub struct VerifyService {
    node: Arc<Node>,
    tls: Option<Arc<crate::tls::TlsContext>>,
}

impl VerifyService {
    pub fn new(node: Arc<Node>) -> VerifyService {
        VerifyService { node, tls: None }
    }

    /// Requires a verified client certificate naming the requesting node.
    pub fn with_tls(mut self, tls: Arc<crate::tls::TlsContext>) -> VerifyService {
        self.tls = Some(tls);
        self
    }
}

#[tonic::async_trait]
impl pb::verify_server::Verify for VerifyService {
    async fn verify(
        &self,
        request: Request<pb::VerifyRequest>,
    ) -> Result<Response<pb::VerifyResponse>, Status> {
        let peer = crate::server::verified_peer(&self.node, self.tls.as_ref(), &request).await?;
        let req = request_from_pb(request.into_inner()).map_err(|e| to_status(&e))?;
        let node = req.node.clone();
        // `serve_verify` audits its refusals.
        let ans = serve_verify(self.node.clone(), peer, req).await;
        let ans = match ans {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(peer = %node, error = %e, "verify request refused");
                return Err(to_status(&e));
            }
        };
        Ok(Response::new(answer_to_pb(ans)))
    }
}

/// Longest a single verify call may take.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The lower node's `Verify` client.
pub struct GrpcVerifier {
    channel: Channel,
    opts: NetOptions,
    refusal: TlsRefusal,
}

impl GrpcVerifier {
    /// A verifier for the upstream at `url` (connected lazily).
    pub fn new(url: &str, opts: NetOptions) -> Result<GrpcVerifier, SyncError> {
        let (channel, refusal) = upstream_link(url, &opts)?;
        Ok(GrpcVerifier::on(channel, opts, refusal))
    }

    /// A verifier over an existing connection to the upstream.
    pub(crate) fn on(channel: Channel, opts: NetOptions, refusal: TlsRefusal) -> GrpcVerifier {
        GrpcVerifier {
            channel,
            opts,
            refusal,
        }
    }
}

impl VerifyPeer for GrpcVerifier {
    fn call(&self, req: VerifyRequest) -> BoxFuture<'static, Result<VerifyAnswer, SyncError>> {
        let mut client = pb::verify_client::VerifyClient::new(self.channel.clone())
            .max_decoding_message_size(self.opts.max_message_bytes)
            .max_encoding_message_size(self.opts.max_message_bytes);
        let refusal = self.refusal.clone();
        Box::pin(async move {
            let mut request = tonic::Request::new(request_to_pb(req));
            request.set_timeout(CALL_TIMEOUT);
            let r = client
                .verify(request)
                .await
                .map_err(|s| from_link_status(&s, &refusal))?;
            answer_from_pb(r.into_inner())
        })
    }
}
