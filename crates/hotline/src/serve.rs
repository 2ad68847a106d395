//! The accept loop: HTTP/1 connections with the limits a public server needs.
//!
//! `axum::serve` has no header-read timeout and no connection limit, so a few thousand
//! connections that send half a request once held every file descriptor, `/healthz` stopped
//! answering and the search indexer could not open its files. Here:
//!
//! - a request's headers must arrive within `header_timeout` (hyper's header-read timeout, which
//!   also closes a kept-alive connection idle that long between requests);
//! - at most `max_connections` are open at once; past that the loop waits for one to close
//!   (the rest queue in the kernel's backlog), keeping descriptors for the database, the indexes
//!   and the log;
//! - one client address holds at most `max_connections_per_client`; more are closed at once, so
//!   one client cannot take the whole allowance;
//! - an accept error (descriptors exhausted after all) pauses the loop briefly instead of spinning;
//! - each request carries the peer's address (`ConnectInfo`) for per-client limits.
//!
//! On shutdown the loop stops accepting and gives open connections a grace period to finish.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The limits of the accept loop (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub header_timeout: Duration,
    /// How long open connections may finish after a shutdown signal.
    pub grace: Duration,
}

/// Descriptors kept back from connections for the database pool, the search index's and the read
/// model's files, and the log.
const RESERVED_DESCRIPTORS: u64 = 256;

/// Raises the soft open-file limit to the hard one and returns the connection limit that leaves
/// `RESERVED_DESCRIPTORS` free (never above `configured`).
pub fn connection_limit(configured: usize) -> usize {
    let soft = raise_open_file_limit();
    let allowed = soft.map_or(configured as u64, |s| s.saturating_sub(RESERVED_DESCRIPTORS).max(16));
    configured.min(usize::try_from(allowed).unwrap_or(usize::MAX)).max(1)
}

/// The soft open-file limit after raising it as far as the hard limit allows (`None`: unknown).
fn raise_open_file_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

/// Open connections per client address.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

impl PerClient {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot { clients: self.clone(), ip })
    }
}

/// A connection's place in its client's count, given back when the connection ends.
struct ClientSlot {
    clients: Arc<PerClient>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut map = self.clients.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let clients = Arc::new(PerClient::default());
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let mut last_refusal_logged: Option<std::time::Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = open.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and the like: wait for descriptors to come back rather than spin.
                    tracing::warn!(error = %e, "accept failed; pausing");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = clients.enter(peer.ip(), limits.max_connections_per_client) else {
            if last_refusal_logged.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                tracing::warn!(client = %peer.ip(), limit = limits.max_connections_per_client, "a client holds too many connections; closing new ones");
                last_refusal_logged = Some(std::time::Instant::now());
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the grace period; closing them");
    }
    Ok(())
}
