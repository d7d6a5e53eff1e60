//! Reaching a node from an operator command: through the running node's
//! loopback admin service, or, when the node is stopped, its store directly.

use crate::config::NodeConfig;
use crate::query::Query;
use anyhow::{Context, Result};
use liudong_core::{Body, CitizenId, Code};
use liudong_proto::pb;
use liudong_store::Draft;
use liudong_store::audit::{AuditEntry, AuditFilter};
use liudong_sync::{Node, system_clock};
use serde::Deserialize;
use std::sync::Arc;

/// A record as an operator writes it (`liudong record add`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// Operator account writing the record.
    pub operator: String,
    /// Citizen ID of the person.
    pub subject: String,
    /// 12-digit village code of the registered locality.
    pub origin: String,
    /// 12-digit village code of the residence, when known.
    #[serde(default)]
    pub residence: Option<String>,
    /// The record body, e.g. `{"outflow_registered": {"leave_date": "2026-10-01"}}`.
    pub body: Body,
}

/// Parses operator JSON into a draft, naming the field at fault.
pub fn parse_input(json: &str) -> Result<Draft> {
    let input: RecordInput = serde_json::from_str(json)
        .context("record JSON is not valid (see `liudong record add --help` for the format)")?;
    Ok(Draft {
        operator: input.operator,
        subject: CitizenId::parse(&input.subject).context("field subject")?,
        origin: Code::parse(&input.origin).context("field origin")?,
        residence: input
            .residence
            .as_deref()
            .map(Code::parse)
            .transpose()
            .context("field residence")?,
        body: input.body,
    })
}

pub fn to_request(d: &Draft) -> pb::WriteRecordRequest {
    pb::WriteRecordRequest {
        operator: d.operator.clone(),
        subject: d.subject.as_str().to_string(),
        origin: d.origin.as_str().to_string(),
        residence: d
            .residence
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        body: Some(liudong_proto::body_to_pb(&d.body)),
    }
}

/// Connects to the running node's admin service, if there is one.
pub async fn admin(
    cfg: &NodeConfig,
) -> Option<pb::admin_client::AdminClient<tonic::transport::Channel>> {
    let addr = cfg.admin_listen?;
    if addr.port() == 0 {
        return None;
    }
    liudong_net::admin_client(&addr.to_string()).await.ok()
}

pub fn status_error(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", s.code(), s.message())
}

pub fn offline_node(cfg: &NodeConfig) -> Result<Arc<Node>> {
    let store = crate::runner::open_store(cfg)?;
    Ok(Node::new(store, cfg.sync.clone(), system_clock()))
}

/// The operator running this command, for the audit trail: `LIUDONG_OPERATOR`,
/// else the login name.
pub fn operator() -> String {
    ["LIUDONG_OPERATOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Runs a query at the running node, or on the store if the node is stopped;
/// either way the node's audit trail records who viewed what.
pub async fn query(cfg: &NodeConfig, q: &Query) -> Result<serde_json::Value> {
    let operator = operator();
    match admin(cfg).await {
        Some(mut c) => {
            let r = c
                .query(pb::QueryRequest {
                    json: serde_json::to_string(&crate::query::OperatorQuery {
                        operator,
                        query: q.clone(),
                    })?,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            Ok(serde_json::from_str(&r.json)?)
        }
        None => {
            let store = crate::runner::open_store(cfg)?;
            let now = liudong_sync::system_clock()();
            Ok(crate::query::run(&store, &operator, q, now)?)
        }
    }
}

/// The audit trail through the running node, or from the store when it is stopped.
pub async fn read_audit(cfg: &NodeConfig, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
    match admin(cfg).await {
        Some(mut client) => {
            let r = client
                .audit(pb::AuditRequest {
                    since_ms: filter.since_ms.unwrap_or(0),
                    peer: filter.peer.unwrap_or_default(),
                    subject: filter.subject.unwrap_or_default(),
                    limit: filter.limit.unwrap_or(0) as u32,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            serde_json::from_str(&r.json).context("audit entries from the running node")
        }
        None => {
            let store = crate::runner::open_store(cfg)?;
            Ok(store.audit_query(&filter)?)
        }
    }
}
