//! Addresses: anything `std` can turn into socket addresses.
//!
//! `bind` and `connect` take `impl ToSocketAddrs` like std's and tokio's. Literal
//! addresses (`"127.0.0.1:8080"`, a `SocketAddr`) resolve without any I/O; a host name
//! is resolved by the system resolver, which blocks the calling worker for the lookup
//! (`getaddrinfo` has no non-blocking form). Resolve names on the blocking pool
//! (`spawn_blocking`) first when that matters.

use std::io;
use std::net::SocketAddr;

/// Re-export of `std::net::ToSocketAddrs`: the address argument of `bind` and `connect`.
pub use std::net::ToSocketAddrs;

/// Tries `op` on each address in turn; returns the first success, or the last error.
pub(super) async fn each_addr<T, F, Fut>(addr: impl ToSocketAddrs, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to bind or connect to",
        )
    }))
}
