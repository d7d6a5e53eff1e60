//! Local topologies of real Liudong nodes on 127.0.0.1 — the demo's nine
//! nodes, the tests' wider ones — each with its own store directory and, when
//! asked, mutual TLS from one CA per county operator; and a three-server
//! JetStream cluster for the exchange tier (`nats`). Used by `liudong demo`,
//! the integration tests and the benchmarks; never by a deployed node.
//!
//! Invariants: nodes start exactly as `liudong serve` starts them (the runner,
//! then the console when configured); every node binds 127.0.0.1 port 0 and
//! keeps its store in its own directory (the JetStream servers, whose routes
//! name each other's ports, take free loopback ports chosen beforehand);
//! shutdown stops children first.

pub mod demo;
pub mod demo_tls;
pub mod nats;

use liudong_node::config::NodeConfig;
use liudong_node::runner::{self, RunningNode};
use liudong_sync::WallClock;

/// Starts a node as `liudong serve` does: the node, then its web console
/// when `[console]` is configured.
pub async fn start_node(cfg: NodeConfig) -> anyhow::Result<RunningNode> {
    start_node_with_clock(cfg, liudong_sync::system_clock()).await
}

/// As [`start_node`], with the given wall clock (tests use a skewed one).
pub async fn start_node_with_clock(
    cfg: NodeConfig,
    clock: WallClock,
) -> anyhow::Result<RunningNode> {
    let mut node = runner::start_with_clock(cfg.clone(), clock).await?;
    liudong_console::start(&mut node, &cfg).await?;
    Ok(node)
}
