use super::*;
use clap::CommandFactory;
use clap::error::ErrorKind;
use liudong_i18n::Lang;
use std::collections::BTreeSet;

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every command and argument of the real CLI has a help text in both
/// languages: a new option without its translation fails here.
#[test]
fn every_command_and_argument_has_help_in_both_languages() {
    let needed = help_ids(&crate::Cli::command());
    // The walk reaches nested commands and arguments and the built-ins.
    for id in [
        "help-liudong",
        "help-import--dry-run",
        "help-ca-issue--days",
        "help-operator-add--password-stdin",
        "help-flag-help",
        "help-flag-version",
        "help-help",
    ] {
        assert!(needed.contains(&id.to_string()), "{id} not reached");
    }
    for lang in [Lang::Zh, Lang::En] {
        let known: BTreeSet<String> = liudong_i18n::ids(lang).into_iter().collect();
        let missing: Vec<_> = needed.iter().filter(|id| !known.contains(*id)).collect();
        assert!(missing.is_empty(), "{lang:?} lacks help texts: {missing:?}");
    }
}

/// The Chinese catalogue's help and command-line error texts are Chinese
/// (not an English text copied over), and none is left unused.
#[test]
fn chinese_help_texts_are_chinese_and_all_are_used() {
    let needed: BTreeSet<String> = help_ids(&crate::Cli::command()).into_iter().collect();
    let mut english = Vec::new();
    for id in liudong_i18n::ids(Lang::Zh) {
        if !(id.starts_with("help-") || id.starts_with("cli-error-")) {
            continue;
        }
        let args = [
            ("arg", "--x".into()),
            ("name", "x".into()),
            ("value", "x".into()),
            ("valid", "x".into()),
            ("other", "--y".into()),
            ("suggestion", "--z".into()),
            ("command", "liudong".into()),
        ];
        let text = liudong_i18n::tr_in(Lang::Zh, &id, &args);
        if !has_chinese(&text) {
            english.push(format!("{id} = {text}"));
        }
        let fixed = id.starts_with("help-heading-")
            || id.starts_with("help-note-")
            || id == "help-value-command";
        if id.starts_with("help-") && !fixed {
            assert!(needed.contains(&id), "{id} names no command or argument");
        }
    }
    assert!(english.is_empty(), "zh texts in English: {english:#?}");
}

fn render(args: &[&str], lang: Lang) -> String {
    let cmd = localize(crate::Cli::command(), lang);
    let e = cmd
        .try_get_matches_from(args)
        .expect_err("help is an error");
    assert_eq!(e.kind(), ErrorKind::DisplayHelp);
    e.render().to_string()
}

#[test]
fn help_is_chinese_by_default_and_english_on_request() {
    let top = render(&["liudong", "--help"], Lang::Zh);
    for s in [
        "用法:",
        "命令:",
        "选项:",
        "流动人口服务记录同步节点",
        "显示帮助",
        "显示版本",
        "导入为记录",
    ] {
        assert!(top.contains(s), "{s} missing in:\n{top}");
    }
    for s in ["Usage:", "Commands:", "Options:", "Print help"] {
        assert!(!top.contains(s), "{s} left in:\n{top}");
    }
    let import = render(&["liudong", "import", "--help"], Lang::Zh);
    for s in [
        "参数:",
        "选项:",
        "台账文件",
        "不写入任何内容",
        "节点的配置文件",
    ] {
        assert!(import.contains(s), "{s} missing in:\n{import}");
    }
    assert!(!import.contains("Check every row"), "{import}");
    let en = render(&["liudong", "import", "--help"], Lang::En);
    for s in [
        "Usage:",
        "Arguments:",
        "Options:",
        "Check every row",
        "The node's config file",
    ] {
        assert!(en.contains(s), "{s} missing in:\n{en}");
    }
    assert!(!has_chinese(&en.replace("流动人口台账", "")), "{en}");
}

#[test]
fn the_language_is_read_before_parsing() {
    assert_eq!(
        lang_from_args(["import", "--lang", "en", "x.csv"]),
        Lang::En
    );
    assert_eq!(lang_from_args(["--lang=en", "report"]), Lang::En);
    assert_eq!(lang_from_args(["--lang=zh"]), Lang::Zh);
    // After `--` it is an operand, not the option.
    assert_eq!(
        lang_from_args(["--lang", "zh", "--", "--lang", "en"]),
        Lang::Zh
    );
}

fn parse_error(args: &[&str], lang: Lang) -> (clap::Error, String) {
    let cmd = localize(crate::Cli::command(), lang);
    let e = cmd.clone().try_get_matches_from(args).expect_err("invalid");
    let path = command_path(&cmd, args.iter().skip(1));
    let text = error_text(&e, &path, lang);
    (e, text)
}

#[test]
fn clap_errors_are_in_chinese_and_keep_the_exit_code() {
    let (e, text) = parse_error(
        &["liudong", "import", "a.csv", "--config", "c", "--dryrun"],
        Lang::Zh,
    );
    assert_eq!(e.kind(), ErrorKind::UnknownArgument);
    assert_eq!(e.exit_code(), 2);
    assert!(text.starts_with("错误："), "{text}");
    assert!(text.contains("不认识的参数“--dryrun”"), "{text}");
    assert!(text.contains("--dry-run"), "suggestion: {text}");
    assert!(text.contains("liudong import --help"), "{text}");

    let (_, text) = parse_error(&["liudong", "import", "a.csv", "--config"], Lang::Zh);
    assert!(text.contains("--config <CONFIG> 缺少取值"), "{text}");

    let (_, text) = parse_error(
        &[
            "liudong", "report", "-c", "x", "--month", "2026-01", "--lang", "fr",
        ],
        Lang::Zh,
    );
    assert!(text.contains("“fr”不是 --lang <LANG> 的有效取值"), "{text}");

    let (_, text) = parse_error(&["liudong", "trust", "add", "--config", "c"], Lang::Zh);
    assert!(text.contains("缺少必需的参数：<FILE>"), "{text}");

    let (_, text) = parse_error(&["liudong", "imprt"], Lang::Zh);
    assert!(text.contains("没有“imprt”这个命令；是不是要写："), "{text}");

    let (_, text) = parse_error(&["liudong", "import", "a.csv", "--dryrun"], Lang::En);
    assert!(text.contains("unknown argument “--dryrun”"), "{text}");
    assert!(!has_chinese(&text), "{text}");
}
