//! Liudong's message catalogue (文案目录): every text an operator reads —
//! CLI output and errors, import errors and the rejects file, console pages,
//! help — comes from here, Chinese by default, English on request.
//!
//! The messages are [Fluent](https://projectfluent.org) files under
//! `locales/zh/` and `locales/en/` (one file per area; the build embeds every
//! `.ftl` file it finds). A message is looked up by its id with named
//! arguments: `t!("import-row-error", row = 5, column = "D", reason = r)`.
//!
//! Invariants:
//! - Every message id exists in both languages, and every id the code uses
//!   exists (tests in this crate check both over the whole workspace).
//! - No I/O: the catalogue is compiled into the binary.
//! - The language is per process ([`set_lang`], set once by the binary from
//!   `--lang` or `LIUDONG_LANG`), or given per call ([`tr_in`]) where one
//!   process serves both (the web console).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

mod catalogue {
    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

pub use fluent_bundle::FluentValue as Value;

#[cfg(feature = "clap")]
pub mod cli;

/// A language of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses `zh`/`en` (and `zh-CN`, `en-US`, case-insensitive).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Lang::Zh)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

static LANG: AtomicU8 = AtomicU8::new(0);

/// Sets the language of this process's messages.
pub fn set_lang(lang: Lang) {
    LANG.store(lang as u8, Ordering::Relaxed);
}

/// The language of this process's messages (Chinese unless set).
pub fn lang() -> Lang {
    match LANG.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Zh,
    }
}

/// The language named by `LIUDONG_LANG` (or `LANG`/`LC_ALL` when they name
/// Chinese or English), if any; `None` leaves the default, Chinese.
pub fn lang_from_env() -> Option<Lang> {
    if let Some(l) = std::env::var("LIUDONG_LANG")
        .ok()
        .and_then(|v| Lang::parse(&v))
    {
        return Some(l);
    }
    None
}

type Bundle = FluentBundle<FluentResource>;

fn build(lang: Lang, files: &[(&str, &str)]) -> Bundle {
    let id: unic_langid::LanguageIdentifier = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en-US",
    }
    .parse()
    .expect("static language identifier");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Plain text, not bidirectional isolation marks: these messages go to
    // terminals, CSV files and HTML.
    bundle.set_use_isolating(false);
    for (name, text) in files {
        let res = FluentResource::try_new(text.to_string()).unwrap_or_else(|(_, errors)| {
            panic!(
                "catalogue {}/{name} does not parse: {errors:?}",
                lang.code()
            )
        });
        bundle
            .add_resource(res)
            .unwrap_or_else(|errors| panic!("catalogue {}/{name}: {errors:?}", lang.code()));
    }
    bundle
}

fn bundle(lang: Lang) -> &'static Bundle {
    static ZH: OnceLock<Bundle> = OnceLock::new();
    static EN: OnceLock<Bundle> = OnceLock::new();
    match lang {
        Lang::Zh => ZH.get_or_init(|| build(Lang::Zh, catalogue::ZH)),
        Lang::En => EN.get_or_init(|| build(Lang::En, catalogue::EN)),
    }
}

/// The message `id` in `lang` with `args`. A missing id (a bug the tests
/// catch) gives the id itself rather than failing.
pub fn tr_in(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let b = bundle(lang);
    let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
        debug_assert!(
            false,
            "message {id} is not in the {} catalogue",
            lang.code()
        );
        return id.to_string();
    };
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    let text = b.format_pattern(pattern, Some(&fa), &mut errors);
    text.into_owned()
}

/// The message `id` in this process's language.
pub fn tr(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    tr_in(lang(), id, args)
}

/// A message of the catalogue in this process's language:
/// `t!("id")`, `t!("id", name = value, ...)`; values are strings or numbers.
#[macro_export]
macro_rules! t {
    ($id:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::tr($id, &[$((stringify!($k), $crate::Value::from($v))),*])
    };
}

/// As [`t!`], in the given language: `t_in!(lang, "id", name = value)`.
#[macro_export]
macro_rules! t_in {
    ($lang:expr, $id:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::tr_in($lang, $id, &[$((stringify!($k), $crate::Value::from($v))),*])
    };
}

/// Every message id of `lang`'s catalogue (for tests and tools).
pub fn ids(lang: Lang) -> Vec<String> {
    let files = match lang {
        Lang::Zh => catalogue::ZH,
        Lang::En => catalogue::EN,
    };
    let mut out = Vec::new();
    for (_, text) in files {
        for line in text.lines() {
            let line = line.trim_end();
            if let Some((id, _)) = line.split_once(" =")
                && !id.is_empty()
                && !id.starts_with([' ', '#', '.', '-', '*', '['])
            {
                out.push(id.trim().to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
