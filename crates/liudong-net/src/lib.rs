//! Liudong's peer transport: the sync and verify protocols over gRPC
//! (tonic) with mutual TLS. The only crate that knows HTTP/2 and sockets; it
//! converts between gRPC statuses and the sync library's `StatusCode` in
//! exactly one module ([`status`]). [`http`] serves the node's HTTP/1.1 sites
//! (metrics, web console) from axum routers.
//!
//! Invariants:
//! - A peer's identity comes from its verified certificate (chain to a
//!   trusted CA, the CA's jurisdiction, not on a CRL in force), never from a
//!   message; both ends of a link check each other the same way.
//! - Every connection, handshake and session is a task of the node
//!   (`Node::spawn`), so the node's shutdown ends them all.
//! - Frames are bounded by `max_message_mb` before anything is decoded.

mod forward;

pub mod channel;
pub mod client;
pub mod convert;
pub mod http;
pub mod keys;
pub mod keytrust;
pub mod revocation;
pub mod server;
pub mod status;
pub mod tls;
mod trust;
pub mod verify;

pub use channel::{CONNECTION_WINDOW, NetOptions, STREAM_WINDOW};
pub use client::{GrpcConnector, admin_client};
pub use server::{SyncService, verified_peer};

use liudong_proto::pb;
use liudong_sync::Node;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Serves the sync service on an already-bound listener until `shutdown`
/// (normally the node's token). Every task it starts — sessions, TLS
/// handshakes, the health reporter, the revocation watcher — is one of
/// `node`'s tracked tasks ([`Node::spawn`]).
pub async fn serve_sync(
    listener: TcpListener,
    node: Arc<Node>,
    opts: NetOptions,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    let node_v = node.clone();
    let node_k = node.clone();
    let node_h = node.clone();
    let store = node.store().clone();
    let mut sync = SyncService::new(node, shutdown.clone());
    let mut verify = verify::VerifyService::new(node_v);
    let mut keys = keys::KeysService::new(node_k);
    if let Some(tls) = &opts.tls {
        sync = sync.with_tls(tls.clone());
        verify = verify.with_tls(tls.clone());
        keys = keys.with_tls(tls.clone());
    }
    let svc = pb::sync_server::SyncServer::new(sync)
        .max_decoding_message_size(opts.max_message_bytes)
        .max_encoding_message_size(opts.max_message_bytes);
    // Standard gRPC health (`grpc.health.v1`; the services report SERVING
    // while the store can write) and reflection (`grpc.reflection.v1` and `v1alpha`).
    let (health, health_svc) = tonic_health::server::health_reporter();
    health
        .set_serving::<pb::sync_server::SyncServer<SyncService>>()
        .await;
    health
        .set_serving::<pb::verify_server::VerifyServer<verify::VerifyService>>()
        .await;
    node_h.spawn(report_health(health, store.clone(), shutdown.clone()));
    // Reflection advertises exactly the services this port serves (the admin
    // service is on the loopback admin port only), in both versions of the
    // reflection protocol: `grpc.reflection.v1` and `v1alpha`, which many
    // clients (grpcurl, Postman, older grpc libraries) still ask for.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(liudong_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .with_service_name("liudong.v1.Sync")
            .with_service_name("liudong.v1.Verify")
            .with_service_name("liudong.v1.Exchange")
            .with_service_name("grpc.health.v1.Health")
    };
    let reflection_v1 = reflection()
        .build_v1()
        .expect("the embedded descriptor set is valid");
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .expect("the embedded descriptor set is valid");
    let router = tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(opts.keepalive))
        .max_concurrent_streams(Some(opts.max_streams))
        .initial_stream_window_size(Some(STREAM_WINDOW))
        .initial_connection_window_size(Some(CONNECTION_WINDOW))
        .tcp_nodelay(true)
        .add_service(health_svc)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(svc)
        .add_service(
            pb::verify_server::VerifyServer::new(verify)
                .max_decoding_message_size(opts.max_message_bytes)
                .max_encoding_message_size(opts.max_message_bytes),
        )
        .add_service(
            pb::exchange_server::ExchangeServer::new(keys)
                .max_decoding_message_size(opts.max_message_bytes)
                .max_encoding_message_size(opts.max_message_bytes),
        );
    match &opts.tls {
        None => {
            router
                .serve_with_incoming_shutdown(incoming(listener), shutdown.cancelled_owned())
                .await
        }
        Some(tls) => {
            let config = tls.server_config();
            node_h.spawn(tls.revocation().clone().watch(shutdown.clone()));
            let incoming = tls::incoming(listener, config, node_h, shutdown.clone());
            router
                .serve_with_incoming_shutdown(
                    tokio_stream::wrappers::ReceiverStream::new(incoming),
                    shutdown.cancelled_owned(),
                )
                .await
        }
    }
}

/// Marks the sync and verify services NOT_SERVING once the store has failed a
/// write (it then refuses every batch), checking every second until `shutdown`.
async fn report_health(
    health: tonic_health::server::HealthReporter,
    store: Arc<liudong_store::Store>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
        if store.write_failed() {
            health
                .set_not_serving::<pb::sync_server::SyncServer<SyncService>>()
                .await;
            health
                .set_not_serving::<pb::verify_server::VerifyServer<verify::VerifyService>>()
                .await;
            return;
        }
    }
}

/// Accepted connections with TCP_NODELAY: small frames (acknowledgements,
/// one-record batches) go out at once instead of waiting for the peer's
/// delayed ACK (~40 ms per exchange on Linux).
pub fn incoming(listener: TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}
