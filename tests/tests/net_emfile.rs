//! An accept loop that runs out of file descriptors (EMFILE) keeps failing at once, but
//! the cooperative budget makes it yield, so the task that frees descriptors runs and the
//! server recovers. Alone in its file: it lowers the process's descriptor limit.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use spindle::net::TcpListener;
use spindle_tests::descriptors::{fd_limit, fill_descriptor_holes, set_soft_fd_limit};

const CLIENTS: usize = 30;

#[test]
fn accept_recovers_from_emfile_once_descriptors_free_up() {
    // One worker: the accept loop and the task that frees descriptors share it, so only
    // the budget lets the latter run while the former keeps hitting EMFILE.
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let saved = fd_limit();
    let (served, emfiles) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The clients' ends are opened first, while descriptors are plentiful.
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        // Leave room for only a few accepted streams: first fill every free descriptor
        // number below the highest open one (a new descriptor takes the lowest free
        // number), then allow five numbers above it.
        let (fillers, highest) = fill_descriptor_holes();
        set_soft_fd_limit(highest + 6);

        let held = Arc::new(Mutex::new(Vec::new()));
        let emfile = Arc::new(AtomicBool::new(false));
        let emfiles = Arc::new(AtomicUsize::new(0));
        let served = Arc::new(AtomicUsize::new(0));
        let freer = spindle::spawn({
            let (held, emfile, served) = (held.clone(), emfile.clone(), served.clone());
            async move {
                while served.load(Ordering::Acquire) < CLIENTS {
                    if emfile.swap(false, Ordering::AcqRel) {
                        let freed: Vec<_> = held.lock().unwrap().drain(..).collect();
                        served.fetch_add(freed.len(), Ordering::AcqRel);
                    }
                    spindle::task::yield_now().await;
                }
            }
        });
        // The accept loop is a task too, on the same (only) worker as the freer.
        let acceptor = spindle::spawn({
            let (held, emfile, emfiles, served) = (
                held.clone(),
                emfile.clone(),
                emfiles.clone(),
                served.clone(),
            );
            async move {
                let mut accepted = 0;
                while accepted < CLIENTS {
                    match listener.accept().await {
                        Ok((stream, _)) => {
                            accepted += 1;
                            held.lock().unwrap().push(stream);
                        }
                        Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {
                            emfiles.fetch_add(1, Ordering::Relaxed);
                            emfile.store(true, Ordering::Release);
                        }
                        Err(e) => panic!("unexpected accept error: {e}"),
                    }
                }
                let rest: Vec<_> = held.lock().unwrap().drain(..).collect();
                served.fetch_add(rest.len(), Ordering::AcqRel);
            }
        });
        acceptor.await.unwrap();
        freer.await.unwrap();
        drop(clients);
        drop(fillers);
        (
            served.load(Ordering::Acquire),
            emfiles.load(Ordering::Relaxed),
        )
    });
    set_soft_fd_limit(saved.rlim_cur);
    assert_eq!(served, CLIENTS, "every client was eventually accepted");
    assert!(emfiles > 0, "the limit was low enough to hit EMFILE");
}
