//! `liudong operator add | list | remove`: the web console's accounts.

use anyhow::{Context, Result, bail};
use liudong_console::operators::{Operators, check_name};
use std::path::{Path, PathBuf};

/// `liudong operator ...`.
#[derive(Debug, clap::Subcommand)]
pub enum OperatorCommand {
    /// Add an operator, or set a new password for one (read from the terminal,
    /// or one line from standard input with --password-stdin).
    Add {
        /// The node's config file (the operators file is in its data directory).
        #[command(flatten)]
        config: crate::config_arg::ConfigArg,
        /// Login name: letters, digits, '.', '_' or '-'.
        #[arg(long)]
        name: String,
        /// Read the password as one line from standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the operators.
    List {
        #[command(flatten)]
        config: crate::config_arg::ConfigArg,
    },
    /// Remove an operator (their sessions end at their next request).
    Remove {
        #[command(flatten)]
        config: crate::config_arg::ConfigArg,
        #[arg(long)]
        name: String,
    },
}

impl OperatorCommand {
    pub fn run(self) -> Result<()> {
        match self {
            OperatorCommand::Add {
                config,
                name,
                password_stdin,
            } => cli_add(&config.path()?, &name, password_stdin),
            OperatorCommand::List { config } => cli_list(&config.path()?),
            OperatorCommand::Remove { config, name } => cli_remove(&config.path()?, &name),
        }
    }
}

fn read_password(stdin: bool) -> Result<String> {
    if stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let p = rpassword::prompt_password("password: ")
        .context("reading the password from the terminal (use --password-stdin in scripts)")?;
    let again = rpassword::prompt_password("password again: ")?;
    if p != again {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(p)
}

/// The operators file of the node configured in `config`.
fn operators_path(config: &Path) -> Result<PathBuf> {
    let cfg = liudong_node::config::Config::load(config)?;
    Ok(liudong_console::operators::path(&cfg.data_dir))
}

/// `liudong operator add`.
pub fn cli_add(config: &Path, name: &str, password_stdin: bool) -> Result<()> {
    let path = operators_path(config)?;
    check_name(name)?;
    let mut ops = Operators::load(&path)?;
    let password = read_password(password_stdin)?;
    let now = liudong_sync::system_clock()();
    let new = ops.set(name, &password, now)?;
    ops.save(&path)?;
    println!(
        "{} console operator {name} in {} (takes effect at once, no restart needed)",
        if new {
            "added"
        } else {
            "changed the password of"
        },
        path.display()
    );
    Ok(())
}

/// `liudong operator list`.
pub fn cli_list(config: &Path) -> Result<()> {
    let path = operators_path(config)?;
    let ops = Operators::load(&path)?;
    if ops.operators.is_empty() {
        println!(
            "no console operators in {}; add one with `liudong operator add`",
            path.display()
        );
    }
    for o in &ops.operators {
        println!(
            "{}  added {}",
            o.name,
            liudong_node::status::fmt_ms(o.added_ms)
        );
    }
    Ok(())
}

/// `liudong operator remove`.
pub fn cli_remove(config: &Path, name: &str) -> Result<()> {
    let path = operators_path(config)?;
    let mut ops = Operators::load(&path)?;
    let before = ops.operators.len();
    ops.operators.retain(|o| o.name != name);
    if ops.operators.len() == before {
        bail!(
            "no console operator named {name:?} in {}; `liudong operator list` shows them",
            path.display()
        );
    }
    ops.save(&path)?;
    println!("removed console operator {name}; their sessions end at their next request");
    Ok(())
}
