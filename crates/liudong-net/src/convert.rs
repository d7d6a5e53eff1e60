//! Sync messages ↔ protobuf frames.

use liudong_proto::pb;
use liudong_sync::{Batch, ClientMsg, Hello, ServerMsg, SyncError, Welcome};

fn batch_to(b: Batch) -> pb::Batch {
    pb::Batch {
        records: b.records,
        cursor: b.cursor,
        drained: b.drained,
        remaining: b.remaining,
    }
}

fn batch_from(b: pb::Batch) -> Batch {
    Batch {
        records: b.records,
        cursor: b.cursor,
        drained: b.drained,
        remaining: b.remaining,
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
            sealed: w.sealed,
        }),
        Some(Frame::PushAck(a)) => ServerMsg::PushAck(a.cursor),
        Some(Frame::Pull(b)) => ServerMsg::Pull(batch_from(b)),
        None => return Err(SyncError::Protocol("empty or unknown server frame".into())),
    })
}
