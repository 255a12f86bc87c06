//! # Coroutines: an `async fn` and the state machine the compiler makes of it
//!
//! A coroutine is a function that can stop in the middle and be resumed later. Rust's
//! `async fn` compiles to one: an enum with one variant per `.await` where it can stop,
//! each holding the local variables still needed after it, and a `poll` method that runs
//! from the current state to the next stop (`Pending`) or to the end (`Ready`). Nothing
//! runs it but whoever calls `poll` — an executor — and the executor only polls again
//! after the coroutine's *waker* was called (the leaf future stored it when it returned
//! `Pending`, and the event source calls it when the event arrives).
//!
//! The program writes the same coroutine twice:
//! - [`sum_message`], an `async fn`: read a count, then that many numbers, logging the
//!   running total after each, and return the total;
//! - [`SumMessage`], the enum and `poll` written by hand: states `Start`,
//!   `ReadingCount`, `ReadingValue { count, i, total }`, `Done`.
//!
//! and polls each step by step with [`drive`], a tiny executor whose waker logs every
//! wake. The event source is a [`Mailbox`]: when the coroutine is `Pending`, the driver
//! delivers the next number, which calls the stored waker, and only then polls again.
//! Both must give the same outputs, the same number of polls and exactly one wake per
//! `Pending`; the tests check it.
//!
//! One difference the hand-written version gets to skip: it only borrows data *outside*
//! itself (the mailbox), so it is `Unpin`. A compiler-made coroutine may hold a borrow of
//! one of its own locals across an `.await`; moving it would leave that borrow dangling,
//! which is why `poll` takes `Pin<&mut Self>` (the future must not move once polled).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::mem;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// A one-value mailbox: the coroutine's only way to wait.
#[derive(Default)]
pub struct Mailbox {
    value: Cell<Option<u32>>,
    waker: RefCell<Option<Waker>>,
}

impl Mailbox {
    /// A future that resolves to the next value delivered.
    pub fn recv(&self) -> Recv<'_> {
        Recv { mailbox: self }
    }

    /// Puts `value` in the mailbox and wakes whoever waits for it.
    pub fn deliver(&self, value: u32) {
        self.value.set(Some(value));
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// [`Mailbox::recv`]: the leaf future. `Pending` stores the waker; `Ready` takes the value.
pub struct Recv<'a> {
    mailbox: &'a Mailbox,
}

impl Future for Recv<'_> {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        match self.mailbox.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                *self.mailbox.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The coroutine, as an `async fn`.
pub async fn sum_message(mailbox: &Mailbox, out: &RefCell<Vec<u32>>) -> u32 {
    let count = mailbox.recv().await; // stop 1
    let mut total = 0u32;
    for _ in 0..count {
        total = total.wrapping_add(mailbox.recv().await); // stop 2, once per number
        out.borrow_mut().push(total);
    }
    total
}

/// The same coroutine, written by hand: what the compiler generates for
/// [`sum_message`], minus the pinning it does not need.
pub enum SumMessage<'a> {
    /// Created, not yet polled.
    Start {
        /// Where the numbers come from.
        mailbox: &'a Mailbox,
        /// Where the running totals go.
        out: &'a RefCell<Vec<u32>>,
    },
    /// Stopped at the first `.await`: waiting for the count.
    ReadingCount {
        /// Where the numbers come from.
        mailbox: &'a Mailbox,
        /// Where the running totals go.
        out: &'a RefCell<Vec<u32>>,
        /// The pending read.
        recv: Recv<'a>,
    },
    /// Stopped at the second `.await`: waiting for number `i` of `count`.
    ReadingValue {
        /// Where the numbers come from.
        mailbox: &'a Mailbox,
        /// Where the running totals go.
        out: &'a RefCell<Vec<u32>>,
        /// How many numbers there are.
        count: u32,
        /// How many were read.
        i: u32,
        /// Their sum so far.
        total: u32,
        /// The pending read.
        recv: Recv<'a>,
    },
    /// Returned `Ready`; polling again is a bug.
    Done,
}

impl<'a> SumMessage<'a> {
    /// The coroutine, not started: like calling `sum_message(mailbox, out)`.
    pub fn new(mailbox: &'a Mailbox, out: &'a RefCell<Vec<u32>>) -> SumMessage<'a> {
        SumMessage::Start { mailbox, out }
    }

    /// The current state, for the transcript.
    pub fn state(&self) -> String {
        match self {
            SumMessage::Start { .. } => "Start".into(),
            SumMessage::ReadingCount { .. } => "ReadingCount".into(),
            SumMessage::ReadingValue {
                count, i, total, ..
            } => {
                format!("ReadingValue {{ count: {count}, i: {i}, total: {total} }}")
            }
            SumMessage::Done => "Done".into(),
        }
    }
}

impl Future for SumMessage<'_> {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let this = self.get_mut(); // fine: every field is Unpin
        loop {
            // Take the state out (leaving `Done`), and put the next one back.
            match mem::replace(this, SumMessage::Done) {
                SumMessage::Start { mailbox, out } => {
                    let recv = mailbox.recv();
                    *this = SumMessage::ReadingCount { mailbox, out, recv };
                }
                SumMessage::ReadingCount {
                    mailbox,
                    out,
                    mut recv,
                } => match Pin::new(&mut recv).poll(cx) {
                    Poll::Pending => {
                        *this = SumMessage::ReadingCount { mailbox, out, recv };
                        return Poll::Pending;
                    }
                    Poll::Ready(0) => return Poll::Ready(0),
                    Poll::Ready(count) => {
                        let recv = mailbox.recv();
                        *this = SumMessage::ReadingValue {
                            mailbox,
                            out,
                            count,
                            i: 0,
                            total: 0,
                            recv,
                        };
                    }
                },
                SumMessage::ReadingValue {
                    mailbox,
                    out,
                    count,
                    i,
                    total,
                    mut recv,
                } => match Pin::new(&mut recv).poll(cx) {
                    Poll::Pending => {
                        *this = SumMessage::ReadingValue {
                            mailbox,
                            out,
                            count,
                            i,
                            total,
                            recv,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(v) => {
                        let (total, i) = (total.wrapping_add(v), i + 1);
                        out.borrow_mut().push(total);
                        if i == count {
                            return Poll::Ready(total);
                        }
                        let recv = mailbox.recv();
                        *this = SumMessage::ReadingValue {
                            mailbox,
                            out,
                            count,
                            i,
                            total,
                            recv,
                        };
                    }
                },
                SumMessage::Done => panic!("SumMessage polled after it returned Ready"),
            }
        }
    }
}

/// A waker that counts and logs each wake.
#[derive(Default)]
struct LoggingWaker {
    wakes: AtomicUsize,
    woken: AtomicBool,
    transcript: Arc<Mutex<Vec<String>>>,
}

impl Wake for LoggingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let n = self.wakes.fetch_add(1, SeqCst) + 1;
        self.woken.store(true, SeqCst);
        (self.transcript.lock().unwrap()).push(format!("      waker: wake #{n}"));
    }
}

/// What [`drive`] saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The running totals the coroutine logged.
    pub outputs: Vec<u32>,
    /// Its return value.
    pub result: u32,
    /// Polls until `Ready`.
    pub polls: usize,
    /// Polls that returned `Pending`.
    pub pendings: usize,
    /// Calls of the waker.
    pub wakes: usize,
    /// One line per poll, delivery and wake.
    pub transcript: Vec<String>,
}

/// Polls `fut` until it is ready; each time it is `Pending`, delivers the next of
/// `inputs` to `mailbox` and polls again only if that woke it. `state` describes the
/// future before each poll.
///
/// # Panics
/// If the coroutine wants more input than `inputs`, or a delivery did not wake it (an
/// executor would then never poll it again: a lost wake-up).
pub fn drive<F: Future<Output = u32>>(
    fut: F,
    mailbox: &Mailbox,
    out: &RefCell<Vec<u32>>,
    inputs: &[u32],
    state: impl Fn(&F) -> String,
) -> Run {
    let logger = Arc::new(LoggingWaker::default());
    let transcript = logger.transcript.clone();
    let note = |line: String| transcript.lock().unwrap().push(line);
    let waker = Waker::from(logger.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut inputs = inputs.iter();
    let (mut polls, mut pendings) = (0, 0);
    let result = loop {
        polls += 1;
        let before = state(fut.as_ref().get_ref());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => {
                note(format!("  poll #{polls} in {before}: Ready({v})"));
                break v;
            }
            Poll::Pending => {
                pendings += 1;
                note(format!("  poll #{polls} in {before}: Pending"));
                let &v = inputs
                    .next()
                    .expect("the coroutine waits for more input than it was given");
                note(format!("    the mailbox receives {v}"));
                mailbox.deliver(v);
                assert!(
                    logger.woken.swap(false, SeqCst),
                    "a delivery did not wake the coroutine: it would never be polled again"
                );
            }
        }
    };
    let transcript = transcript.lock().unwrap().clone();
    Run {
        outputs: out.borrow().clone(),
        result,
        polls,
        pendings,
        wakes: logger.wakes.load(SeqCst),
        transcript,
    }
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was delivered: a count, then that many numbers.
    pub inputs: Vec<u32>,
    /// The `async fn`.
    pub async_fn: Run,
    /// The hand-written state machine.
    pub by_hand: Run,
    /// `size_of` the `async fn`'s future.
    pub async_size: usize,
    /// `size_of` the hand-written one.
    pub hand_size: usize,
}

/// Drives both versions over `inputs`.
pub fn run(inputs: &[u32]) -> Report {
    let (mailbox, out) = (Mailbox::default(), RefCell::new(Vec::new()));
    let fut = sum_message(&mailbox, &out);
    let async_size = mem::size_of_val(&fut);
    let async_fn = drive(fut, &mailbox, &out, inputs, |_| "(compiler's state)".into());

    let (mailbox, out) = (Mailbox::default(), RefCell::new(Vec::new()));
    let fut = SumMessage::new(&mailbox, &out);
    let hand_size = mem::size_of_val(&fut);
    let by_hand = drive(fut, &mailbox, &out, inputs, SumMessage::state);
    Report {
        inputs: inputs.to_vec(),
        async_fn,
        by_hand,
        async_size,
        hand_size,
    }
}

/// The program's input: a count of 4, then four numbers.
pub const DEMO_INPUTS: [u32; 5] = [4, 10, 20, 5, 7];

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Inputs, delivered one per Pending: {:?}", self.inputs)?;
        for (what, r, size) in [
            ("async fn sum_message", &self.async_fn, self.async_size),
            ("hand-written SumMessage", &self.by_hand, self.hand_size),
        ] {
            writeln!(f, "{what} ({size} bytes):")?;
            for line in &r.transcript {
                writeln!(f, "{line}")?;
            }
            writeln!(
                f,
                "  -> outputs {:?}, result {}, {} polls, {} Pending, {} wakes",
                r.outputs, r.result, r.polls, r.pendings, r.wakes
            )?;
        }
        let same = self.async_fn.outputs == self.by_hand.outputs
            && self.async_fn.result == self.by_hand.result
            && self.async_fn.polls == self.by_hand.polls;
        write!(
            f,
            "{}: an async fn is this enum and this poll; each Pending was followed by exactly one \
             wake, and the executor polled only after it.",
            if same {
                "Same outputs, same polls"
            } else {
                "DIFFERENT results"
            }
        )
    }
}
