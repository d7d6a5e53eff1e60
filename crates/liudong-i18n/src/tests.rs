//! The catalogue is complete: both languages have the same messages with the
//! same arguments, and every message the workspace's code names exists.

use super::*;
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Message id → the variables its value and attributes use.
fn messages(files: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (name, text) in files {
        let res = fluent_syntax::parser::parse(*text)
            .unwrap_or_else(|(_, errors)| panic!("{name} does not parse: {errors:?}"));
        for entry in res.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                assert!(
                    out.insert(m.id.name.to_string(), vars).is_none(),
                    "message {} is defined twice ({name})",
                    m.id.name
                );
            }
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expr_vars(expression, vars);
        }
    }
}

fn expr_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(i) => inline_vars(i, vars),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expr_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        _ => {}
    }
}

#[test]
fn both_languages_have_the_same_messages_with_the_same_arguments() {
    let zh = messages(catalogue::ZH);
    let en = messages(catalogue::EN);
    let only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "messages only in zh: {only_zh:?}; only in en: {only_en:?}"
    );
    for (id, vars) in &zh {
        assert_eq!(
            vars, &en[id],
            "message {id} uses different arguments in zh and en"
        );
    }
    // The bundles build (no duplicate or malformed entries).
    for id in zh.keys() {
        assert!(bundle(Lang::Zh).has_message(id), "{id}");
        assert!(bundle(Lang::En).has_message(id), "{id}");
    }
    assert_eq!(ids(Lang::Zh).len(), zh.len());
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The ids named by `t!("…"`, `t_in!(lang, "…"`, `tr("…"` and `tr_in(lang, "…"`.
fn used_ids(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["t!(", "t_in!(", "tr(", "tr_in("] {
        let mut rest = text;
        while let Some(i) = rest.find(marker) {
            let before = rest[..i].chars().last();
            rest = &rest[i + marker.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let arg = if marker.contains("in") {
                match rest.split_once(',') {
                    Some((_, r)) => r,
                    None => continue,
                }
            } else {
                rest
            };
            let arg = arg.trim_start();
            if let Some(lit) = arg.strip_prefix('"')
                && let Some((id, _)) = lit.split_once('"')
                && !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                out.push(id.to_string());
            }
        }
    }
    out
}

#[test]
fn every_message_the_code_names_is_in_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    let known: BTreeSet<String> = ids(Lang::Zh).into_iter().collect();
    let mut missing = Vec::new();
    for f in files {
        if f.components().any(|c| c.as_os_str() == "liudong-i18n") {
            continue;
        }
        // Code only: comments may name example ids.
        let text: String = std::fs::read_to_string(&f)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for id in used_ids(&text) {
            if !known.contains(&id) {
                missing.push(format!("{}: {id}", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "messages not in the catalogue: {missing:#?}"
    );
    // The scan itself works (it finds this crate's own example use).
    assert_eq!(used_ids("let m = t!(\"lang-name\");"), ["lang-name"]);
}

#[test]
fn messages_format_with_their_arguments_in_both_languages() {
    assert_eq!(tr_in(Lang::Zh, "lang-name", &[]), "中文");
    assert_eq!(tr_in(Lang::En, "lang-name", &[]), "English");
    let zh = t_in!(Lang::Zh, "error-prefix", message = "x");
    let en = t_in!(Lang::En, "error-prefix", message = "x");
    assert!(zh.contains('x') && zh.starts_with("错误"), "{zh}");
    assert!(en.contains('x') && en.starts_with("error"), "{en}");
    // No bidirectional isolation marks around arguments.
    assert!(!zh.contains('\u{2068}'), "{zh:?}");
}

#[test]
fn languages_parse_and_the_default_is_chinese() {
    assert_eq!(Lang::default(), Lang::Zh);
    assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
    assert_eq!(Lang::parse("EN"), Some(Lang::En));
    assert_eq!(Lang::parse("fr"), None);
}
