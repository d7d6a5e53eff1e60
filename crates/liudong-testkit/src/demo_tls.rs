//! Certificates for a local topology, laid out as operators would: one CA
//! per county operator (certifying the county, its townships and villages)
//! and one for the exchange operator. A township or village trusts its
//! county's CA; a county trusts its own CA and the exchange's; the exchange
//! trusts its own CA and every county's. Every node names the certificate
//! revocation list of each CA it trusts (the CA's own `crl.pem`, which
//! `ca revoke` updates in place).

use anyhow::{Context, Result};
use liudong_core::code::Level;
use liudong_core::{Code, NodeKind};
use liudong_net::tls::{TlsContext, TlsFiles};
use liudong_node::config::NodeConfig;
use liudong_ops::pki;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The CAs and node certificates of a local topology, under one directory.
pub struct DemoPki {
    dir: PathBuf,
    /// CA directory by jurisdiction code (counties, and the exchange's code).
    cas: BTreeMap<Code, PathBuf>,
}

impl DemoPki {
    /// Creates the CAs and issues a certificate for every node of `nodes`
    /// under `dir/pki` (reusing those already there).
    pub fn create(dir: &Path, nodes: &[(&str, Option<&str>)]) -> Result<DemoPki> {
        let root = dir.join("pki");
        let mut cas = BTreeMap::new();
        for (code, _) in nodes {
            let code = Code::parse(code)?;
            let ca = ca_code(&code);
            if let std::collections::btree_map::Entry::Vacant(slot) = cas.entry(ca.clone()) {
                let d = root.join(format!("ca-{ca}"));
                if d.join(pki::CA_KEY).exists() {
                    // A kept demo directory: its CA, with a CRL.
                    pki::ca_load(&d)?.current_crl()?;
                } else {
                    pki::ca_init(&ca, &d).with_context(|| format!("CA {ca}"))?;
                }
                slot.insert(d);
            }
        }
        for (code, _) in nodes {
            let code = Code::parse(code)?;
            let out = root.join(format!("node-{code}"));
            if out.join(pki::NODE_CERT).exists() {
                continue; // a kept demo directory: reuse its certificates
            }
            let ca = pki::ca_load(&cas[&ca_code(&code)])?;
            ca.issue(&code, 30)?.write(&out, &ca.cert_pem)?;
        }
        Ok(DemoPki { dir: root, cas })
    }

    /// The certificate directory of node `code` (`node.crt`, `node.key`).
    pub fn node_dir(&self, code: &str) -> PathBuf {
        self.dir.join(format!("node-{code}"))
    }

    /// The CA directory of jurisdiction `code`.
    pub fn ca_dir(&self, code: &str) -> Option<&PathBuf> {
        Code::parse(code).ok().and_then(|c| self.cas.get(&c))
    }

    /// The `[tls]` files of node `code`.
    pub fn files(&self, code: &Code, kind: NodeKind) -> TlsFiles {
        let mut trusted = Vec::new();
        let own = ca_code(code);
        trusted.push(&self.cas[&own]);
        if !matches!(kind, NodeKind::Village | NodeKind::Township) {
            for (c, d) in &self.cas {
                let exchange_ca = c.level() < Level::County;
                let wanted = match kind {
                    NodeKind::County => exchange_ca,
                    _ => true,
                };
                if wanted && *c != own {
                    trusted.push(d);
                }
            }
        }
        let nd = self.node_dir(&code.to_string());
        TlsFiles {
            ca_certs: trusted.iter().map(|d| d.join(pki::CA_CERT)).collect(),
            cert: nd.join(pki::NODE_CERT),
            key: nd.join(pki::NODE_KEY),
            crls: trusted.iter().map(|d| d.join(pki::CRL)).collect(),
        }
    }

    /// The transport options of node `code` (of `kind`, below `upstream`)
    /// with its mutual TLS identity: what a tool or a benchmark dials with.
    pub fn net(
        &self,
        code: &str,
        kind: NodeKind,
        upstream: Option<&str>,
    ) -> Result<liudong_net::NetOptions> {
        let c = Code::parse(code)?;
        let up = upstream.map(Code::parse).transpose()?;
        let tls = liudong_net::tls::TlsContext::load(&self.files(&c, kind), &c, up.as_ref())?;
        Ok(liudong_net::NetOptions {
            tls: Some(tls),
            ..liudong_net::NetOptions::default()
        })
    }

    /// The CA certificates of every county of the topology: what a county
    /// lists in `[exchange] key_cas` to accept the others' sealing keys.
    pub fn county_cas(&self) -> Vec<PathBuf> {
        self.cas
            .iter()
            .filter(|(c, _)| c.level() == Level::County)
            .map(|(_, d)| d.join(pki::CA_CERT))
            .collect()
    }

    /// Switches a (validated, plaintext) local config to mutual TLS (a
    /// county of the sealed exchange tier also accepts the sealing keys of
    /// the topology's other counties).
    pub fn secure(&self, cfg: &mut NodeConfig) -> Result<()> {
        if cfg.scope.kind == NodeKind::County {
            cfg.exchange.key_cas = self.county_cas();
        }
        let files = self.files(&cfg.scope.code, cfg.scope.kind);
        let upstream = cfg.parent.as_ref().map(|(p, _)| p.code.clone());
        cfg.net.tls = Some(
            TlsContext::load(&files, &cfg.scope.code, upstream.as_ref())
                .with_context(|| format!("TLS files of node {}", cfg.scope.code))?,
        );
        if let Some((_, url)) = &mut cfg.parent {
            *url = url.replacen("http://", "https://", 1);
        }
        Ok(())
    }
}

/// The operator whose CA certifies `code`: its county, or for an exchange
/// node the exchange itself.
fn ca_code(code: &Code) -> Code {
    code.at_level(Level::County).unwrap_or_else(|| code.clone())
}
