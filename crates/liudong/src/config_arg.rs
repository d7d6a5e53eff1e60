//! The `--config` argument every command that works on a node takes.

use anyhow::Result;
use std::path::PathBuf;

/// The node's config file: `--config`, else `LIUDONG_CONFIG`, else
/// `liudong.toml` in the current directory.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArg {
    /// The node's config file (default: $LIUDONG_CONFIG, else ./liudong.toml).
    #[arg(long, short, env = "LIUDONG_CONFIG")]
    config: Option<PathBuf>,
}

impl ConfigArg {
    /// The config file to use (see the type).
    pub fn path(&self) -> Result<PathBuf> {
        let cwd = std::env::current_dir().map_err(|e| {
            anyhow::anyhow!(liudong_i18n::t!(
                "topo-cwd-unreadable",
                error = e.to_string()
            ))
        })?;
        Ok(liudong_node::config::find(self.config.as_deref(), &cwd)?)
    }
}
