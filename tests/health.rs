//! The sync port also serves the standard gRPC health service and reflection,
//! so ordinary gRPC tooling can probe a node.

use futures::StreamExt;
use liudong_tests::*;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_answers_health_checks_and_reflection() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))]).await;
    let url = format!("http://{}", topo.node(COUNTY_A).sync_addr.unwrap());
    let channel = tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();

    let mut health = HealthClient::new(channel.clone());
    for service in ["", "liudong.v1.Sync", "liudong.v1.Verify"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let mut reflection = ServerReflectionClient::new(channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("unexpected reflection answer {answer:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "liudong.v1.Sync",
        "liudong.v1.Verify",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == "liudong.v1.Admin"),
        "the admin service is not on the sync port: {names:?}"
    );

    // The same over `grpc.reflection.v1alpha`, which many clients ask for
    // first, including the descriptors of the sync service.
    let alpha = reflection_v1alpha(channel, MessageRequestAlpha::ListServices(String::new())).await;
    let Some(MessageResponseAlpha::ListServicesResponse(list)) = alpha else {
        panic!("unexpected v1alpha reflection answer {alpha:?}");
    };
    let mut alpha_names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    let mut v1_names = names.clone();
    alpha_names.sort();
    v1_names.sort();
    assert_eq!(alpha_names, v1_names, "v1alpha lists what v1 lists");
    let url = format!("http://{}", topo.node(COUNTY_A).sync_addr.unwrap());
    let channel = tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let file = reflection_v1alpha(
        channel,
        MessageRequestAlpha::FileContainingSymbol("liudong.v1.Sync".into()),
    )
    .await;
    let Some(MessageResponseAlpha::FileDescriptorResponse(files)) = file else {
        panic!("no descriptor of liudong.v1.Sync over v1alpha: {file:?}");
    };
    assert!(!files.file_descriptor_proto.is_empty());
    topo.shutdown().await.unwrap();
}

use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest as MessageRequestAlpha;
use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse as MessageResponseAlpha;

/// One `grpc.reflection.v1alpha` request and its answer.
async fn reflection_v1alpha(
    channel: tonic::transport::Channel,
    request: MessageRequestAlpha,
) -> Option<MessageResponseAlpha> {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("v1alpha reflection is served")
        .into_inner();
    answers.next().await.unwrap().unwrap().message_response
}
