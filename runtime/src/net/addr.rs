//! Addresses: what `bind` and `connect` accept, and where names get resolved.
//!
//! `bind` and `connect` take `impl ToSocketAddrs`, the same argument types as std's
//! and tokio's: a `SocketAddr`, an `(IpAddr, u16)` pair, `"127.0.0.1:8080"`,
//! `"localhost:8080"`, `("example.org", 80)`, a slice of addresses.
//!
//! ## Literals at once, names on the blocking pool
//! A literal address needs no I/O: it is parsed on the spot. A host name has to go
//! through the system resolver (`getaddrinfo`), which may read files and ask a DNS
//! server, and has no non-blocking form; run on a worker it would stall every task
//! queued there for the whole lookup. So a name is resolved by a blocking task
//! (`spawn_blocking`) and the caller awaits it, as tokio does.
//!
//! That is why this is spindle's own trait rather than std's: std's `ToSocketAddrs`
//! can only resolve, blocking, and does not say whether an argument is a literal. This
//! one is *sealed* (implemented here for the types above and nothing else), so its
//! one method can stay private and change.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// The address argument of `bind` and `connect` (module header): a socket address, an
/// `(ip, port)` or `(host, port)` pair, a `"host:port"` string, or a slice of addresses.
pub trait ToSocketAddrs: sealed::Sealed {}

mod sealed {
    use super::Resolve;

    /// The private half of [`super::ToSocketAddrs`].
    pub trait Sealed {
        /// The addresses, or the name to resolve into them.
        fn resolve(&self) -> Resolve;
    }
}

/// What an address argument turns into before any I/O.
#[derive(Debug)]
pub enum Resolve {
    /// Literal addresses (or an error parsing them).
    Ready(io::Result<Vec<SocketAddr>>),
    /// A host name with a port: needs the system resolver.
    Name(String, u16),
}

macro_rules! literal {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::Sealed for $ty {
            fn resolve(&self) -> Resolve {
                Resolve::Ready(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::Sealed for [SocketAddr] {
    fn resolve(&self) -> Resolve {
        Resolve::Ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl sealed::Sealed for str {
    fn resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::Ready(Ok(vec![addr]));
        }
        // "host:port": the port is after the last colon (a literal IPv6 address would
        // be in brackets, and parsed above).
        match self.rsplit_once(':') {
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => Resolve::Name(host.to_owned(), port),
                Err(_) => Resolve::Ready(Err(invalid("invalid port in socket address"))),
            },
            None => Resolve::Ready(Err(invalid("invalid socket address: expected host:port"))),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::Sealed for String {
    fn resolve(&self) -> Resolve {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::Sealed for (&str, u16) {
    fn resolve(&self) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolve::Ready(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => Resolve::Name(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::Sealed for (String, u16) {
    fn resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {
    fn resolve(&self) -> Resolve {
        (**self).resolve()
    }
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The addresses `addr` stands for: at once for a literal, through a blocking task for a
/// name (module header).
pub(super) async fn resolve(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    match addr.resolve() {
        Resolve::Ready(addrs) => addrs,
        Resolve::Name(host, port) => crate::task::spawn_blocking(move || {
            std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Iterator::collect)
        })
        .await
        .map_err(|e| io::Error::other(format!("resolving a host name failed: {e}")))?,
    }
}

/// Tries `op` on each address of `addr` in turn; returns the first success, or the last
/// error.
pub(super) async fn each_addr<T, F, Fut>(addr: impl ToSocketAddrs, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(&addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| invalid("no address to bind or connect to")))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::sealed::Sealed;
    use super::*;

    fn literal(addr: &(impl ToSocketAddrs + ?Sized)) -> Vec<SocketAddr> {
        match addr.resolve() {
            Resolve::Ready(addrs) => addrs.unwrap(),
            Resolve::Name(host, port) => panic!("{host}:{port} was taken for a name"),
        }
    }

    #[test]
    fn literals_need_no_resolver() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(literal("127.0.0.1:80"), [v4]);
        assert_eq!(literal(&String::from("[::1]:80")), [v6]);
        assert_eq!(literal(&("127.0.0.1", 80)), [v4]);
        assert_eq!(literal(&("::1", 80)), [v6]);
        assert_eq!(literal(&(Ipv4Addr::LOCALHOST, 80)), [v4]);
        assert_eq!(literal(&v4), [v4]);
        assert_eq!(literal(&[v4, v6][..]), [v4, v6]);
    }

    #[test]
    fn names_go_to_the_resolver_and_bad_input_is_an_error() {
        assert!(matches!("localhost:80".resolve(), Resolve::Name(h, 80) if h == "localhost"));
        assert!(matches!(("localhost", 81).resolve(), Resolve::Name(h, 81) if h == "localhost"));
        for bad in ["localhost", "localhost:http", "127.0.0.1:99999"] {
            let Resolve::Ready(Err(e)) = bad.resolve() else {
                panic!("{bad} should be refused")
            };
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
