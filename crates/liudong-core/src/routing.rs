//! Routing: which node is entitled to which record.
//!
//! Every node serves one jurisdiction. A village, township or county node with
//! code P holds every record one of whose *places* lies under P: its origin,
//! its residence, and for a residence change the residence the person left
//! (so the old residence learns the person is gone). An exchange node with
//! code X (national = empty, or a province) whose children are at level L
//! holds the records that touch X *and* cross a boundary at level L (places
//! under different children), so one county's people are never shown to a
//! county that has no part in them.
//!
//! A record moves over a link N → M exactly when M holds it and N did not
//! receive it from M. Because the nodes holding a record form a connected
//! subtree that contains its author, this one rule yields every path the
//! product needs: upward to the county, across the exchange tier, and down to
//! the villages on both sides — and nowhere else.

use crate::code::{Code, Level};
use crate::record::Record;
use liudong_i18n::t;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of node serves a jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Village,
    Township,
    County,
    /// A province or national exchange whose children are at `child_level`
    /// (counties, or province exchanges under a national one).
    Exchange {
        child_level: Level,
    },
}

impl NodeKind {
    /// The kind as the operator reads it, in this process's language.
    pub fn label(self) -> String {
        match self {
            NodeKind::Village => t!("topo-kind-village"),
            NodeKind::Township => t!("topo-kind-township"),
            NodeKind::County => t!("topo-kind-county"),
            NodeKind::Exchange { .. } => t!("topo-kind-exchange"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Village => "village",
            NodeKind::Township => "township",
            NodeKind::County => "county",
            NodeKind::Exchange { .. } => "exchange",
        }
    }
}

/// A node's jurisdiction is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("{}", t!("scope-kind-mismatch", code = code.to_string(), level = level.label(), kind = kind.label(), expected = *expected))]
    KindMismatch {
        code: Code,
        level: Level,
        kind: NodeKind,
        expected: usize,
    },
    #[error("{}", t!("scope-exchange-children", code = code.to_string(), child = child.label()))]
    ExchangeChildren { code: Code, child: Level },
    #[error("{}", t!("scope-not-parent", parent = parent.to_string(), child = child.to_string(), reason = liudong_i18n::tr(reason, &[])))]
    NotParent {
        parent: Code,
        child: Code,
        /// Why, as a catalogue id (`scope-rule-…`).
        reason: &'static str,
    },
}

/// One node's jurisdiction: its code and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeScope {
    pub code: Code,
    pub kind: NodeKind,
}

/// A link of a node, seen from that node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Link {
    /// The node's upstream (the node it dials).
    Parent,
    /// A child node, by code.
    Child(Code),
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Link::Parent => f.write_str("^"),
            Link::Child(c) => write!(f, "{c}"),
        }
    }
}

/// The places a record concerns: its origin, its residence if known, and,
/// for a residence change, the residence the person left (that side must
/// learn the person is gone) — which a correction of a residence change
/// carries too, so that it goes wherever its target went.
pub fn places(r: &Record) -> impl Iterator<Item = &Code> {
    std::iter::once(&r.origin)
        .chain(r.residence.as_ref())
        .chain(previous_residence(r))
}

/// The third place of a record: the residence the person left, named by a
/// residence change and carried by a correction of one.
pub fn previous_residence(r: &Record) -> Option<&Code> {
    match &r.body {
        crate::Body::ResidenceChanged(b) => b.previous_residence.as_ref(),
        crate::Body::Correction(c) => c.previous_residence.as_ref(),
        _ => None,
    }
}

/// Every place of a record, by role: what decides who holds it. Two records
/// with equal places are held by exactly the same nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    pub origin: Code,
    pub residence: Option<Code>,
    pub previous_residence: Option<Code>,
}

impl Places {
    pub fn of(r: &Record) -> Places {
        Places {
            origin: r.origin.clone(),
            residence: r.residence.clone(),
            previous_residence: previous_residence(r).cloned(),
        }
    }
}

/// True if any place of the record (origin, residence, previous residence)
/// lies under `scope`.
pub fn touches(scope: &Code, r: &Record) -> bool {
    places(r).any(|c| c.is_under(scope))
}

/// True if the record's places lie under different units at `level`.
pub fn crosses(level: Level, r: &Record) -> bool {
    let origin = r.origin.at_level(level);
    places(r).any(|c| c.at_level(level) != origin)
}

impl NodeScope {
    /// A checked scope: the code's level must fit the kind.
    pub fn new(code: Code, kind: NodeKind) -> Result<NodeScope, ScopeError> {
        let expected = match kind {
            NodeKind::Village => Some(Level::Village),
            NodeKind::Township => Some(Level::Township),
            NodeKind::County => Some(Level::County),
            NodeKind::Exchange { child_level } => {
                if child_level <= code.level() || child_level > Level::County {
                    return Err(ScopeError::ExchangeChildren {
                        code,
                        child: child_level,
                    });
                }
                if code.level() >= Level::County {
                    return Err(ScopeError::KindMismatch {
                        level: code.level(),
                        code,
                        kind: NodeKind::Exchange {
                            child_level: Level::County,
                        },
                        expected: 2,
                    });
                }
                None
            }
        };
        if let Some(level) = expected
            && code.level() != level
        {
            return Err(ScopeError::KindMismatch {
                level: code.level(),
                code,
                kind,
                expected: level.digits(),
            });
        }
        Ok(NodeScope { code, kind })
    }

    /// The natural kind for a code at village, township or county level.
    pub fn for_code(code: Code) -> Result<NodeScope, ScopeError> {
        let kind = match code.level() {
            Level::Village => NodeKind::Village,
            Level::Township => NodeKind::Township,
            Level::County => NodeKind::County,
            _ => NodeKind::Exchange {
                child_level: Level::County,
            },
        };
        NodeScope::new(code, kind)
    }

    /// Level of this node's children, if it has any.
    pub fn child_level(&self) -> Option<Level> {
        match self.kind {
            NodeKind::Village => None,
            NodeKind::Township => Some(Level::Village),
            NodeKind::County => Some(Level::Township),
            NodeKind::Exchange { child_level } => Some(child_level),
        }
    }

    /// True if this node is entitled to hold `r`.
    pub fn holds(&self, r: &Record) -> bool {
        match self.kind {
            NodeKind::Exchange { child_level } => touches(&self.code, r) && crosses(child_level, r),
            _ => touches(&self.code, r),
        }
    }

    /// The scope of a direct child `code`, or `None` if `code` is not a child.
    pub fn child(&self, code: &Code) -> Option<NodeScope> {
        let level = self.child_level()?;
        if code.level() != level || !code.is_under(&self.code) {
            return None;
        }
        let kind = match level {
            Level::Village => NodeKind::Village,
            Level::Township => NodeKind::Township,
            Level::County => NodeKind::County,
            _ => NodeKind::Exchange {
                child_level: Level::County,
            },
        };
        Some(NodeScope {
            code: code.clone(),
            kind,
        })
    }

    /// The scope of this node's upstream `parent`, checked against the tree.
    pub fn parent(&self, parent: &Code) -> Result<NodeScope, ScopeError> {
        let not_parent = |reason| ScopeError::NotParent {
            parent: parent.clone(),
            child: self.code.clone(),
            reason,
        };
        if !self.code.is_under(parent) || parent == &self.code {
            return Err(not_parent("scope-rule-prefix"));
        }
        let kind = match (self.code.level(), parent.level()) {
            (Level::Village, Level::Township) => NodeKind::Township,
            (Level::Township, Level::County) => NodeKind::County,
            (Level::Village | Level::Township, _) => {
                return Err(not_parent("scope-rule-village-township"));
            }
            (own, p) if p < Level::County => NodeKind::Exchange { child_level: own },
            _ => return Err(not_parent("scope-rule-county-exchange")),
        };
        NodeScope::new(parent.clone(), kind)
    }

    /// The links of this node over which `r` must travel, given the node's
    /// upstream (if any). The link the record came from is the caller's to
    /// remove: a record is never sent back to the peer it came from.
    pub fn links_for(&self, parent: Option<&NodeScope>, r: &Record) -> Vec<Link> {
        let mut out = Vec::with_capacity(3);
        if parent.is_some_and(|p| p.holds(r)) {
            out.push(Link::Parent);
        }
        if let Some(level) = self.child_level() {
            for code in places(r) {
                if let Some(c) = code.at_level(level)
                    && let Some(child) = self.child(&c)
                    && child.holds(r)
                    && !out.contains(&Link::Child(c.clone()))
                {
                    out.push(Link::Child(c));
                }
            }
        }
        out
    }
}

/// The route of a sealed envelope across the exchange tier: the county a
/// crossing record left (`source`) and the county it is sealed to
/// (`destination`). Exchange nodes route envelopes by this alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Crossing {
    pub source: Code,
    pub destination: Code,
}

impl Crossing {
    fn places(&self) -> [&Code; 2] {
        [&self.source, &self.destination]
    }
}

impl NodeScope {
    /// True if this node is an exchange node.
    pub fn is_exchange(&self) -> bool {
        matches!(self.kind, NodeKind::Exchange { .. })
    }

    /// True if this node holds an envelope on route `c`: a county holds the
    /// envelopes it sends and those sealed to it; an exchange with children
    /// at level L those whose two counties lie under different children and
    /// one of them under the exchange (the exchange is on the tree path
    /// between them). The same rule as [`NodeScope::holds`] with the two
    /// counties as the only places.
    pub fn holds_envelope(&self, c: &Crossing) -> bool {
        match self.kind {
            NodeKind::Exchange { child_level } => {
                c.places().iter().any(|p| p.is_under(&self.code))
                    && c.source.at_level(child_level) != c.destination.at_level(child_level)
            }
            NodeKind::County => c.places().contains(&&self.code),
            _ => false,
        }
    }

    /// The links of this node over which an envelope on route `c` travels
    /// (and whose fingerprints it belongs to), the link it came from
    /// included: the caller removes that one before sending.
    pub fn envelope_links(&self, parent: Option<&NodeScope>, c: &Crossing) -> Vec<Link> {
        let mut out = Vec::with_capacity(3);
        if parent.is_some_and(|p| p.holds_envelope(c)) {
            out.push(Link::Parent);
        }
        if let (NodeKind::Exchange { child_level }, true) = (self.kind, self.holds_envelope(c)) {
            for code in c.places() {
                if let Some(child) = code.at_level(child_level)
                    && self.child(&child).is_some()
                    && !out.contains(&Link::Child(child.clone()))
                {
                    out.push(Link::Child(child));
                }
            }
        }
        out
    }
}

impl fmt::Display for NodeScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.name(), self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{outflow_body, test_record};

    fn scope(code: &str) -> NodeScope {
        NodeScope::for_code(Code::parse(code).unwrap()).unwrap()
    }

    fn c(code: &str) -> Code {
        Code::parse(code).unwrap()
    }

    #[test]
    fn who_holds_what() {
        let crossing = test_record(
            "410602100001",
            1,
            1,
            "410602100001",
            Some("440306018001"),
            outflow_body(),
        );
        let local = test_record(
            "410602100001",
            2,
            2,
            "410602100001",
            Some("410602001001"),
            outflow_body(),
        );
        let home = test_record("410602100001", 3, 3, "410602100001", None, outflow_body());
        let national = NodeScope::new(
            Code::national(),
            NodeKind::Exchange {
                child_level: Level::County,
            },
        )
        .unwrap();
        let henan = NodeScope::new(
            c("41"),
            NodeKind::Exchange {
                child_level: Level::County,
            },
        )
        .unwrap();
        for (s, want) in [
            (scope("410602100001"), [true, true, true]),
            (scope("410602100002"), [false, false, false]),
            (scope("410602100"), [true, true, true]),
            (scope("410602001"), [false, true, false]),
            (scope("410602"), [true, true, true]),
            (scope("440306"), [true, false, false]),
            (scope("440306018001"), [true, false, false]),
            (scope("330106"), [false, false, false]),
            (national.clone(), [true, false, false]),
            (henan, [true, false, false]),
        ] {
            assert_eq!(
                [s.holds(&crossing), s.holds(&local), s.holds(&home)],
                want,
                "{s}"
            );
        }
        // A national exchange above province exchanges holds only what crosses provinces.
        let above_provinces = NodeScope::new(
            Code::national(),
            NodeKind::Exchange {
                child_level: Level::Province,
            },
        )
        .unwrap();
        let in_province = test_record(
            "410602100001",
            4,
            4,
            "410602100001",
            Some("410603001001"),
            outflow_body(),
        );
        assert!(above_provinces.holds(&crossing));
        assert!(!above_provinces.holds(&in_province));
        assert!(national.holds(&in_province));
    }

    #[test]
    fn links_follow_the_record_and_the_tree() {
        let crossing = test_record(
            "410602100001",
            1,
            1,
            "410602100001",
            Some("440306018001"),
            outflow_body(),
        );
        let county = scope("410602");
        let up = county.parent(&Code::national()).unwrap();
        assert_eq!(
            county.links_for(Some(&up), &crossing),
            vec![Link::Parent, Link::Child(c("410602100"))]
        );
        let national = up;
        assert_eq!(
            national.links_for(None, &crossing),
            vec![Link::Child(c("410602")), Link::Child(c("440306"))]
        );
        let town = scope("440306018");
        let town_up = town.parent(&c("440306")).unwrap();
        assert_eq!(
            town.links_for(Some(&town_up), &crossing),
            vec![Link::Parent, Link::Child(c("440306018001"))]
        );
        let local = test_record("410602100001", 2, 2, "410602100001", None, outflow_body());
        assert_eq!(
            county.links_for(Some(&national), &local),
            vec![Link::Child(c("410602100"))]
        );
    }

    #[test]
    fn upstreams_must_fit_the_tree() {
        let v = scope("410602100001");
        assert_eq!(v.parent(&c("410602100")).unwrap().kind, NodeKind::Township);
        assert!(
            v.parent(&c("410602"))
                .unwrap_err()
                .to_string()
                .contains("村连接其乡镇")
        );
        assert!(v.parent(&c("440306018")).is_err());
        let county = scope("410602");
        assert_eq!(
            county.parent(&c("41")).unwrap().kind,
            NodeKind::Exchange {
                child_level: Level::County
            }
        );
        assert!(scope("410602100").child(&c("410602100001")).is_some());
        assert!(scope("410602100").child(&c("410602101001")).is_none());
        assert!(NodeScope::new(c("410602"), NodeKind::Village).is_err());
    }

    #[test]
    fn a_residence_change_reaches_the_residence_the_person_left() {
        let moved = test_record(
            "410602001001",
            7,
            7,
            "410602100001",
            Some("410602001001"),
            crate::Body::ResidenceChanged(crate::record::ResidenceChanged {
                change_date: crate::Date::new(2026, 10, 1).unwrap(),
                address: String::new(),
                previous_residence: Some(c("410602100002")),
            }),
        );
        // The old residence's village and township hold it, as do the new ones.
        for code in [
            "410602100002",
            "410602100",
            "410602001001",
            "410602001",
            "410602",
        ] {
            assert!(scope(code).holds(&moved), "{code}");
        }
        assert!(!scope("410602100003").holds(&moved));
        // The township of the origin (also the old residence) sends it to the old residence's village.
        let links = scope("410602100").links_for(Some(&scope("410602")), &moved);
        assert!(links.contains(&Link::Child(c("410602100002"))), "{links:?}");
        // Inside one county: nothing for the exchange.
        assert!(!NodeScope::for_code(Code::national()).unwrap().holds(&moved));
    }

    #[test]
    fn envelopes_travel_the_tree_path_between_their_counties() {
        let ex = |code: &str, child_level| {
            NodeScope::new(
                if code == "CN" {
                    Code::national()
                } else {
                    c(code)
                },
                NodeKind::Exchange { child_level },
            )
            .unwrap()
        };
        let national = ex("CN", Level::Province);
        let henan = ex("41", Level::County);
        let guangdong = ex("44", Level::County);
        let flat = ex("CN", Level::County);
        let across = Crossing {
            source: c("410602"),
            destination: c("440306"),
        };
        let within = Crossing {
            source: c("410602"),
            destination: c("410603"),
        };
        // Across provinces: both province exchanges and the national one.
        for (s, want) in [
            (&national, true),
            (&henan, true),
            (&guangdong, true),
            (&flat, true),
        ] {
            assert_eq!(s.holds_envelope(&across), want, "{s}");
        }
        // Within Henan: the Henan exchange only.
        assert!(henan.holds_envelope(&within));
        assert!(!national.holds_envelope(&within));
        assert!(!guangdong.holds_envelope(&within));
        // Counties hold what they send and what is sealed to them.
        assert!(scope("410602").holds_envelope(&across));
        assert!(scope("440306").holds_envelope(&across));
        assert!(!scope("410603").holds_envelope(&across));
        assert!(!scope("410602100").holds_envelope(&across));
        // The route: up from Henan, across the national exchange, down into Guangdong.
        assert_eq!(
            scope("410602").envelope_links(Some(&henan), &across),
            vec![Link::Parent]
        );
        assert_eq!(
            henan.envelope_links(Some(&national), &across),
            vec![Link::Parent, Link::Child(c("410602"))]
        );
        assert_eq!(
            national.envelope_links(None, &across),
            vec![Link::Child(c("41")), Link::Child(c("44"))]
        );
        assert_eq!(
            guangdong.envelope_links(Some(&national), &across),
            vec![Link::Parent, Link::Child(c("440306"))]
        );
        assert_eq!(
            henan.envelope_links(Some(&national), &within),
            vec![Link::Child(c("410602")), Link::Child(c("410603"))]
        );
    }
}
