//! Console sessions and the login rate limit, in memory (a restart logs
//! everyone out). Times are the node's clock in Unix milliseconds.

use crate::ConsoleOptions;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most sessions held at once; beyond it the oldest idle one is dropped.
const MAX_SESSIONS: usize = 1000;
/// Most names tracked by the rate limiter; beyond it expired entries are dropped.
const MAX_TRACKED_NAMES: usize = 10_000;

/// A random token: 32 bytes from the system generator, hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .expect("the system random generator works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One logged-in operator.
#[derive(Debug, Clone)]
pub struct Session {
    pub operator: String,
    /// Token of the forms of this session (CSRF).
    pub csrf: String,
    pub created_ms: u64,
    pub last_ms: u64,
}

/// Why a login was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures: retry after this many seconds.
    Locked { retry_secs: u64 },
}

#[derive(Debug)]
struct Failures {
    count: u32,
    first_ms: u64,
}

/// The sessions and the per-name failure counts.
#[derive(Debug)]
pub struct Sessions {
    opts: ConsoleOptions,
    live: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl Sessions {
    pub fn new(opts: ConsoleOptions) -> Sessions {
        Sessions {
            opts,
            live: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a session; returns its token.
    pub fn create(&self, operator: &str, now_ms: u64) -> (String, Session) {
        let mut live = self.live.lock().expect("sessions lock");
        live.retain(|_, s| self.valid(s, now_ms));
        if live.len() >= MAX_SESSIONS
            && let Some(oldest) = live
                .iter()
                .min_by_key(|(_, s)| s.last_ms)
                .map(|(k, _)| k.clone())
        {
            live.remove(&oldest);
        }
        let s = Session {
            operator: operator.to_string(),
            csrf: token(),
            created_ms: now_ms,
            last_ms: now_ms,
        };
        let t = token();
        live.insert(t.clone(), s.clone());
        (t, s)
    }

    fn valid(&self, s: &Session, now_ms: u64) -> bool {
        now_ms.saturating_sub(s.last_ms) <= self.opts.idle_timeout.as_millis() as u64
            && now_ms.saturating_sub(s.created_ms) <= self.opts.max_session.as_millis() as u64
    }

    /// The session of `token` if it has not expired (and marks it used);
    /// an expired session is removed.
    pub fn touch(&self, token: &str, now_ms: u64) -> Option<Session> {
        let mut live = self.live.lock().expect("sessions lock");
        let s = live.get_mut(token)?;
        if !self.valid(s, now_ms) {
            live.remove(token);
            return None;
        }
        s.last_ms = now_ms;
        Some(s.clone())
    }

    pub fn end(&self, token: &str) {
        self.live.lock().expect("sessions lock").remove(token);
    }

    /// Refuses a login attempt under `name` while it is locked out.
    pub fn check_allowed(&self, name: &str, now_ms: u64) -> Result<(), Refusal> {
        let f = self.failures.lock().expect("failures lock");
        self.check_locked(&f, name, now_ms)
    }

    /// Counts a failed login under `name`; returns the failures in the window.
    pub fn failed(&self, name: &str, now_ms: u64) -> u32 {
        let lockout = self.opts.lockout.as_millis() as u64;
        let mut f = self.failures.lock().expect("failures lock");
        if f.len() >= MAX_TRACKED_NAMES {
            f.retain(|_, x| now_ms.saturating_sub(x.first_ms) < lockout);
        }
        if f.len() >= MAX_TRACKED_NAMES {
            // Still full of fresh names: a flood of made-up names. Start over
            // rather than grow without bound.
            f.clear();
        }
        let e = f.entry(name.to_string()).or_insert(Failures {
            count: 0,
            first_ms: now_ms,
        });
        if now_ms.saturating_sub(e.first_ms) >= lockout {
            *e = Failures {
                count: 0,
                first_ms: now_ms,
            };
        }
        e.count += 1;
        e.count
    }

    pub fn succeeded(&self, name: &str) {
        self.failures.lock().expect("failures lock").remove(name);
    }

    /// The names locked out at `now_ms`, with the seconds left, by name.
    pub fn locked(&self, now_ms: u64) -> Vec<(String, u64)> {
        let f = self.failures.lock().expect("failures lock");
        let mut out: Vec<(String, u64)> = f
            .keys()
            .filter_map(|name| match self.check_locked(&f, name, now_ms) {
                Err(Refusal::Locked { retry_secs }) => Some((name.clone(), retry_secs)),
                Ok(()) => None,
            })
            .collect();
        out.sort();
        out
    }

    /// Ends the lockout of `name` (an administrator's unlock); true if it
    /// was locked out.
    pub fn unlock(&self, name: &str, now_ms: u64) -> bool {
        let mut f = self.failures.lock().expect("failures lock");
        let locked = self.check_locked(&f, name, now_ms).is_err();
        f.remove(name);
        locked
    }

    fn check_locked(
        &self,
        f: &HashMap<String, Failures>,
        name: &str,
        now_ms: u64,
    ) -> Result<(), Refusal> {
        match f.get(name) {
            Some(x) if x.count >= self.opts.max_failed_logins => {
                let until = x.first_ms + self.opts.lockout.as_millis() as u64;
                if now_ms < until {
                    Err(Refusal::Locked {
                        retry_secs: (until - now_ms).div_ceil(1000),
                    })
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn opts() -> ConsoleOptions {
        ConsoleOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            idle_timeout: Duration::from_secs(60),
            max_session: Duration::from_secs(300),
            max_failed_logins: 3,
            lockout: Duration::from_secs(100),
        }
    }

    #[test]
    fn sessions_expire_when_idle_and_at_the_absolute_limit() {
        let s = Sessions::new(opts());
        let (t, _) = s.create("a", 0);
        assert_ne!(t, s.create("a", 0).0, "tokens are random");
        assert_eq!(s.touch(&t, 59_000).unwrap().operator, "a");
        assert!(
            s.touch(&t, 119_000).is_some(),
            "use renews the idle timeout"
        );
        assert!(s.touch(&t, 180_000).is_none(), "idle for 61 s");
        assert!(s.touch(&t, 0).is_none(), "an expired session is gone");
        let (t, _) = s.create("a", 0);
        for m in 1..=5 {
            assert!(s.touch(&t, m * 55_000).is_some());
        }
        assert!(s.touch(&t, 330_000).is_none(), "past max_session");
        let (t, _) = s.create("b", 0);
        s.end(&t);
        assert!(s.touch(&t, 1).is_none());
    }

    #[test]
    fn failed_logins_lock_a_name_for_the_lockout() {
        let s = Sessions::new(opts());
        for i in 1..=3 {
            assert!(s.check_allowed("a", 1000).is_ok());
            assert_eq!(s.failed("a", 1000), i);
        }
        assert_eq!(
            s.check_allowed("a", 2000),
            Err(Refusal::Locked { retry_secs: 99 })
        );
        assert!(s.check_allowed("b", 2000).is_ok(), "per name");
        assert_eq!(s.locked(2000), vec![("a".to_string(), 99)]);
        assert!(s.check_allowed("a", 101_000).is_ok(), "after the lockout");
        assert!(s.locked(101_000).is_empty());
        assert_eq!(s.failed("a", 101_000), 1, "a new window");
        s.succeeded("a");
        assert!(s.check_allowed("a", 101_000).is_ok());
        // An administrator's unlock ends a lockout at once.
        for _ in 0..3 {
            s.failed("b", 200_000);
        }
        assert!(s.check_allowed("b", 200_001).is_err());
        assert!(s.unlock("b", 200_001));
        assert!(s.check_allowed("b", 200_002).is_ok());
        assert!(!s.unlock("b", 200_002), "no longer locked");
    }
}
