//! `liudong trust export | add`: trust between a county and its exchange
//! without editing `[tls]` by hand (`liudong_ops::trust`, docs/operations.md).

use crate::config_arg::ConfigArg;
use anyhow::Result;
use liudong_i18n::t;
use std::path::PathBuf;

/// `liudong trust ...`.
#[derive(Debug, clap::Subcommand)]
pub enum TrustCommand {
    /// Write this hub's trust file: its operator's CA certificate and
    /// certificate revocation list (public; no private key), and for an
    /// exchange the address counties dial.
    Export {
        #[command(flatten)]
        config: ConfigArg,
        /// The hub's CA directory (default: ca/ beside the config).
        #[arg(long)]
        ca_dir: Option<PathBuf>,
        /// The address the other side dials, https://host:port (default for
        /// an exchange: its [node] listen, if that names a host).
        #[arg(long)]
        url: Option<String>,
        /// The trust file to write.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Trust the operator of a trust file (a county: its exchange's; an
    /// exchange: a county's): copies its CA certificate and CRL to tls/,
    /// lists them in [tls], and gives a county waiting for its exchange the
    /// exchange's address.
    Add {
        #[command(flatten)]
        config: ConfigArg,
        /// The trust file from `liudong trust export` on the other hub.
        file: PathBuf,
    },
}

impl TrustCommand {
    pub fn run(self) -> Result<()> {
        match self {
            TrustCommand::Export {
                config,
                ca_dir,
                url,
                out,
                force,
            } => {
                let f = liudong_ops::trust::export(&liudong_ops::trust::ExportOptions {
                    config: config.path()?,
                    ca_dir,
                    url,
                    out: out.clone(),
                    force,
                })?;
                let file = out.display().to_string();
                println!(
                    "{}",
                    t!(
                        "topo-trust-exported",
                        file = file.as_str(),
                        code = f.code.as_str(),
                        name = f.name.as_str(),
                        fingerprint = f.ca_fingerprint()
                    )
                );
                if let Some(url) = &f.url {
                    println!("{}", t!("topo-trust-exported-url", url = url.as_str()));
                }
                println!("{}", t!("topo-trust-exported-next", file = file.as_str()));
                Ok(())
            }
            TrustCommand::Add { config, file } => {
                let a = liudong_ops::trust::add(&liudong_ops::trust::AddOptions {
                    config: config.path()?,
                    file,
                })?;
                let (code, name) = (a.code.as_str(), a.name.as_str());
                let crl = a.crl.display().to_string();
                if a.ca_changed {
                    println!(
                        "{}",
                        t!(
                            "topo-trust-added",
                            code = code,
                            name = name,
                            ca = a.ca_cert.display().to_string(),
                            crl = crl.as_str(),
                            fingerprint = a.fingerprint.as_str()
                        )
                    );
                } else if a.crl_changed {
                    println!(
                        "{}",
                        t!("topo-trust-crl-updated", code = code, crl = crl.as_str())
                    );
                } else if !a.restart {
                    println!("{}", t!("topo-trust-unchanged", code = code, name = name));
                }
                if let Some(url) = &a.url_set {
                    println!(
                        "{}",
                        t!("topo-trust-url-set", code = code, url = url.as_str())
                    );
                }
                if let Some((have, url)) = &a.url_differs {
                    println!(
                        "{}",
                        t!(
                            "topo-trust-url-differs",
                            have = have.as_str(),
                            url = url.as_str()
                        )
                    );
                }
                if a.restart {
                    println!("{}", t!("topo-trust-restart"));
                }
                Ok(())
            }
        }
    }
}
