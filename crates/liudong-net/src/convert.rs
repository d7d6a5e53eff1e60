//! Sync messages ↔ protobuf frames.

use liudong_proto::pb;
use liudong_sync::{Batch, ClientMsg, Hello, LowerLink, ServerMsg, SyncError, Welcome};

fn lower_to(links: Vec<LowerLink>) -> Vec<pb::LowerLink> {
    links
        .into_iter()
        .map(|l| pb::LowerLink {
            node: l.node,
            last_contact_ms: l.last_contact_ms,
            pending_out: l.pending_out,
            pending_in: l.pending_in,
            announced_interval_secs: l.announced_interval_secs,
            connected: l.connected,
            without_node: l.without_node,
            last_success_ms: l.last_success_ms,
            last_failure_ms: l.last_failure_ms,
            last_error: l.last_error,
        })
        .collect()
}

fn lower_from(links: Vec<pb::LowerLink>) -> Vec<LowerLink> {
    links
        .into_iter()
        .map(|l| LowerLink {
            node: l.node,
            last_contact_ms: l.last_contact_ms,
            pending_out: l.pending_out,
            pending_in: l.pending_in,
            announced_interval_secs: l.announced_interval_secs,
            connected: l.connected,
            without_node: l.without_node,
            last_success_ms: l.last_success_ms,
            last_failure_ms: l.last_failure_ms,
            last_error: l.last_error,
        })
        .collect()
}

fn batch_to(b: Batch) -> pb::Batch {
    pb::Batch {
        records: b.records,
        cursor: b.cursor,
        drained: b.drained,
        remaining: b.remaining,
        lower_links: lower_to(b.lower_links),
    }
}

fn batch_from(b: pb::Batch) -> Batch {
    Batch {
        records: b.records,
        cursor: b.cursor,
        drained: b.drained,
        remaining: b.remaining,
        lower_links: lower_from(b.lower_links),
    }
}

pub fn client_to_pb(m: ClientMsg) -> pb::ClientFrame {
    use pb::client_frame::Frame;
    let frame = match m {
        ClientMsg::Hello(h) => Frame::Hello(pb::Hello {
            protocol: h.protocol,
            node: h.node,
            pull_cursor: h.pull_cursor,
            live: h.live,
            max_batch: h.max_batch,
            sync_interval_secs: h.sync_interval_secs,
            backlog: h.backlog,
            lower_links: lower_to(h.lower_links),
            sealed: h.sealed,
        }),
        ClientMsg::Push(b) => Frame::Push(batch_to(b)),
        ClientMsg::PullAck(c) => Frame::PullAck(pb::Ack { cursor: c }),
    };
    pb::ClientFrame { frame: Some(frame) }
}

pub fn client_from_pb(f: pb::ClientFrame) -> Result<ClientMsg, SyncError> {
    use pb::client_frame::Frame;
    Ok(match f.frame {
        Some(Frame::Hello(h)) => ClientMsg::Hello(Hello {
            protocol: h.protocol,
            node: h.node,
            pull_cursor: h.pull_cursor,
            live: h.live,
            max_batch: h.max_batch,
            sync_interval_secs: h.sync_interval_secs,
            backlog: h.backlog,
            lower_links: lower_from(h.lower_links),
            sealed: h.sealed,
        }),
        Some(Frame::Push(b)) => ClientMsg::Push(batch_from(b)),
        Some(Frame::PullAck(a)) => ClientMsg::PullAck(a.cursor),
        None => return Err(SyncError::Protocol("empty or unknown client frame".into())),
    })
}

pub fn server_to_pb(m: ServerMsg) -> pb::ServerFrame {
    use pb::server_frame::Frame;
    let frame = match m {
        ServerMsg::Welcome(w) => Frame::Welcome(pb::Welcome {
            protocol: w.protocol,
            node: w.node,
            push_cursor: w.push_cursor,
            max_batch: w.max_batch,
            clock_ms: w.clock_ms,
            clock_in_doubt: w.clock_in_doubt.then_some(true),
            sealed: w.sealed,
        }),
        ServerMsg::PushAck(c) => Frame::PushAck(pb::Ack { cursor: c }),
        ServerMsg::Pull(b) => Frame::Pull(batch_to(b)),
    };
    pb::ServerFrame { frame: Some(frame) }
}

pub fn server_from_pb(f: pb::ServerFrame) -> Result<ServerMsg, SyncError> {
    use pb::server_frame::Frame;
    Ok(match f.frame {
        Some(Frame::Welcome(w)) => ServerMsg::Welcome(Welcome {
            protocol: w.protocol,
            node: w.node,
            push_cursor: w.push_cursor,
            max_batch: w.max_batch,
            clock_ms: w.clock_ms,
            clock_in_doubt: w.clock_in_doubt.unwrap_or(false),
            sealed: w.sealed,
        }),
        Some(Frame::PushAck(a)) => ServerMsg::PushAck(a.cursor),
        Some(Frame::Pull(b)) => ServerMsg::Pull(batch_from(b)),
        None => return Err(SyncError::Protocol("empty or unknown server frame".into())),
    })
}
