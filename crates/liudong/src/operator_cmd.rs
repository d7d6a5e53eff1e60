//! `liudong operator add | list | remove`: the web console's accounts, each
//! belonging to a unit (a division code at or under the node's) with a role.

use anyhow::{Context, Result, bail};
use liudong_console::operators::{Operators, Role, check_name, check_unit};
use liudong_core::Code;
use liudong_i18n::t;
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
        /// The account's unit: the node's code (default for a new account)
        /// or a township or village under it, whose people alone the
        /// account sees and writes. An existing account keeps its unit
        /// unless this is given.
        #[arg(long)]
        code: Option<String>,
        /// operator (default for a new account) or admin (may also unlock
        /// accounts locked by failed logins, in the console). An existing
        /// account keeps its role unless this is given.
        #[arg(long, value_parser = ["operator", "admin"])]
        role: Option<String>,
        /// Read the password as one line from standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the operators with their units and roles.
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
                code,
                role,
                password_stdin,
            } => cli_add(
                &config.path()?,
                &name,
                code.as_deref(),
                role.as_deref().and_then(Role::parse),
                password_stdin,
            ),
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
            .context(t!("operator-password-stdin"))?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let p = rpassword::prompt_password(t!("operator-password-prompt"))
        .context(t!("operator-password-terminal"))?;
    let again = rpassword::prompt_password(t!("operator-password-again"))?;
    if p != again {
        bail!("{}", t!("operator-passwords-differ"));
    }
    Ok(p)
}

/// The operators file of the node configured in `config`, and the node's code.
fn operators_path(config: &Path) -> Result<(PathBuf, Code)> {
    let cfg = liudong_node::config::Config::load(config)?;
    Ok((
        liudong_console::operators::path(&cfg.data_dir),
        cfg.scope.code,
    ))
}

/// The operators file, with accounts written before units existed given
/// the node's code (saying so).
fn load(path: &Path, node: &Code) -> Result<Operators> {
    let mut ops = Operators::load(path)?;
    let migrated = ops.migrate(node);
    if !migrated.is_empty() {
        ops.save(path)?;
        for name in migrated {
            println!(
                "{}",
                t!(
                    "console-operator-migrated",
                    name = name,
                    node = node.to_string()
                )
            );
        }
    }
    Ok(ops)
}

/// A unit as operators read it: its code and name.
fn unit_label(code: &str) -> String {
    match Code::parse(code) {
        Ok(c) => format!(
            "{code} {}",
            liudong_node::worklist::place_name(&c, &Code::national())
        ),
        Err(_) => code.to_string(),
    }
}

/// `liudong operator add`.
pub fn cli_add(
    config: &Path,
    name: &str,
    code: Option<&str>,
    role: Option<Role>,
    password_stdin: bool,
) -> Result<()> {
    let (path, node) = operators_path(config)?;
    check_name(name)?;
    if let Some(c) = code {
        check_unit(c, &node)?;
    }
    let mut ops = load(&path, &node)?;
    let password = read_password(password_stdin)?;
    let now = liudong_sync::system_clock()();
    let new = ops.set(name, &password, now)?;
    let current = ops.get(name).cloned();
    let code = code
        .map(str::to_string)
        .or(current.as_ref().and_then(|o| o.code.clone()))
        .unwrap_or_else(|| node.to_string());
    let role = role
        .or(current.filter(|_| !new).map(|o| o.role))
        .unwrap_or_default();
    ops.set_account(name, &code, role, &node)?;
    ops.save(&path)?;
    let (unit, path) = (unit_label(&code), path.display().to_string());
    println!(
        "{}",
        if new {
            t!(
                "console-operator-added",
                name = name,
                unit = unit,
                role = role.name(),
                path = path
            )
        } else {
            t!(
                "console-operator-changed",
                name = name,
                unit = unit,
                role = role.name(),
                path = path
            )
        }
    );
    Ok(())
}

/// `liudong operator list`.
pub fn cli_list(config: &Path) -> Result<()> {
    let (path, node) = operators_path(config)?;
    let ops = load(&path, &node)?;
    if ops.operators.is_empty() {
        println!(
            "{}",
            t!("console-operator-none", path = path.display().to_string())
        );
    }
    for o in &ops.operators {
        println!(
            "{}",
            t!(
                "console-operator-line",
                name = o.name.as_str(),
                unit = unit_label(o.code.as_deref().unwrap_or(node.as_str())),
                role = o.role.name(),
                added = liudong_node::status::fmt_ms(o.added_ms)
            )
        );
    }
    Ok(())
}

/// `liudong operator remove`.
pub fn cli_remove(config: &Path, name: &str) -> Result<()> {
    let (path, node) = operators_path(config)?;
    let mut ops = load(&path, &node)?;
    let before = ops.operators.len();
    ops.operators.retain(|o| o.name != name);
    if ops.operators.len() == before {
        bail!(t!("console-operator-unknown", name = name));
    }
    ops.save(&path)?;
    println!("{}", t!("console-operator-removed", name = name));
    Ok(())
}
