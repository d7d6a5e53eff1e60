//! An in-test TCP proxy that forwards 127.0.0.1 connections to a target
//! (which may change, e.g. when a node process restarts on a new port) and,
//! for a bounded number of connections, breaks them at seeded random points:
//! drops, stalls, delays and truncated streams.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// What happens to one proxied connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward faithfully.
    Clean,
    /// Close both ends after this many bytes (either direction).
    Drop { after: u64 },
    /// After this many bytes, forward nothing for `ms`, then close.
    Stall { after: u64, ms: u64 },
    /// Delay every chunk by up to `ms`; close after `after` bytes.
    Delay { ms: u64, after: u64 },
    /// After this many bytes, forward only part of the next chunk and close.
    Truncate { after: u64 },
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub connections: AtomicU64,
    pub dropped: AtomicU64,
    pub stalled: AtomicU64,
    pub delayed: AtomicU64,
    pub truncated: AtomicU64,
}

impl ProxyStats {
    /// Connections that were broken (every fault ends its connection).
    pub fn broken(&self) -> u64 {
        self.delayed.load(Ordering::Relaxed)
            + self.dropped.load(Ordering::Relaxed)
            + self.stalled.load(Ordering::Relaxed)
            + self.truncated.load(Ordering::Relaxed)
    }
}

/// A running proxy.
pub struct Proxy {
    pub addr: SocketAddr,
    pub target: Arc<Mutex<SocketAddr>>,
    pub stats: Arc<ProxyStats>,
    cancel: CancellationToken,
}

impl Proxy {
    /// Starts a proxy to `target`. The first `faulty` connections get a fault
    /// drawn from `seed` (at most `max_bytes` before it strikes); the rest are clean.
    pub async fn start(target: SocketAddr, seed: u64, faulty: u64, max_bytes: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let target = Arc::new(Mutex::new(target));
        let stats = Arc::new(ProxyStats::default());
        let cancel = CancellationToken::new();
        let (t, s, c) = (target.clone(), stats.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut n = 0u64;
            loop {
                let (inbound, _) = tokio::select! {
                    _ = c.cancelled() => return,
                    r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
                };
                n += 1;
                let fault = if n <= faulty {
                    let after = rng.random_range(0..max_bytes.max(1));
                    match rng.random_range(0..4u32) {
                        0 => Fault::Drop { after },
                        1 => Fault::Stall {
                            after,
                            ms: rng.random_range(200..3000),
                        },
                        2 => Fault::Delay {
                            ms: rng.random_range(1..40),
                            after,
                        },
                        _ => Fault::Truncate { after },
                    }
                } else {
                    Fault::Clean
                };
                let to = *t.lock().unwrap();
                let (s, c) = (s.clone(), c.clone());
                let delay_seed = rng.random();
                tokio::spawn(async move {
                    s.connections.fetch_add(1, Ordering::Relaxed);
                    if let Ok(outbound) = TcpStream::connect(to).await {
                        relay(inbound, outbound, fault, delay_seed, &s, c).await;
                    }
                });
            }
        });
        Proxy {
            addr,
            target,
            stats,
            cancel,
        }
    }

    /// Points new connections at another target.
    pub fn retarget(&self, to: SocketAddr) {
        *self.target.lock().unwrap() = to;
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn relay(
    a: TcpStream,
    b: TcpStream,
    fault: Fault,
    seed: u64,
    stats: &Arc<ProxyStats>,
    stop: CancellationToken,
) {
    let _ = a.set_nodelay(true);
    let _ = b.set_nodelay(true);
    let (ar, aw) = a.into_split();
    let (br, bw) = b.into_split();
    let conn = stop.child_token();
    let moved = Arc::new(AtomicU64::new(0));
    let struck = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let shared = Shared {
        moved,
        struck,
        stats: stats.clone(),
        conn,
    };
    let up = pump(ar, bw, fault, seed, shared.clone());
    let down = pump(br, aw, fault, seed ^ 1, shared);
    tokio::join!(up, down);
}

/// State of one proxied connection, shared by its two directions.
#[derive(Clone)]
struct Shared {
    moved: Arc<AtomicU64>,
    struck: Arc<std::sync::atomic::AtomicBool>,
    stats: Arc<ProxyStats>,
    conn: CancellationToken,
}

impl Shared {
    /// Counts the fault once per connection.
    fn strike(&self, counter: &AtomicU64) {
        if !self.struck.swap(true, Ordering::Relaxed) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Copies one direction until EOF, an error, or the fault strikes (which ends both).
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    fault: Fault,
    seed: u64,
    sh: Shared,
) {
    let Shared {
        ref moved,
        ref stats,
        ref conn,
        ..
    } = sh;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            _ = conn.cancelled() => return,
            r = from.read(&mut buf) => match r { Ok(0) | Err(_) => { conn.cancel(); return } Ok(n) => n },
        };
        let total = moved.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let mut chunk = &buf[..n];
        match fault {
            Fault::Drop { after } if total > after => {
                sh.strike(&stats.dropped);
                conn.cancel();
                return;
            }
            Fault::Stall { after, ms } if total > after => {
                sh.strike(&stats.stalled);
                tokio::select! {
                    _ = conn.cancelled() => {}
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                }
                conn.cancel();
                return;
            }
            Fault::Truncate { after } if total > after => {
                sh.strike(&stats.truncated);
                chunk = &chunk[..rng.random_range(0..chunk.len())];
                let _ = to.write_all(chunk).await;
                conn.cancel();
                return;
            }
            Fault::Delay { after, .. } if total > after => {
                conn.cancel();
                return;
            }
            Fault::Delay { ms, .. } => {
                sh.strike(&stats.delayed);
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..=ms))).await;
            }
            _ => {}
        }
        if to.write_all(chunk).await.is_err() {
            conn.cancel();
            return;
        }
    }
}
