//! Who the peer of a served request is.

use crate::error::SyncError;
use crate::node::Node;
use liudong_core::{Code, NodeScope};

/// What the transport knows about the peer.
#[derive(Debug, Clone, Default)]
pub struct PeerInfo {
    /// Node code proven by the transport (e.g. a verified certificate).
    pub verified_code: Option<Code>,
    /// Remote address, for logs.
    pub addr: Option<String>,
    /// SHA-256 fingerprint of the peer's verified certificate, for the audit trail.
    pub fingerprint: Option<String>,
}

impl PeerInfo {
    /// The child this peer is, from the code it claims in `field`: the claim
    /// must parse, match the code its certificate proves (when the transport
    /// verified one), and name a direct child of `node`.
    pub(crate) fn identify_child(
        &self,
        node: &Node,
        claimed: &str,
        field: &str,
    ) -> Result<(Code, NodeScope), SyncError> {
        let code =
            Code::parse(claimed).map_err(|e| SyncError::Protocol(format!("{field}: {e}")))?;
        if let Some(verified) = &self.verified_code
            && verified != &code
        {
            return Err(SyncError::IdentityMismatch {
                claimed: code,
                certified: verified.clone(),
            });
        }
        let child = node
            .scope()
            .child(&code)
            .ok_or_else(|| SyncError::NotChild {
                peer: code.clone(),
                server: node.scope().code.clone(),
            })?;
        Ok((code, child))
    }
}
