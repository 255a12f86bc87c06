//! Test-only: a deterministic, realistic-looking trace built by hand.
//!
//! Two workers poll a mix of long and short tasks (with steals, wakes, notifies, parks,
//! I/O and timer turns), a `block_on` thread waits, two pool threads run jobs (one nested
//! inside another, as `join` does), a foreign thread wakes and spawns, and the snapshot
//! cuts worker 1's last poll in half. The exporters' tests check their output on it, and
//! `render_sample` (an ignored test) writes it to `target/trace-sample.svg` to look at.

use crate::{Event, EventKind, LaneKind, LaneTrace, Trace};

/// A tiny xorshift generator: deterministic and dependency-free.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// The sample trace; `polls_per_worker` sets its size (use ~300 to look at, 100,000 to
/// check that big traces stay small).
pub(crate) fn sample(polls_per_worker: usize) -> Trace {
    use EventKind::*;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut lanes = Vec::new();
    for w in 0..2u32 {
        let mut ev = Vec::new();
        let mut t = 2_000 + u64::from(w) * 700;
        for i in 0..polls_per_worker {
            let task = 1 + rng.below(12) + u64::from(w) * 3;
            let long = task % 5 == 0;
            let cpu = if i > polls_per_worker / 2 && w == 0 {
                1
            } else {
                w
            };
            if i % 97 == 13 {
                ev.push(Event {
                    t_ns: t,
                    kind: Steal {
                        victim: 1 - w,
                        count: 1 + rng.below(4) as u32,
                    },
                });
                t += 300;
            }
            if i % 61 == 7 {
                ev.push(Event {
                    t_ns: t,
                    kind: IoEvents {
                        count: 1 + rng.below(3) as u32,
                    },
                });
                t += 400;
            }
            if i % 150 == 40 {
                ev.push(Event {
                    t_ns: t,
                    kind: TimersFired { count: 2 },
                });
                t += 200;
            }
            let last = w == 1 && i + 1 == polls_per_worker;
            ev.push(Event {
                t_ns: t,
                kind: PollStart { task, cpu },
            });
            t += if last {
                40_000
            } else if long {
                4_000 + rng.below(8_000)
            } else {
                300 + rng.below(900)
            };
            if i % 7 == 3 {
                ev.push(Event {
                    t_ns: t - 100,
                    kind: Wake {
                        task: 1 + rng.below(15),
                    },
                });
            }
            if i % 40 == 9 {
                ev.push(Event {
                    t_ns: t - 50,
                    kind: Spawn {
                        task: 100 + i as u64,
                        parent: Some(task),
                    },
                });
                ev.push(Event {
                    t_ns: t - 40,
                    kind: Notify { target: 1 - w },
                });
            }
            if last {
                // The snapshot came while this poll ran: its end is missing.
                ev.push(Event {
                    t_ns: t,
                    kind: Wake { task: 2 },
                });
            } else {
                ev.push(Event {
                    t_ns: t,
                    kind: PollEnd {
                        task,
                        ready: i % 11 == 0,
                    },
                });
            }
            t += 150 + rng.below(300);
            if i % 53 == 50 {
                ev.push(Event {
                    t_ns: t,
                    kind: Park,
                });
                t += 20_000 + rng.below(30_000);
                ev.push(Event {
                    t_ns: t,
                    kind: Unpark,
                });
                t += 500;
            }
        }
        lanes.push(LaneTrace {
            kind: LaneKind::Worker,
            index: w as usize,
            events: ev,
        });
    }
    let end = lanes
        .iter()
        .map(|l| l.events.last().unwrap().t_ns)
        .max()
        .unwrap();
    lanes.push(LaneTrace {
        kind: LaneKind::BlockOn,
        index: 0,
        events: vec![
            Event {
                t_ns: 1_000,
                kind: PollStart { task: 0, cpu: 0 },
            },
            Event {
                t_ns: 1_800,
                kind: PollEnd {
                    task: 0,
                    ready: false,
                },
            },
            Event {
                t_ns: 1_900,
                kind: Park,
            },
            Event {
                t_ns: end - 3_000,
                kind: Unpark,
            },
            Event {
                t_ns: end - 2_900,
                kind: PollStart { task: 0, cpu: 0 },
            },
            Event {
                t_ns: end - 2_000,
                kind: PollEnd {
                    task: 0,
                    ready: true,
                },
            },
        ],
    });
    for p in 0..2u32 {
        let mut ev = Vec::new();
        let mut t = 5_000 + u64::from(p) * 9_000;
        let mut job = u64::from(p) * 1000;
        while t < end - 40_000 {
            job += 1;
            ev.push(Event {
                t_ns: t,
                kind: JobStart { job, cpu: p },
            });
            t += 8_000 + rng.below(20_000);
            if p == 0 && job % 4 == 0 {
                // join: run a stolen job while this one waits, then sleep inside it.
                ev.push(Event {
                    t_ns: t,
                    kind: Steal {
                        victim: 1,
                        count: 1,
                    },
                });
                ev.push(Event {
                    t_ns: t + 100,
                    kind: JobStart {
                        job: job + 500,
                        cpu: p,
                    },
                });
                t += 6_000;
                ev.push(Event {
                    t_ns: t,
                    kind: JobEnd { job: job + 500 },
                });
                ev.push(Event {
                    t_ns: t + 100,
                    kind: Park,
                });
                t += 5_000;
                ev.push(Event {
                    t_ns: t,
                    kind: Unpark,
                });
            }
            t += 1_000;
            ev.push(Event {
                t_ns: t,
                kind: JobEnd { job },
            });
            ev.push(Event {
                t_ns: t + 200,
                kind: Wake { task: 4 },
            });
            ev.push(Event {
                t_ns: t + 400,
                kind: Park,
            });
            t += 15_000 + rng.below(60_000);
            ev.push(Event {
                t_ns: t,
                kind: Unpark,
            });
            t += 300;
        }
        lanes.push(LaneTrace {
            kind: LaneKind::PoolThread,
            index: p as usize,
            events: ev,
        });
    }
    let shared = (0..5)
        .map(|i| Event {
            t_ns: 3_000 + i * (end / 6),
            kind: if i % 2 == 0 {
                Wake { task: 5 }
            } else {
                Spawn {
                    task: 500 + i,
                    parent: None,
                }
            },
        })
        .collect();
    let task_names = [
        (0, "main".to_string()),
        (5, "accept <loop> & \"friends\"".to_string()),
        (10, "reader".to_string()),
    ]
    .into_iter()
    .collect();
    Trace {
        lanes,
        shared,
        task_names,
    }
}

/// A yield_many-like trace: 200 tasks taking turns on two workers in ~35 ns polls, a
/// few steals early, both workers parking at the end, the `block_on` thread waiting.
pub(crate) fn dense(polls_per_worker: usize) -> Trace {
    use EventKind::*;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut lanes = Vec::new();
    let mut end = 0;
    for w in 0..2u32 {
        let mut ev = Vec::new();
        let mut t = 1_000 + u64::from(w) * 3_000;
        if w == 1 {
            ev.push(Event {
                t_ns: t,
                kind: Steal {
                    victim: 0,
                    count: 100,
                },
            });
        }
        for i in 0..polls_per_worker as u64 {
            let task = (i % 100) * 2 + u64::from(w);
            ev.push(Event {
                t_ns: t,
                kind: PollStart { task, cpu: w },
            });
            t += 30 + rng.below(15);
            ev.push(Event {
                t_ns: t,
                kind: PollEnd {
                    task,
                    ready: i + 100 >= polls_per_worker as u64,
                },
            });
            t += 8 + rng.below(6);
        }
        ev.push(Event {
            t_ns: t,
            kind: Park,
        });
        end = end.max(t);
        lanes.push(LaneTrace {
            kind: LaneKind::Worker,
            index: w as usize,
            events: ev,
        });
    }
    lanes.push(LaneTrace {
        kind: LaneKind::BlockOn,
        index: 0,
        events: vec![
            Event {
                t_ns: 0,
                kind: Park,
            },
            Event {
                t_ns: end + 2_000,
                kind: Unpark,
            },
        ],
    });
    Trace {
        lanes,
        ..Trace::default()
    }
}
