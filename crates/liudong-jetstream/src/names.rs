//! The names the exchange uses on the cluster, in one place: subjects,
//! consumers, inbox prefixes, and the permissions derived from them.
//!
//! A crossing record from county S to county D is published on
//! `liudong.x.<D>.<S>`: the destination first, so that D's durable consumer
//! filters `liudong.x.<D>.*`, and the source second, so that the server can
//! bind a publisher to its own code (S may publish only `liudong.x.*.<S>`).
//! Participants are counties (6 digits) or province exchanges (2 digits).
//!
//! Every participant gets its own inbox prefix (`_INBOX_<code>`) and may
//! subscribe only there: with the usual shared `_INBOX.>` any user of the
//! account could subscribe to every inbox and read what the stream delivers
//! to another participant's pull requests.

use liudong_core::Code;

/// Prefix of every exchange subject.
pub const SUBJECT_PREFIX: &str = "liudong.x";

/// The default stream name.
pub const DEFAULT_STREAM: &str = "LIUDONG_EXCHANGE";

/// Prefix of the key directory's subjects.
pub const KEYS_PREFIX: &str = "liudong.k";

/// The key directory's stream: every county's key announcements (public
/// keys with the certificate that binds them to the county).
pub const KEYS_STREAM: &str = "LIUDONG_KEYS";

/// The subject of county `county`'s announcement of key `key_id`: one
/// subject per key, holding its latest copy.
pub fn key_subject(county: &Code, key_id: &str) -> String {
    format!("{KEYS_PREFIX}.{county}.{key_id}")
}

/// The subjects of the key directory's stream.
pub fn key_subjects() -> String {
    format!("{KEYS_PREFIX}.*.*")
}

/// Prefix of the delivery proofs' subjects.
pub const PROOFS_PREFIX: &str = "liudong.f";

/// The delivery proofs' stream: what each county has handed to the
/// exchange for each destination (signed digests of routing headers).
pub const PROOFS_STREAM: &str = "LIUDONG_PROOFS";

/// The subject of `source`'s delivery proof for `dest`: the latest copy
/// kept.
pub fn proof_subject(source: &Code, dest: &Code) -> String {
    format!("{PROOFS_PREFIX}.{source}.{dest}")
}

/// The subjects of the proofs' stream.
pub fn proof_subjects() -> String {
    format!("{PROOFS_PREFIX}.*.*")
}

/// The subject of a payload from `source` to `dest`.
pub fn subject(dest: &Code, source: &Code) -> String {
    format!("{SUBJECT_PREFIX}.{dest}.{source}")
}

/// The subjects the stream captures: every destination and source.
pub fn stream_subjects() -> String {
    format!("{SUBJECT_PREFIX}.*.*")
}

/// What `code`'s durable consumer delivers: every payload to `code`.
pub fn inbound_filter(code: &Code) -> String {
    format!("{SUBJECT_PREFIX}.{code}.*")
}

/// The name of `code`'s durable consumer.
pub fn consumer_name(code: &Code) -> String {
    format!("to-{code}")
}

/// The inbox prefix of `code`'s connections.
pub fn inbox_prefix(code: &Code) -> String {
    format!("_INBOX_{code}")
}

/// The inbox prefix of the exchange operator's (administrative) connection.
pub const ADMIN_INBOX: &str = "_INBOX_ADMIN";

/// The source and destination a subject names, if it is an exchange subject
/// of two valid codes.
pub fn parse_subject(subject: &str) -> Option<(Code, Code)> {
    let rest = subject.strip_prefix(SUBJECT_PREFIX)?.strip_prefix('.')?;
    let (dest, source) = rest.split_once('.')?;
    Some((Code::parse(source).ok()?, Code::parse(dest).ok()?))
}

/// What a participant may publish and subscribe to on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
}

/// The permissions of participant `code` on stream `stream`: publish only
/// as itself (`liudong.x.*.<code>`), read only its own consumer (pull
/// requests, consumer and stream information, acknowledgements of what it
/// was delivered), receive only on its own inbox prefix. It can create,
/// change or delete no stream or consumer.
pub fn permissions(code: &Code, stream: &str) -> Permissions {
    let consumer = consumer_name(code);
    Permissions {
        publish: vec![
            format!("{SUBJECT_PREFIX}.*.{code}"),
            format!("$JS.API.STREAM.INFO.{stream}"),
            format!("$JS.API.CONSUMER.INFO.{stream}.{consumer}"),
            format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"),
            format!("$JS.ACK.{stream}.{consumer}.>"),
            // The key directory: announce only its own keys, read everyone's
            // (announcements are public: keys and certificates).
            format!("{KEYS_PREFIX}.{code}.*"),
            format!("$JS.API.DIRECT.GET.{KEYS_STREAM}"),
            format!("$JS.API.DIRECT.GET.{KEYS_STREAM}.>"),
            // Delivery proofs: announce only as the source, read (the
            // latest of a subject, by direct get) only those addressed to
            // itself.
            format!("{PROOFS_PREFIX}.{code}.*"),
            format!("$JS.API.DIRECT.GET.{PROOFS_STREAM}.{PROOFS_PREFIX}.*.{code}"),
        ],
        subscribe: vec![format!("{}.>", inbox_prefix(code))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn a_subject_names_destination_then_source_and_parses_back() {
        let s = subject(&c("440306"), &c("410602"));
        assert_eq!(s, "liudong.x.440306.410602");
        assert_eq!(parse_subject(&s), Some((c("410602"), c("440306"))));
        assert_eq!(parse_subject("liudong.x.440306"), None);
        assert_eq!(parse_subject("liudong.y.440306.410602"), None);
        assert_eq!(parse_subject("liudong.x.44030.410602"), None);
    }

    /// A NATS subject pattern matches a subject (`*` one token, `>` the rest).
    fn matches(pattern: &str, subject: &str) -> bool {
        let (p, s): (Vec<_>, Vec<_>) = (pattern.split('.').collect(), subject.split('.').collect());
        for (i, t) in p.iter().enumerate() {
            match *t {
                ">" => return s.len() > i,
                "*" if i < s.len() => {}
                t if s.get(i) == Some(&t) => {}
                _ => return false,
            }
        }
        p.len() == s.len()
    }

    #[test]
    fn a_participant_may_publish_only_as_itself_and_read_only_its_own_queue() {
        let (a, b) = (c("410602"), c("440306"));
        let p = permissions(&a, DEFAULT_STREAM);
        let may_publish = |s: &str| p.publish.iter().any(|x| matches(x, s));
        let may_subscribe = |s: &str| p.subscribe.iter().any(|x| matches(x, s));
        assert!(may_publish(&subject(&b, &a)));
        assert!(!may_publish(&subject(&a, &b)), "as another county");
        assert!(!may_publish(&subject(&b, &c("330106"))));
        assert!(may_publish(&format!(
            "$JS.API.CONSUMER.MSG.NEXT.{DEFAULT_STREAM}.to-410602"
        )));
        for denied in [
            format!("$JS.API.CONSUMER.MSG.NEXT.{DEFAULT_STREAM}.to-440306"),
            format!("$JS.API.CONSUMER.INFO.{DEFAULT_STREAM}.to-440306"),
            format!("$JS.API.CONSUMER.CREATE.{DEFAULT_STREAM}.spy.liudong.x.440306.*"),
            format!("$JS.API.CONSUMER.DURABLE.CREATE.{DEFAULT_STREAM}.spy"),
            format!("$JS.API.STREAM.DELETE.{DEFAULT_STREAM}"),
            format!("$JS.API.STREAM.PURGE.{DEFAULT_STREAM}"),
            format!("$JS.API.STREAM.MSG.GET.{DEFAULT_STREAM}"),
            format!("$JS.ACK.{DEFAULT_STREAM}.to-440306.1.2.3.4.5"),
        ] {
            assert!(!may_publish(&denied), "{denied}");
        }
        assert!(may_publish(&key_subject(&a, "k1")));
        assert!(!may_publish(&key_subject(&b, "k1")), "another's key");
        assert!(may_publish(&format!("$JS.API.DIRECT.GET.{KEYS_STREAM}")));
        assert!(!may_publish(&format!(
            "$JS.API.DIRECT.GET.{DEFAULT_STREAM}"
        )));
        assert!(may_publish(&proof_subject(&a, &b)));
        assert!(!may_publish(&proof_subject(&b, &a)), "as another source");
        assert!(may_publish(&format!(
            "$JS.API.DIRECT.GET.{PROOFS_STREAM}.{}",
            proof_subject(&b, &a)
        )));
        for denied in [
            format!(
                "$JS.API.DIRECT.GET.{PROOFS_STREAM}.{}",
                proof_subject(&a, &b)
            ),
            format!("$JS.API.DIRECT.GET.{PROOFS_STREAM}"),
            format!("$JS.API.STREAM.PURGE.{PROOFS_STREAM}"),
        ] {
            assert!(!may_publish(&denied), "{denied}");
        }
        assert!(may_subscribe("_INBOX_410602.abc.1"));
        assert!(!may_subscribe("_INBOX_440306.abc.1"));
        assert!(!may_subscribe("_INBOX.abc"));
        assert!(!may_subscribe(&subject(&b, &a)));
        assert!(
            !may_subscribe(&inbound_filter(&a)),
            "only through its consumer"
        );
    }

    #[test]
    fn the_consumer_filter_matches_exactly_the_payloads_to_its_county() {
        let (a, b) = (c("410602"), c("440306"));
        assert!(matches(&inbound_filter(&a), &subject(&a, &b)));
        assert!(!matches(&inbound_filter(&a), &subject(&b, &a)));
        assert!(matches(&stream_subjects(), &subject(&b, &a)));
        // A province exchange is a participant too.
        assert!(matches(&inbound_filter(&c("41")), &subject(&c("41"), &b)));
        assert!(!matches(&inbound_filter(&c("41")), &subject(&a, &b)));
    }
}
