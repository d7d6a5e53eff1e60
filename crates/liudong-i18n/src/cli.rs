//! A command line in the operator's language (feature `clap`): `--help`
//! and clap's own errors come from the message catalogue
//! (`locales/*/help.ftl`), Chinese by default, English with `--lang en` or
//! `LIUDONG_LANG=en`. The binary's tests check that its every command and
//! argument has a text in both languages ([`help_ids`]).
//!
//! The clap derive doc comments stay as they are (they are the English
//! originals); at run time [`localize`] walks the built command tree and
//! replaces every command's about and every argument's help with the
//! catalogue message whose id is derived from the command path and the
//! argument id ([`about_id`], [`arg_id`]): `help-import`,
//! `help-import--dry-run`, `help-ca-issue--days`; long texts add `-long`.
//! The help subcommand and the `-h`/`-V` flags share `help-help`,
//! `help-flag-help`, `help-flag-version`.
//!
//! The language is known before clap parses ([`lang_from_args`]), so that
//! the help clap prints is already in it.

use crate::{Lang, t_in};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, FromArgMatches};
use std::collections::HashSet;
use std::ffi::OsString;

/// The language of this run, before clap parses: the first `--lang X` or
/// `--lang=X` on the command line (before a `--`), else `LIUDONG_LANG`,
/// else Chinese. An unknown value is left for clap to refuse.
pub fn lang_from_args<I, S>(args: I) -> Lang
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let mut args = args.into_iter().map(Into::into);
    while let Some(a) = args.next() {
        let Some(a) = a.to_str() else { continue };
        if a == "--" {
            break;
        }
        let value = if a == "--lang" {
            args.next().and_then(|v| v.to_str().map(str::to_string))
        } else {
            a.strip_prefix("--lang=").map(str::to_string)
        };
        if let Some(l) = value.as_deref().and_then(Lang::parse) {
            return l;
        }
    }
    crate::lang_from_env().unwrap_or_default()
}

/// The catalogue id of a command's about: `help-` and the command path
/// below the binary joined by `-` (`help-liudong` for the binary itself).
pub fn about_id(path: &[&str]) -> String {
    match path {
        [] => "help-liudong".to_string(),
        _ if path.last() == Some(&"help") => "help-help".to_string(),
        _ => format!("help-{}", path.join("-")),
    }
}

/// The catalogue id of an argument's help: the command's id, `--`, and the
/// argument id with `_` written `-`. The built-in flags and the global
/// options share one id each.
pub fn arg_id(path: &[&str], arg: &str) -> String {
    match arg {
        "help" if path.last() != Some(&"help") => "help-flag-help".to_string(),
        "version" => "help-flag-version".to_string(),
        // The global options (`liudong --lang en import …`) read the same
        // under every command.
        "lang" | "operator" => format!("help-global--{arg}"),
        _ => format!("{}--{}", about_id(path), arg.replace('_', "-")),
    }
}

/// Every help text id of `cmd`'s tree (built), with whether the English
/// original has a long form (then `<id>-long` is needed too).
pub fn help_ids(cmd: &Command) -> Vec<String> {
    let mut cmd = cmd.clone();
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, &mut Vec::new(), &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect<'a>(cmd: &'a Command, path: &mut Vec<&'a str>, out: &mut Vec<String>) {
    let id = about_id(path);
    if cmd.get_long_about().is_some() {
        out.push(format!("{id}-long"));
    }
    out.push(id);
    for a in cmd.get_arguments() {
        let id = arg_id(path, a.get_id().as_str());
        if a.get_long_help().is_some() {
            out.push(format!("{id}-long"));
        }
        out.push(id);
    }
    // The help subcommand's children only mirror the tree for completion.
    if path.last() == Some(&"help") {
        return;
    }
    for s in cmd.get_subcommands() {
        path.push(s.get_name());
        collect(s, path, out);
        path.pop();
    }
}

/// `cmd` with every help text, heading and usage title in `lang`. Texts
/// missing from the catalogue (a bug the tests catch) keep the original.
pub fn localize(mut cmd: Command, lang: Lang) -> Command {
    cmd.build();
    let known: HashSet<String> = crate::ids(lang).into_iter().collect();
    localize_in(cmd, &mut Vec::new(), lang, &known)
}

fn localize_in(
    mut cmd: Command,
    path: &mut Vec<String>,
    lang: Lang,
    known: &HashSet<String>,
) -> Command {
    let text = |id: &str| known.contains(id).then(|| crate::tr_in(lang, id, &[]));
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let id = about_id(&p);
    if let Some(about) = text(&id) {
        cmd = cmd.about(about);
    }
    if cmd.get_long_about().is_some()
        && let Some(long) = text(&format!("{id}-long"))
    {
        cmd = cmd.long_about(long);
    }
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        t_in!(lang, "help-heading-usage")
    );
    cmd = cmd
        .help_template(template)
        .subcommand_help_heading(t_in!(lang, "help-heading-commands"))
        .subcommand_value_name(t_in!(lang, "help-value-command"));
    let (pos, opt) = (
        t_in!(lang, "help-heading-arguments"),
        t_in!(lang, "help-heading-options"),
    );
    let args: Vec<(String, bool, bool)> = cmd
        .get_arguments()
        .map(|a| {
            let long = a.get_long_help().is_some();
            (a.get_id().to_string(), a.is_positional(), long)
        })
        .collect();
    for (arg, positional, long) in args {
        let id = arg_id(&p, &arg);
        let help = text(&id);
        let long_help = if long {
            text(&format!("{id}-long"))
        } else {
            None
        };
        let heading = if positional { pos.clone() } else { opt.clone() };
        cmd = cmd.mut_arg(&arg, |mut a| {
            if a.get_help_heading().is_none() {
                a = a.help_heading(heading);
            }
            // clap's "[default: …]" and "[possible values: …]", in this language.
            let notes = value_notes(&a, lang);
            if !notes.is_empty() {
                a = a.hide_default_value(true).hide_possible_values(true);
            }
            let base = help.or_else(|| a.get_help().map(|h| h.to_string()));
            if let Some(h) = base {
                a = a.help(format!("{h}{notes}"));
            }
            let long_base = long_help.or_else(|| a.get_long_help().map(|h| h.to_string()));
            if let Some(h) = long_base {
                a = a.long_help(format!("{h}{notes}"));
            }
            a
        });
    }
    if p.last() == Some(&"help") {
        return cmd;
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        path.push(s.clone());
        cmd = cmd.mut_subcommand(&s, |sub| localize_in(sub, path, lang, known));
        path.pop();
    }
    cmd
}

/// What clap would add to an argument's help — its default and its possible
/// values — as catalogue text (` [默认：…] [可选值：…]`); empty when there is
/// none to show.
fn value_notes(a: &clap::Arg, lang: Lang) -> String {
    if !a.get_action().takes_values() {
        return String::new();
    }
    let mut notes = String::new();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && !a.is_hide_default_value_set() {
        notes.push(' ');
        notes.push_str(&t_in!(
            lang,
            "help-note-default",
            value = defaults.join(", ")
        ));
    }
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !possible.is_empty() && !a.is_hide_possible_values_set() {
        notes.push(' ');
        notes.push_str(&t_in!(
            lang,
            "help-note-possible-values",
            values = possible.join(", ")
        ));
    }
    notes
}

/// Parses this process's command line into `T` with help and errors in the
/// operator's language (which it also sets for the rest of the run). Help,
/// version and errors end the process with clap's exit codes.
pub fn parse<T: FromArgMatches>(cmd: Command) -> T {
    let args: Vec<OsString> = std::env::args_os().collect();
    let lang = lang_from_args(args.iter().skip(1));
    crate::set_lang(lang);
    let cmd = localize(cmd, lang);
    let result = cmd
        .clone()
        .try_get_matches_from(&args)
        .and_then(|m| T::from_arg_matches(&m));
    match result {
        Ok(v) => v,
        Err(e) => {
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            let path = command_path(&cmd, args.iter().skip(1));
            eprintln!("{}", error_text(&e, &path, lang));
            std::process::exit(e.exit_code());
        }
    }
}

/// `liudong` and the subcommands named on the command line, in order.
pub fn command_path<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(
    cmd: &Command,
    args: I,
) -> String {
    let mut path = vec![cmd.get_name().to_string()];
    let mut cur = cmd;
    for a in args {
        let Some(a) = a.as_ref().to_str() else {
            continue;
        };
        if let Some(s) = cur.find_subcommand(a) {
            path.push(s.get_name().to_string());
            cur = s;
        }
    }
    path.join(" ")
}

fn context(e: &clap::Error, kind: ContextKind) -> String {
    match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A clap error as the operator reads it: what was wrong, naming the
/// argument, and how to see the command's usage (`command` is the path of
/// the command being parsed, e.g. `liudong import`).
pub fn error_text(e: &clap::Error, command: &str, lang: Lang) -> String {
    let arg = context(e, ContextKind::InvalidArg);
    let value = context(e, ContextKind::InvalidValue);
    let mut msg = match e.kind() {
        ErrorKind::UnknownArgument => t_in!(lang, "cli-error-unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => t_in!(
            lang,
            "cli-error-unknown-command",
            name = context(e, ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue if value.is_empty() => {
            t_in!(lang, "cli-error-missing-value", arg = arg)
        }
        ErrorKind::InvalidValue => {
            let valid = context(e, ContextKind::ValidValue);
            if valid.is_empty() {
                t_in!(lang, "cli-error-invalid-value", arg = arg, value = value)
            } else {
                t_in!(
                    lang,
                    "cli-error-invalid-value-choice",
                    arg = arg,
                    value = value,
                    valid = valid
                )
            }
        }
        ErrorKind::ValueValidation => {
            t_in!(lang, "cli-error-invalid-value", arg = arg, value = value)
        }
        ErrorKind::MissingRequiredArgument => t_in!(lang, "cli-error-missing-required", arg = arg),
        ErrorKind::MissingSubcommand => t_in!(lang, "cli-error-missing-command"),
        ErrorKind::ArgumentConflict => t_in!(
            lang,
            "cli-error-conflict",
            arg = arg,
            other = context(e, ContextKind::PriorArg)
        ),
        ErrorKind::NoEquals => t_in!(lang, "cli-error-no-equals", arg = arg),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            t_in!(lang, "cli-error-value-count", arg = arg)
        }
        ErrorKind::InvalidUtf8 => t_in!(lang, "cli-error-utf8"),
        _ => t_in!(lang, "cli-error-other"),
    };
    let suggested = context(e, ContextKind::SuggestedArg);
    let suggested = if suggested.is_empty() {
        context(e, ContextKind::SuggestedSubcommand)
    } else {
        suggested
    };
    if !suggested.is_empty() {
        msg.push_str(&t_in!(lang, "cli-error-suggestion", suggestion = suggested));
    }
    format!(
        "{}\n{}",
        t_in!(lang, "error-prefix", message = msg),
        t_in!(lang, "cli-error-hint", command = command)
    )
}
