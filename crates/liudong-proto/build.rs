//! Compiles `proto/liudong/v1/*.proto` with the pure-Rust `protox` compiler,
//! so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = [
        "liudong/v1/records.proto",
        "liudong/v1/sync.proto",
        "liudong/v1/admin.proto",
        "liudong/v1/verify.proto",
        "liudong/v1/exchange.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={}", root.join(f).display());
    }
    let fds = protox::compile(files, [&root])?;
    // The descriptor set, for the gRPC reflection service.
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("liudong_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .bytes(".liudong.v1.Batch.records")
        .bytes(".liudong.v1.RecordBatch.records")
        .bytes(".liudong.v1.VerifyResponse.records")
        .compile_fds(fds)?;
    Ok(())
}
