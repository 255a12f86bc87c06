//! Tests of the readiness API (`poll_read_ready`, `readable`, `try_read`, ...), the read
//! into uninitialised memory, and `poll_close` after the peer went; loopback only.

use super::*;
use crate::driver::block_on_driver;
use crate::io::{AsyncReadExt, AsyncReadUninit, AsyncWriteExt};
use std::future::poll_fn;
use std::io::{ErrorKind, Read, Write};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Waker};

/// A connected pair: ours on the driver, the peer a plain blocking std stream.
async fn tcp_pair() -> (TcpStream, std::net::TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().await.unwrap();
    (ours, peer)
}

/// Closes `peer` with an RST instead of a FIN (`SO_LINGER` 0).
fn reset(peer: std::net::TcpStream) {
    let peer = TcpStream::from_std(peer).unwrap();
    peer.set_linger(Some(std::time::Duration::ZERO)).unwrap();
}

fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

#[test]
fn try_read_says_would_block_until_readable_and_clears_readiness() {
    block_on_driver(async {
        let (ours, mut peer) = tcp_pair().await;
        let mut buf = [0u8; 16];
        assert_eq!(
            ours.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert!(ours.poll_read_ready(&mut noop_cx()).is_pending());
        peer.write_all(b"hello").unwrap();
        ours.readable().await.unwrap();
        assert_eq!(ours.try_read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        // Drained: the read says WouldBlock, which clears the readiness...
        assert_eq!(
            ours.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        // ...so the next readiness poll waits for a new event instead of spinning.
        assert!(ours.poll_read_ready(&mut noop_cx()).is_pending());
        ours.writable().await.unwrap();
        assert_eq!(ours.try_write(b"back").unwrap(), 4);
        let mut got = [0u8; 4];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"back");
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri does not emulate Unix-domain sockets")]
fn split_halves_and_unix_streams_have_the_readiness_api() {
    block_on_driver(async {
        let (ours, mut peer) = tcp_pair().await;
        let (read, write) = ours.into_split();
        write.writable().await.unwrap();
        assert_eq!(write.try_write(b"x").unwrap(), 1);
        peer.write_all(b"y").unwrap();
        read.readable().await.unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(read.try_read(&mut buf).unwrap(), 1);

        let (a, b) = UnixStream::pair().unwrap();
        assert_eq!(
            b.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        a.writable().await.unwrap();
        assert_eq!(a.try_write(b"unix").unwrap(), 4);
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"unix");
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri emulates stream sockets only, not UDP")]
fn udp_try_send_and_try_recv() {
    block_on_driver(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(
            b.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        a.writable().await.unwrap();
        a.try_send_to(b"dgram", b.local_addr().unwrap()).unwrap();
        b.readable().await.unwrap();
        let (n, from) = b.try_recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"dgram"[..], a.local_addr().unwrap()));
        assert_eq!(
            b.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert!(b.poll_recv_ready(&mut noop_cx()).is_pending(), "cleared");
    });
}

/// Reads once through `poll_read_uninit` into fresh, never-written memory.
async fn read_uninit(
    stream: &mut (impl AsyncReadUninit + Unpin),
    buf: &mut [MaybeUninit<u8>],
) -> usize {
    poll_fn(|cx| Pin::new(&mut *stream).poll_read_uninit(cx, buf))
        .await
        .unwrap()
}

#[test]
fn read_uninit_fills_exactly_the_bytes_it_reports() {
    block_on_driver(async {
        let (mut ours, mut peer) = tcp_pair().await;
        let mut buf: Box<[MaybeUninit<u8>]> = Box::new_uninit_slice(64);
        peer.write_all(b"uninit").unwrap();
        let n = read_uninit(&mut ours, &mut buf).await;
        assert_eq!(n, 6);
        // SAFETY: `poll_read_uninit` initialised the first `n` bytes (its contract).
        let got = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
        assert_eq!(got, b"uninit");

        // The halves and Unix streams read the same way; end of stream is Ok(0).
        let (mut read, _write) = ours.into_split();
        drop(peer);
        assert_eq!(read_uninit(&mut read, &mut buf).await, 0);
        if cfg!(miri) {
            return; // Miri does not emulate Unix-domain sockets.
        }
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_all(b"ab").await.unwrap();
        assert_eq!(
            read_uninit(&mut &mut b, &mut buf[..1]).await,
            1,
            "at most the buffer"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri does not emulate SO_LINGER")]
fn close_after_the_peer_reset_the_connection_is_ok() {
    block_on_driver(async {
        let (mut ours, peer) = tcp_pair().await;
        // The peer resets the connection (an RST, not a FIN): ours is then unconnected.
        reset(peer);
        let mut buf = [0u8; 1];
        let error = ours.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionReset);
        // The raw shutdown says "not connected"; closing treats that as done, as tokio.
        assert_eq!(
            ours.shutdown(Shutdown::Write).unwrap_err().kind(),
            ErrorKind::NotConnected
        );
        ours.close().await.unwrap();

        // The same through a write half.
        let (ours, peer) = tcp_pair().await;
        reset(peer);
        let (mut read, mut write) = ours.into_split();
        assert!(read.read(&mut buf).await.is_err());
        write.close().await.unwrap();
    });
}

#[test]
fn close_of_a_live_connection_still_sends_end_of_stream() {
    block_on_driver(async {
        let (mut ours, mut peer) = tcp_pair().await;
        ours.close().await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(peer.read_to_end(&mut rest).unwrap(), 0);
    });
}
