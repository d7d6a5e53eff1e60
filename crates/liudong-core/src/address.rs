//! Address → division code: the free-text 户籍地址 / 现居住地址 of a ledger
//! (台账), such as `河南省鹤壁市鹤山区鹤壁集镇北杨邑村3组` or `鹤壁集北杨邑`,
//! resolved to a code of the embedded NBS division table.
//!
//! This module owns the question "which division does this address name".
//! It reads the division table ([`crate::divisions`]) and the village names
//! that table leaves out (`data/villages.bin`, see `villages.rs`), and builds
//! an index over both on first use ([`index`]); like the table, the index is
//! an immutable constant derived from embedded data, not mutable state.
//!
//! # Matching rules
//!
//! - **Normalisation.** Full-width letters, digits and punctuation become
//!   ASCII; spaces (also U+3000), punctuation (`·`, `，`, `、`, brackets, ...)
//!   are dropped and only mark a boundary. Names are normalised the same way.
//!   A leading `中国` / `中华人民共和国` may be skipped (but 中国（南京）软件谷
//!   is a township).
//! - **Components.** An address is read from its start as a chain of division
//!   names, each one under the one before, without gaps. A component may skip
//!   one level (`河南省济源市`, `鹤山区北杨邑村`); levels the NBS table
//!   fills with placeholders (`市辖区`, `县`, `省直辖县级行政区划`) or with the
//!   parent's own name (东莞市 → 东莞市) are skipped without counting.
//! - **Names and endings.** A division is named by its official name or by
//!   its short form: the name without its ending (`省`, `自治区`, `市`,
//!   `地区`, `盟`, `自治州`, `县`, `区`, `旗`, `自治县`, `镇`, `乡`,
//!   `民族乡`, `街道`, `街道办事处`, `办事处`, `村`, `村委会`, `村民委员会`,
//!   `社区`, `社区居委会`, `居委会`, `居民委员会`, ...) and, for autonomous
//!   divisions, without the ethnic names (`广西`, `延边`, `长阳`). A short form
//!   is at least two characters: `赵县`, `城区`, `郊区` are only matched whole.
//!   After a short form an ending of the same kind may be written
//!   (`北杨邑村` for 北杨邑村民委员会, `海南州` for 海南藏族自治州,
//!   `浦东区` for 浦东新区, `太阳宫乡` for Beijing's 太阳宫地区), but not one
//!   of another kind: `乌鲁木齐市` is the city, never 乌鲁木齐县; `开平镇` is
//!   not 开平街道. Villages are the exception: `村` for a 社区 and `社区` for a
//!   村 are accepted (villages become communities, 撤村建居) but lose to a
//!   division of the right kind.
//! - **Where a short form stops.** A component written as a bare short form
//!   (no ending) must be followed by the next component, the end of the
//!   text, a separator, a digit or letter, or a detail word (`组`, `队`,
//!   `号`, `栋`, `单元`, `室`, `楼`, `三组`, ...). So `海富3栋` is 海富社区,
//!   but `海富花园` is not (nor is `河南` of `河南省` the village 河南村).
//! - **Detail.** Whatever follows the last component (house numbers, 组/队,
//!   buildings, roads) is ignored; [`Resolved::matched`] says which bytes
//!   named the division.
//! - **Context.** Resolution is relative to a jurisdiction `within` (the
//!   importing node's code). A short address is looked for under `within`
//!   first, then under its county; an address may also restate `within` or
//!   any of its ancestors (`鹤山区鹤壁集镇...`, `鹤壁市淇滨区...`), or start
//!   with any province or prefecture-level city (the full path of an address
//!   elsewhere). An address that starts with a county, township or village
//!   outside that context is refused ([`AddressError::OutsideContext`]) with
//!   what it would name, so that the operator writes its province or city.
//! - **Choice.** Of the readings found, the deepest wins (`姬家山` is the
//!   village 姬家山村 rather than the township 姬家山乡 around it), then the
//!   one that reads the most text, then the one with fewer endings of the
//!   other kind, fewer skipped levels, fewer bare short forms, and more names
//!   written in full (`桥头居委会` is 桥头居委会, not 桥头社区居委会 of the
//!   same township). Readings equal on all of these but naming different
//!   divisions are [`AddressError::Ambiguous`] (`广场社区` in 鹤山区, which
//!   has two).
//! - **Level.** The caller names the level it needs (`Level::Village` for a
//!   ledger's origin and residence); an address that stops above it is
//!   [`AddressError::Incomplete`] ("no village/community given"), never a
//!   silently coarser code.
//!
//! Limits: no abbreviations other than the short forms above (`科右前旗`,
//! `内蒙` are not recognised), no traditional characters, no former names
//! (divisions renamed or merged before 2023 are unknown), no natural
//! villages (自然村) or villager groups below the village, and no words
//! before the first division name (`户籍地：...`). A bare short form followed
//! by a road or estate name (`海富花园`, `北杨邑中心街`) is not read as the
//! village; written with its ending (`北杨邑村中心街5号`) it is. Only the
//! first 160 characters of the text are read.
//!
//! # Cost
//!
//! The index is built on the first call to [`index`] (or [`resolve`]), once
//! per process: 0.1–0.2 s in a release build (0.02–0.03 s more if the division
//! table is not decoded yet), 7.8 MB of heap (one 8-byte key per division
//! and one 4-byte offset per village name) and ~10 MB of resident memory.
//! Only processes that resolve addresses (the ledger import) pay for it; a
//! node that never calls this module does not. The village names add
//! 2.8 MB to binaries that use it. Resolving one address then takes 5–20 µs
//! (99th percentile 50–80 µs over every village of the table); an error,
//! which searches for candidates across the country, up to ~0.3 ms. The
//! search is bounded ([`MAX_ATTEMPTS`] names tried per phase, 160
//! characters read), so no text takes long.

mod villages;

use crate::code::{Code, Level};
use crate::divisions::{self, Divisions};
use liudong_i18n::t;
use std::cmp::Reverse;
use std::ops::Range;
use std::sync::OnceLock;
use villages::VillageNames;

/// Level numbers used here, as in the division table: 0 province .. 4 village.
const LEVELS: [Level; 5] = [
    Level::Province,
    Level::Prefecture,
    Level::County,
    Level::Township,
    Level::Village,
];
const WIDTHS: [usize; 5] = [2, 4, 6, 9, 12];
const COUNTY: usize = 2;
const VILLAGE: usize = 4;

/// Characters of normalised text read; the rest is detail.
const MAX_CHARS: usize = 160;
/// Names tried per search phase; bounds the time any text can take.
pub const MAX_ATTEMPTS: usize = 5_000;
/// Candidates listed in an error.
pub const MAX_CANDIDATES: usize = 6;

/// Endings of official names, per level, longest first, each with its kind
/// (what sort of division it names: 县 and 自治县 are one kind, 县 and 市
/// are not). The first ending that leaves at least two characters is removed
/// to give the short form. After a short form a text may write any ending of
/// the same kind (also from [`TEXT_ENDINGS`]); for villages also one of the
/// other kind (村 for a 社区, after 撤村建居), which counts as a loose match.
const ENDINGS: [&[(&str, Kind)]; 5] = [
    &[("自治区", 1), ("省", 2), ("市", 3)],
    &[("自治州", 1), ("地区", 2), ("市", 3), ("盟", 4)],
    &[
        ("自治县", 1),
        ("自治旗", 2),
        ("新区", 3),
        ("林区", 4),
        ("特区", 5),
        ("县", 1),
        ("区", 3),
        ("市", 6),
        ("旗", 2),
    ],
    &[
        ("街道办事处", 1),
        ("民族乡", 2),
        ("办事处", 1),
        ("街道", 1),
        ("地区", 2),
        ("苏木", 4),
        ("镇", 5),
        ("乡", 2),
    ],
    &[
        ("社区居民委员会", 1),
        ("社区居委会", 1),
        ("村民委员会", 2),
        ("居民委员会", 1),
        ("村委会", 2),
        ("居委会", 1),
        ("委员会", ANY_KIND),
        ("社区", 1),
        ("村委", 2),
        ("居委", 1),
        ("嘎查", 3),
        ("村", 2),
    ],
];

/// Endings written in texts but not part of official names.
const TEXT_ENDINGS: [&[(&str, Kind)]; 5] =
    [&[], &[("州", 1)], &[], &[("街道办", 1), ("街办", 1)], &[]];

/// Kind of an ending (see [`ENDINGS`]); 0 for a name without one.
type Kind = u8;
/// 委员会: either a villagers' or a residents' committee.
const ANY_KIND: Kind = 9;

/// The 56 ethnic groups, separated by spaces, as they appear in autonomous
/// division names (`X族`; the longer ones also without 族 after 自治:
/// 新疆维吾尔自治区).
const ETHNIC: &str = "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 \
     哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 \
     达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 \
     俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 \
     基诺";

/// Names the NBS table gives levels that have no division of their own.
const PLACEHOLDERS: &[&str] = &[
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// May be skipped at the start of a text.
const COUNTRY: &[&str] = &["中华人民共和国", "中国"];

/// Words that start the detail after a village (组, 号, 栋, ...).
const DETAIL_WORDS: &[&str] = &["组", "队", "号", "栋", "幢", "座", "单元", "室", "楼"];
/// Chinese numerals, for `三组`, `十二号`.
const NUMERALS: &str = "一二三四五六七八九十〇零百两";

/// A division resolved from an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub code: Code,
    pub level: Level,
    /// Official names from the province down, separated by spaces, without
    /// the table's placeholders: `河南省 鹤壁市 鹤山区 鹤壁集镇 北杨邑村民委员会`.
    pub full_name: String,
    /// Byte range of the text that named the division; what follows it is
    /// detail (house number, group, building).
    pub matched: Range<usize>,
    /// Each division named in the text, in order, with its byte range.
    pub parts: Vec<Part>,
}

/// One division named in an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub code: Code,
    pub matched: Range<usize>,
}

impl Resolved {
    /// The part of `text` (the resolved text) that named the division.
    pub fn matched_text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.matched.clone()).unwrap_or("")
    }

    /// The detail after the division in `text` (the resolved text), trimmed.
    pub fn detail<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.matched.end..)
            .unwrap_or("")
            .trim_matches(|c: char| fold(c).is_none())
    }
}

/// A division offered in an error: its code and full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub code: Code,
    pub full_name: String,
}

/// Why an address does not resolve. The `Display` text is for the
/// operator (from the message catalogue, Chinese by default) and lists the
/// candidates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// No division name in the text (empty, or only spaces and punctuation).
    #[error("{}", t!("error-address-empty"))]
    Empty,
    /// The text names no division of the context. `candidates`: divisions
    /// of the context whose names resemble the text's start, best first.
    #[error("{}", t!("error-address-unknown", text = .text, similar = list(candidates, Lead::Similar)))]
    Unknown {
        text: String,
        candidates: Vec<Candidate>,
    },
    /// The text starts with a county, township or village outside the
    /// context (`within`); `candidates` are the divisions it would name.
    #[error(
        "{}",
        t!("error-address-outside", text = .text, within = .within.to_string(), examples = list(candidates, Lead::Examples))
    )]
    OutsideContext {
        text: String,
        within: Code,
        candidates: Vec<Candidate>,
    },
    /// The text fits several divisions equally well.
    #[error(
        "{}",
        t!("error-address-ambiguous", text = .text, places = list(candidates, Lead::Places))
    )]
    Ambiguous {
        text: String,
        candidates: Vec<Candidate>,
    },
    /// The text names a division above the level required (a township where
    /// a village is needed). `unrecognised` is the rest of the text after it
    /// (empty: nothing more was written); `candidates` are divisions under
    /// `resolved` that resemble it.
    #[error("{}", incomplete(text, resolved, *required, unrecognised, candidates))]
    Incomplete {
        text: String,
        resolved: Box<Resolved>,
        required: Level,
        unrecognised: String,
        candidates: Vec<Candidate>,
    },
}

impl AddressError {
    /// The divisions the error offers (none for `Empty`).
    pub fn candidates(&self) -> &[Candidate] {
        match self {
            AddressError::Empty => &[],
            AddressError::Unknown { candidates, .. }
            | AddressError::OutsideContext { candidates, .. }
            | AddressError::Ambiguous { candidates, .. }
            | AddressError::Incomplete { candidates, .. } => candidates,
        }
    }
}

/// How a list of candidates is introduced in an error.
#[derive(Clone, Copy)]
enum Lead {
    Similar,
    Examples,
    Places,
}

/// The candidates as the error lists them (empty if none).
fn list(candidates: &[Candidate], lead: Lead) -> String {
    if candidates.is_empty() {
        return String::new();
    }
    let items: Vec<String> = candidates
        .iter()
        .map(|c| {
            t!(
                "error-address-candidate",
                name = &c.full_name,
                code = c.code.to_string()
            )
        })
        .collect();
    let list = items.join(&t!("error-address-separator"));
    match lead {
        Lead::Similar => t!("error-address-similar", list = list),
        Lead::Examples => t!("error-address-examples", list = list),
        Lead::Places => t!("error-address-places", list = list),
    }
}

/// A level's name in address errors.
fn level_name(level: Level) -> String {
    match level {
        Level::National => t!("error-address-level-national"),
        Level::Province => t!("error-address-level-province"),
        Level::Prefecture => t!("error-address-level-prefecture"),
        Level::County => t!("error-address-level-county"),
        Level::Township => t!("error-address-level-township"),
        Level::Village => t!("error-address-level-village"),
    }
}

fn incomplete(
    text: &str,
    resolved: &Resolved,
    required: Level,
    unrecognised: &str,
    candidates: &[Candidate],
) -> String {
    let rest = if unrecognised.is_empty() {
        String::new()
    } else {
        t!(
            "error-address-incomplete-rest",
            text = unrecognised,
            required = level_name(required)
        )
    };
    t!(
        "error-address-incomplete",
        text = text,
        level = level_name(resolved.level),
        name = &resolved.full_name,
        code = resolved.code.to_string(),
        required = level_name(required),
        rest = rest,
        similar = list(candidates, Lead::Similar)
    )
}

/// Resolves `text` with the embedded index; see [`Index::resolve`].
pub fn resolve(text: &str, within: &Code, require: Level) -> Result<Resolved, AddressError> {
    index().resolve(text, within, require)
}

/// The index over the embedded tables, built on first use.
///
/// # Panics
///
/// Only if the embedded `data/villages.bin` does not belong to the embedded
/// division table, which the unit tests rule out for the files built in.
pub fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        Index::build(divisions::table(), villages::BLOB)
            .unwrap_or_else(|e| panic!("embedded data/villages.bin is invalid: {e}"))
    })
}

/// A division: its level (0 province .. 4 village) and its position among
/// the codes of that level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Node {
    level: usize,
    pos: usize,
}

/// Names of every division, searchable by their first two characters.
pub struct Index {
    table: &'static Divisions,
    villages: VillageNames<'static>,
    /// Per division whose address name is not a placeholder: the first and
    /// second character of its normalised name (21 bits each; 0 for a
    /// one-character name) and its number (22 bits: `bases[level] + pos`),
    /// sorted.
    keys: Vec<u64>,
    /// Number of the first division of each level.
    bases: [usize; 5],
    /// Codes of divisions an address need not name: placeholders (市辖区)
    /// and divisions named like their parent (东莞市 under 东莞市). Sorted.
    transparent: Vec<String>,
}

const KEY_BITS: u32 = 22;
const CHAR_BITS: u32 = 21;

fn key(c0: char, c1: Option<char>) -> u64 {
    (u64::from(c0) << (KEY_BITS + CHAR_BITS)) | (c1.map_or(0, u64::from) << KEY_BITS)
}

impl Index {
    /// Builds the index over `table` and the village names in `villages`
    /// (a `villages.bin` image).
    fn build(table: &'static Divisions, villages: &'static [u8]) -> Result<Index, String> {
        let villages = VillageNames::decode(villages, table)?;
        let mut bases = [0; 5];
        for level in 1..5 {
            bases[level] = bases[level - 1] + table.level_len(level - 1);
        }
        let total = bases[4] + table.level_len(4);
        if total >= 1 << KEY_BITS {
            return Err(format!("{total} divisions: too many to index"));
        }
        let mut ix = Index {
            table,
            villages,
            keys: Vec::with_capacity(total),
            bases,
            transparent: Vec::new(),
        };
        let mut name = Vec::new();
        // The previous division's parent and the parent's name.
        let mut parent: (&str, Vec<char>) = ("", Vec::new());
        for level in 0..5 {
            for pos in 0..table.level_len(level) {
                let node = Node { level, pos };
                let code = table.code_at(level, pos);
                ix.name_into(node, &mut name);
                if level > 0 {
                    let up = &code[..WIDTHS[level - 1]];
                    if up != parent.0 {
                        parent.0 = up;
                        if let Some(p) = ix.node(up) {
                            ix.name_into(p, &mut parent.1);
                        }
                    }
                    if ix.is_placeholder(node) || name == parent.1 {
                        ix.transparent.push(code.to_owned());
                    }
                }
                let Some(&c0) = name.first() else { continue };
                if ix.is_placeholder(node) {
                    continue;
                }
                ix.keys
                    .push(key(c0, name.get(1).copied()) | (bases[level] + pos) as u64);
            }
        }
        ix.keys.sort_unstable();
        ix.transparent.sort_unstable();
        ix.keys.shrink_to_fit();
        Ok(ix)
    }

    /// Approximate heap bytes held by the index (the embedded tables and the
    /// decoded division table aside).
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 8
            + self.villages.heap_bytes()
            + self
                .transparent
                .iter()
                .map(|c| c.capacity() + 24)
                .sum::<usize>()
    }

    /// The official name of `code`, villages included.
    pub fn name(&self, code: &str) -> Option<String> {
        let (level, pos) = self.table.position(code)?;
        Some(self.official_name(Node { level, pos }))
    }

    /// The official names of `code` and its ancestors, from the province
    /// down, separated by spaces (placeholders such as 市辖区 left out).
    pub fn full_name(&self, code: &str) -> Option<String> {
        let (level, pos) = self.table.position(code)?;
        Some(self.full_name_of(Node { level, pos }))
    }

    fn official_name(&self, n: Node) -> String {
        if n.level == VILLAGE {
            self.villages.name(n.pos)
        } else {
            self.table.name_at(n.level, n.pos).unwrap_or("").to_owned()
        }
    }

    fn full_name_of(&self, n: Node) -> String {
        let code = self.code(n);
        let mut names: Vec<String> = Vec::new();
        for level in 0..=n.level {
            let Some((_, pos)) = self.table.position(&code[..WIDTHS[level]]) else {
                continue;
            };
            let name = self.official_name(Node { level, pos });
            if !PLACEHOLDERS.contains(&name.as_str()) && names.last() != Some(&name) {
                names.push(name);
            }
        }
        names.join(" ")
    }

    fn code(&self, n: Node) -> &'static str {
        self.table.code_at(n.level, n.pos)
    }

    fn node(&self, code: &str) -> Option<Node> {
        let (level, pos) = self.table.position(code)?;
        Some(Node { level, pos })
    }

    /// The code of `n` as a [`Code`] (table codes are valid codes).
    fn code_of(&self, n: Node) -> Code {
        Code::parse(self.code(n)).unwrap_or_default()
    }

    fn candidate(&self, n: Node) -> Candidate {
        Candidate {
            code: self.code_of(n),
            full_name: self.full_name_of(n),
        }
    }

    /// The normalised name of `n` into `out` (cleared first).
    fn name_into(&self, n: Node, out: &mut Vec<char>) {
        out.clear();
        if n.level == VILLAGE {
            self.villages.chars_into(n.pos, out);
            out.retain_mut(|c| match fold(*c) {
                Some(f) => {
                    *c = f;
                    true
                }
                None => false,
            });
        } else if let Some(name) = self.table.name_at(n.level, n.pos) {
            out.extend(name.chars().filter_map(fold));
        }
    }

    fn is_placeholder(&self, n: Node) -> bool {
        n.level != VILLAGE
            && self
                .table
                .name_at(n.level, n.pos)
                .is_some_and(|name| PLACEHOLDERS.contains(&name))
    }

    fn is_transparent(&self, code: &str) -> bool {
        self.transparent
            .binary_search_by(|c| c.as_str().cmp(code))
            .is_ok()
    }

    /// Divisions whose normalised names start with `text[pos..]`'s first two
    /// characters, or are the one character `text[pos]`.
    fn lookup(&self, text: &[char], pos: usize, out: &mut Vec<Node>) {
        out.clear();
        let Some(&c0) = text.get(pos) else { return };
        let two = text.get(pos + 1).map(|&c1| key(c0, Some(c1)));
        for k in std::iter::once(key(c0, None)).chain(two) {
            let lo = self.keys.partition_point(|&x| x < k);
            let hi = self
                .keys
                .partition_point(|&x| x <= k | ((1 << KEY_BITS) - 1));
            out.extend(self.keys[lo..hi].iter().map(|&x| self.node_of_id(x)));
        }
    }

    fn node_of_id(&self, key: u64) -> Node {
        let id = (key & ((1 << KEY_BITS) - 1)) as usize;
        let level = self.bases.iter().rposition(|&b| b <= id).unwrap_or(0);
        Node {
            level,
            pos: id - self.bases[level],
        }
    }

    /// If `n` lies strictly under `upper` (`None`: the country), the number of
    /// levels between them an address would have to name (placeholders and
    /// same-named levels do not count).
    fn skipped(&self, upper: Option<Node>, n: Node) -> Option<usize> {
        let code = self.code(n);
        let (upper_code, first) = match upper {
            Some(u) => (self.code(u), u.level + 1),
            None => ("", 0),
        };
        if n.level < first || !code.starts_with(upper_code) {
            return None;
        }
        Some(
            (first..n.level)
                .filter(|&l| !self.is_transparent(&code[..WIDTHS[l]]))
                .count(),
        )
    }

    /// The ends (in `text`) of the ways `n`'s name can be read at `pos`, each
    /// with how well it fits.
    fn match_ends(&self, n: Node, text: &[char], pos: usize, scratch: &mut Scratch) {
        scratch.ends.clear();
        self.name_into(n, &mut scratch.name);
        let name = &scratch.name;
        if name.is_empty() {
            return;
        }
        let kind = short_forms(name, n.level, &mut scratch.cores);
        let rest = &text[pos.min(text.len())..];
        for &core in &scratch.cores {
            if !rest.starts_with(&name[..core]) {
                continue;
            }
            let short = core < name.len();
            let fit = if short { Fit::Bare } else { Fit::Full };
            add_end(&mut scratch.ends, pos + core, fit);
            if !short && kind != 0 {
                continue;
            }
            let after = &rest[core..];
            for &(ending, k) in ENDINGS[n.level].iter().chain(TEXT_ENDINGS[n.level]) {
                let Some(len) = starts_with_str(after, ending) else {
                    continue;
                };
                let fit = if kind == k || (kind != 0 && (kind == ANY_KIND || k == ANY_KIND)) {
                    Fit::Exact
                } else if n.level == VILLAGE {
                    Fit::Loose
                } else {
                    continue;
                };
                add_end(&mut scratch.ends, pos + core + len, fit);
            }
        }
    }

    /// Resolves `text` to a division at least as deep as `require`
    /// (`Level::Village` for a ledger's origin or residence), reading short
    /// addresses inside `within` (the importing node's code; national for
    /// none). See the module documentation for the rules.
    pub fn resolve(
        &self,
        text: &str,
        within: &Code,
        require: Level,
    ) -> Result<Resolved, AddressError> {
        let norm = Norm::new(text);
        if norm.country >= norm.chars.len() {
            return Err(AddressError::Empty);
        }
        let within_node = self.node(within.as_str());
        let home = within_node
            .filter(|n| n.level > COUNTY)
            .and_then(|n| self.node(&self.code(n)[..WIDTHS[COUNTY]]));
        let required = LEVELS.iter().position(|&l| l == require);

        let mut phases = Vec::new();
        if let Some(w) = within_node {
            phases.push(Phase::Under(w));
        }
        if let Some(h) = home {
            phases.push(Phase::Under(h));
        }
        phases.push(Phase::Path(within_node));

        let mut partial: Option<(Score, Vec<Parse>)> = None;
        for phase in phases {
            let parses = self.search(&norm, phase);
            let Some((score, best)) = best_parses(parses) else {
                continue;
            };
            if required.is_none_or(|r| score.level >= r) {
                return self.finish(text, &norm, best);
            }
            if partial.as_ref().is_none_or(|(s, _)| score > *s) {
                partial = Some((score, best));
            }
        }
        if let Some((_, best)) = partial {
            // Several divisions above the level required: ambiguous.
            let resolved = self.finish(text, &norm, best)?;
            let end = norm.char_at_byte(resolved.matched.end);
            let unrecognised = if norm.is_detail(end) {
                String::new()
            } else {
                resolved.detail(text).to_owned()
            };
            let candidates = if unrecognised.is_empty() {
                Vec::new()
            } else {
                let n = self.node(resolved.code.as_str());
                self.similar(&norm.chars, end, n, 2)
            };
            return Err(AddressError::Incomplete {
                text: text.to_owned(),
                resolved: Box::new(resolved),
                required: require,
                unrecognised,
                candidates,
            });
        }
        let elsewhere = best_parses(self.search(&norm, Phase::Anywhere));
        if let Some((_, best)) = elsewhere {
            return Err(AddressError::OutsideContext {
                text: text.to_owned(),
                within: within.clone(),
                candidates: self.distinct(&best),
            });
        }
        let scope = home.or(within_node);
        Err(AddressError::Unknown {
            text: text.to_owned(),
            candidates: self.similar(&norm.chars, norm.country, scope, 3),
        })
    }

    /// The result for the best readings: one division, or ambiguity.
    fn finish(&self, text: &str, norm: &Norm, best: Vec<Parse>) -> Result<Resolved, AddressError> {
        let candidates = self.distinct(&best);
        if candidates.len() > 1 {
            return Err(AddressError::Ambiguous {
                text: text.to_owned(),
                candidates,
            });
        }
        let Some(parse) = best.into_iter().next() else {
            return Err(AddressError::Empty); // `best_parses` gives at least one
        };
        let parts: Vec<Part> = parse
            .steps
            .iter()
            .map(|s| Part {
                code: self.code_of(s.node),
                matched: norm.bytes(s.start, s.end),
            })
            .collect();
        let last = parse.last();
        let first = parse.steps.first().map_or(0, |s| s.start);
        Ok(Resolved {
            code: self.code_of(last),
            level: LEVELS[last.level],
            full_name: self.full_name_of(last),
            matched: norm.bytes(first, parse.end()),
            parts,
        })
    }

    /// Distinct final divisions of `parses`, in order, at most
    /// [`MAX_CANDIDATES`].
    fn distinct(&self, parses: &[Parse]) -> Vec<Candidate> {
        let mut seen: Vec<Node> = Vec::new();
        for p in parses {
            let n = p.last();
            if !seen.contains(&n) {
                seen.push(n);
            }
        }
        seen.truncate(MAX_CANDIDATES);
        seen.into_iter().map(|n| self.candidate(n)).collect()
    }

    /// Every reading of `norm` that `phase` allows.
    fn search(&self, norm: &Norm, phase: Phase) -> Vec<Parse> {
        let mut s = Search {
            ix: self,
            norm,
            budget: MAX_ATTEMPTS,
            path: Vec::new(),
            parses: Vec::new(),
            scratch: Scratch::default(),
        };
        let mut first = Vec::new();
        for start in norm.starts() {
            self.lookup(&norm.chars, start, &mut first);
            for &n in &first {
                let skips = match phase {
                    Phase::Under(scope) => self.skipped(Some(scope), n).filter(|&k| k <= 1),
                    Phase::Path(within) => {
                        let restates = within.is_some_and(|w| {
                            n.level <= w.level && self.code(w).starts_with(self.code(n))
                        });
                        if restates {
                            Some(0)
                        } else {
                            (n.level <= 1).then_some(n.level)
                        }
                    }
                    Phase::Anywhere => (n.level >= COUNTY).then_some(0),
                };
                if let Some(k) = skips {
                    s.attempt(n, start, k);
                }
            }
        }
        s.parses
    }

    /// Divisions under `scope` (`None`: anywhere) at most `depth` levels
    /// down whose names resemble `text[pos..]`, best first.
    fn similar(
        &self,
        text: &[char],
        pos: usize,
        scope: Option<Node>,
        depth: usize,
    ) -> Vec<Candidate> {
        let rest = &text[pos.min(text.len())..];
        if rest.is_empty() {
            return Vec::new();
        }
        let (prefix, from) = match scope {
            Some(s) => (self.code(s), s.level + 1),
            None => ("", 0),
        };
        let mut pool: Vec<Node> = Vec::new();
        // Divisions under the scope (a county has a few hundred), or, for a
        // wide scope, those sharing the text's first character.
        if scope.is_some_and(|s| s.level >= COUNTY) {
            for level in from..(from + depth).min(5) {
                pool.extend(
                    self.table
                        .range_under(level, prefix)
                        .map(|pos| Node { level, pos }),
                );
            }
        } else {
            let k = key(rest[0], None);
            let lo = self.keys.partition_point(|&x| x < k);
            let hi = self
                .keys
                .partition_point(|&x| x < k + (1 << (KEY_BITS + CHAR_BITS)));
            pool.extend(
                self.keys[lo..hi]
                    .iter()
                    .map(|&x| self.node_of_id(x))
                    .filter(|&n| n.level < from + depth && self.code(n).starts_with(prefix)),
            );
        }
        let mut scratch = Scratch::default();
        let mut scored: Vec<(usize, Node)> = pool
            .into_iter()
            .filter(|&n| !self.is_placeholder(n))
            .filter_map(|n| {
                self.name_into(n, &mut scratch.name);
                short_forms(&scratch.name, n.level, &mut scratch.cores);
                let score = scratch
                    .cores
                    .iter()
                    .map(|&c| resemblance(rest, &scratch.name[..c]))
                    .max()?;
                (score >= 3).then_some((score, n))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(MAX_CANDIDATES);
        scored.into_iter().map(|(_, n)| self.candidate(n)).collect()
    }
}

/// How much `text`'s start resembles `name`: twice the common prefix plus
/// the characters of `name` found near the start of `text`.
fn resemblance(text: &[char], name: &[char]) -> usize {
    let prefix = text.iter().zip(name).take_while(|(a, b)| a == b).count();
    let window = &text[..text.len().min(name.len() + 2)];
    let mut shared = 0;
    for (i, c) in name.iter().enumerate() {
        if !name[..i].contains(c) && window.contains(c) {
            shared += 1;
        }
    }
    if shared < 2 {
        return 0;
    }
    2 * prefix + shared
}

/// Where a search starts.
#[derive(Clone, Copy)]
enum Phase {
    /// A short address: the first component lies under this division.
    Under(Node),
    /// A path restating the context (its divisions or their ancestors) or
    /// starting at a province or prefecture-level city.
    Path(Option<Node>),
    /// For the error only: starting at any county, township or village.
    Anywhere,
}

/// One division read in the text: `text[start..end]` (normalised chars).
#[derive(Debug, Clone, Copy)]
struct Step {
    node: Node,
    start: usize,
    end: usize,
    fit: Fit,
}

/// How a division's name was written, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// A short form without an ending (鹤壁集): must be followed by another
    /// division, a boundary or detail.
    Bare,
    /// A village with an ending of the other kind (北街村 for 北街社区).
    Loose,
    /// A short form with an ending of its kind (北杨邑村 for 北杨邑村民委员会).
    Exact,
    /// The official name.
    Full,
}

/// A reading of the text: the divisions named, in order (never none).
#[derive(Debug, Clone)]
struct Parse {
    steps: Vec<Step>,
    skips: usize,
}

impl Parse {
    fn last(&self) -> Node {
        self.steps
            .last()
            .map_or(Node { level: 0, pos: 0 }, |s| s.node)
    }

    fn end(&self) -> usize {
        self.steps.last().map_or(0, |s| s.end)
    }

    fn score(&self) -> Score {
        let count = |fit| Reverse(self.steps.iter().filter(|s| s.fit == fit).count());
        Score {
            level: self.steps.last().map_or(0, |s| s.node.level),
            end: self.end(),
            loose: count(Fit::Loose),
            skips: Reverse(self.skips),
            bare: count(Fit::Bare),
            full: self.steps.iter().filter(|s| s.fit == Fit::Full).count(),
        }
    }
}

/// How good a reading is; greater is better (fields compared in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    /// Level of the division named.
    level: usize,
    /// Normalised characters read.
    end: usize,
    loose: Reverse<usize>,
    /// Levels skipped between the divisions named.
    skips: Reverse<usize>,
    bare: Reverse<usize>,
    /// Names written in full: 桥头居委会 is 桥头居委会 rather than
    /// 桥头社区居委会 of the same township.
    full: usize,
}

/// The readings with the best score, sorted by final division.
fn best_parses(parses: Vec<Parse>) -> Option<(Score, Vec<Parse>)> {
    let best = parses.iter().map(Parse::score).max()?;
    let mut top: Vec<Parse> = parses.into_iter().filter(|p| p.score() == best).collect();
    top.sort_by_key(Parse::last);
    Some((best, top))
}

/// Reusable buffers for matching names.
#[derive(Default)]
struct Scratch {
    name: Vec<char>,
    cores: Vec<usize>,
    /// Where a name read ends, and how well it fits.
    ends: Vec<(usize, Fit)>,
}

fn add_end(ends: &mut Vec<(usize, Fit)>, end: usize, fit: Fit) {
    match ends.iter_mut().find(|(e, _)| *e == end) {
        Some(e) => e.1 = e.1.max(fit),
        None => ends.push((end, fit)),
    }
}

/// A depth-first search for readings.
struct Search<'a> {
    ix: &'a Index,
    norm: &'a Norm,
    budget: usize,
    path: Vec<Step>,
    parses: Vec<Parse>,
    scratch: Scratch,
}

impl Search<'_> {
    /// Tries division `n` at `pos`, then whatever may follow it.
    fn attempt(&mut self, n: Node, pos: usize, skips: usize) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        self.ix
            .match_ends(n, &self.norm.chars, pos, &mut self.scratch);
        let ends = std::mem::take(&mut self.scratch.ends);
        for &(end, fit) in &ends {
            self.path.push(Step {
                node: n,
                start: pos,
                end,
                fit,
            });
            if fit != Fit::Bare || self.norm.is_boundary(end) {
                self.parses.push(Parse {
                    steps: self.path.clone(),
                    skips,
                });
            }
            if n.level < VILLAGE && end < self.norm.chars.len() {
                let mut next = Vec::new();
                self.ix.lookup(&self.norm.chars, end, &mut next);
                for m in next {
                    if let Some(k) = self.ix.skipped(Some(n), m).filter(|&k| k <= 1) {
                        self.attempt(m, end, skips + k);
                    }
                }
            }
            self.path.pop();
        }
    }
}

/// The short forms of a normalised official name, as lengths of its
/// prefixes: the whole name first, then without its ending, then (for
/// autonomous divisions) without ethnic names. Each is at least two
/// characters long. Returns the kind of the ending removed (0: none).
fn short_forms(name: &[char], level: usize, out: &mut Vec<usize>) -> Kind {
    out.clear();
    out.push(name.len());
    let cut = ENDINGS[level].iter().find_map(|&(e, kind)| {
        let k = ends_with_str(name, e)?;
        (name.len() - k >= 2).then_some((name.len() - k, kind, e.starts_with("自治")))
    });
    let Some((mut n, kind, autonomous)) = cut else {
        return 0;
    };
    out.push(n);
    if level == VILLAGE {
        return kind;
    }
    while let Some(k) = ethnic_ending(&name[..n], autonomous) {
        if n - k >= 2 {
            n -= k;
            out.push(n);
        } else {
            // 鄂温克族自治旗: nothing before the ethnic name; 鄂温克 is the name.
            if name[n - 1] == '族' && n > 2 {
                out.push(n - 1);
            }
            break;
        }
    }
    kind
}

/// Length of the ethnic name `name` ends with: `X族`, `各族`, or, after an
/// autonomous ending, a bare name of two or more characters (维吾尔).
fn ethnic_ending(name: &[char], bare: bool) -> Option<usize> {
    if name.last() == Some(&'族') {
        let before = &name[..name.len() - 1];
        if before.last() == Some(&'各') {
            return Some(2);
        }
        return ETHNIC
            .split_whitespace()
            .filter_map(|e| ends_with_str(before, e))
            .max()
            .map(|k| k + 1);
    }
    if bare {
        return ETHNIC
            .split_whitespace()
            .filter(|e| e.chars().count() >= 2)
            .filter_map(|e| ends_with_str(name, e))
            .max();
    }
    None
}

/// Character count of `s` if `text` ends with it.
fn ends_with_str(text: &[char], s: &str) -> Option<usize> {
    let mut i = text.len();
    for c in s.chars().rev() {
        i = i.checked_sub(1)?;
        if text[i] != c {
            return None;
        }
    }
    Some(text.len() - i)
}

/// Character count of `s` if `text` starts with it.
fn starts_with_str(text: &[char], s: &str) -> Option<usize> {
    let mut n = 0;
    for c in s.chars() {
        if text.get(n) != Some(&c) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// Folds a character for matching: full-width forms to ASCII, ASCII letters
/// to lower case; `None` for spaces, controls and punctuation.
fn fold(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    let separator = c.is_whitespace()
        || c.is_control()
        || c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A0}'..='\u{00BF}' // Latin-1 punctuation, · (U+00B7)
            | '\u{2010}'..='\u{206F}' // dashes, quotes, bullets, …
            | '\u{3000}'..='\u{3004}' // ideographic space, 、。〃
            | '\u{3008}'..='\u{3020}' // brackets 《》「」【】, 〜
            | '\u{30FB}' // ・
            | '\u{FE10}'..='\u{FE6F}' // vertical and small forms
            | '\u{FF5F}'..='\u{FF65}' // ⦅⦆｡｢｣､･
            | '\u{FEFF}' // BOM
        );
    if separator {
        None
    } else {
        Some(c.to_ascii_lowercase())
    }
}

/// Normalised text: the characters kept by [`fold`], where each came from,
/// and whether a separator preceded it.
struct Norm {
    chars: Vec<char>,
    /// Byte range of each kept character in the original text.
    spans: Vec<Range<usize>>,
    /// A separator was dropped just before this character.
    sep_before: Vec<bool>,
    /// Characters of a leading 中国 / 中华人民共和国 (0 if none).
    country: usize,
}

impl Norm {
    fn new(text: &str) -> Norm {
        let mut n = Norm {
            chars: Vec::new(),
            spans: Vec::new(),
            sep_before: Vec::new(),
            country: 0,
        };
        let mut sep = false;
        for (at, c) in text.char_indices() {
            if n.chars.len() >= MAX_CHARS {
                break;
            }
            match fold(c) {
                Some(f) => {
                    n.chars.push(f);
                    n.spans.push(at..at + c.len_utf8());
                    n.sep_before.push(sep);
                    sep = false;
                }
                None => sep = true,
            }
        }
        n.country = COUNTRY
            .iter()
            .find_map(|c| starts_with_str(&n.chars, c))
            .unwrap_or(0);
        n
    }

    /// Where a reading may start: at the beginning and, after a leading
    /// 中国, after it (中国林业科学研究院... is a name).
    fn starts(&self) -> impl Iterator<Item = usize> {
        std::iter::once(0).chain((self.country > 0).then_some(self.country))
    }

    /// Byte range of normalised characters `start..end`.
    fn bytes(&self, start: usize, end: usize) -> Range<usize> {
        let from = self.spans.get(start).map_or(0, |r| r.start);
        let to = end
            .checked_sub(1)
            .and_then(|e| self.spans.get(e))
            .map_or(from, |r| r.end);
        from..to.max(from)
    }

    /// Index of the first normalised character at or after byte `at`.
    fn char_at_byte(&self, at: usize) -> usize {
        self.spans.partition_point(|r| r.start < at)
    }

    /// May a bare short form end at `pos`?
    fn is_boundary(&self, pos: usize) -> bool {
        self.sep_before.get(pos).is_none_or(|&s| s) || self.is_detail(pos)
    }

    /// Does detail (or nothing) start at `pos`: a digit or letter, a
    /// numbered group (三组), or a word such as 组, 号, 栋?
    fn is_detail(&self, pos: usize) -> bool {
        let rest = &self.chars[pos.min(self.chars.len())..];
        let Some(&c) = rest.first() else {
            return true;
        };
        if c.is_ascii_alphanumeric() {
            return true;
        }
        let numerals = rest.iter().take_while(|c| NUMERALS.contains(**c)).count();
        let after = &rest[numerals..];
        DETAIL_WORDS
            .iter()
            .any(|w| starts_with_str(after, w).is_some())
    }
}

#[cfg(test)]
mod tests;
