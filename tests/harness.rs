//! Shared helpers for the integration tests: starting topologies of real
//! nodes (each with its own sled directory, gRPC on 127.0.0.1 port 0) and
//! building synthetic records.

use liudong::demo::Topology;
use liudong_core::synth::{SynthRng, birth_date, citizen_id};
use liudong_core::{CitizenId, Code, Date, record::Sex};
use liudong_store::Draft;
use std::path::Path;

pub use liudong::demo::{
    COUNTY_A, COUNTY_B, EXCHANGE, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2,
};

/// An unrelated township of county A (中山北路街道) and its village.
pub const TOWN_A_OTHER: &str = "410602001";
pub const VILLAGE_A_OTHER: &str = "410602001001";
/// An unrelated county in a third province (西湖区, Hangzhou), with a township and a village.
pub const COUNTY_C: &str = "330106";
pub const TOWN_C: &str = "330106002";
pub const VILLAGE_C1: &str = "330106002051";

/// The demo topology plus an unrelated township of county A and an unrelated county.
pub const WIDE: [(&str, Option<&str>); 14] = [
    (EXCHANGE, None),
    (COUNTY_A, Some(EXCHANGE)),
    (TOWN_A, Some(COUNTY_A)),
    (VILLAGE_A1, Some(TOWN_A)),
    (VILLAGE_A2, Some(TOWN_A)),
    (TOWN_A_OTHER, Some(COUNTY_A)),
    (VILLAGE_A_OTHER, Some(TOWN_A_OTHER)),
    (COUNTY_B, Some(EXCHANGE)),
    (TOWN_B, Some(COUNTY_B)),
    (VILLAGE_B1, Some(TOWN_B)),
    (VILLAGE_B2, Some(TOWN_B)),
    (COUNTY_C, Some(EXCHANGE)),
    (TOWN_C, Some(COUNTY_C)),
    (VILLAGE_C1, Some(TOWN_C)),
];

/// Starts `nodes` with live links under `dir`.
pub async fn start(dir: &Path, nodes: &[(&str, Option<&str>)]) -> Topology {
    Topology::start(dir, nodes, true, |_| {})
        .await
        .expect("topology starts")
}

/// A synthetic person registered in `origin` (valid check digit, never a real person).
pub fn person(seed: u64, origin: &str) -> CitizenId {
    let mut rng = SynthRng::new(seed);
    let birth = birth_date(&mut rng, Date::new(2026, 1, 1).unwrap(), 20, 45);
    citizen_id(&mut rng, &origin[..6], birth, Sex::Female)
}

/// An outflow draft for `subject` of `origin` heading to `residence`.
pub fn outflow(subject: &CitizenId, origin: &str, residence: Option<&str>) -> Draft {
    Draft {
        operator: "test-cadre".into(),
        subject: subject.clone(),
        origin: Code::parse(origin).unwrap(),
        residence: residence.map(|r| Code::parse(r).unwrap()),
        body: liudong_core::synth::outflow_body(),
    }
}

/// Path of the built `liudong` binary (built by `cargo test --workspace`
/// because the `liudong` package has integration tests of its own).
pub fn liudong_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target directory");
    let bin = dir.join("liudong");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p liudong` (or `cargo test --workspace`)",
        bin.display()
    );
    bin
}

/// Writes a node config file for a real `liudong` process.
pub fn write_config(
    dir: &Path,
    code: &str,
    upstream: &str,
    upstream_url: &str,
) -> std::path::PathBuf {
    let path = dir.join(format!("{code}.toml"));
    let listen = if code.len() < 12 {
        "listen = \"127.0.0.1:0\"\n"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            "[node]\ncode = \"{code}\"\ndata_dir = \"data-{code}\"\n{listen}insecure = true\n\n[upstream]\ncode = \"{upstream}\"\nurl = \"{upstream_url}\"\n\n[sync]\nlive = false\nmax_batch = 200\n"
        ),
    )
    .unwrap();
    path
}
