//! How a lane stores an event: 16 bytes, sometimes 32.
//!
//! ## Why pack
//!
//! Recording writes fresh memory: every 4 KiB page a lane fills is first a page fault
//! and a kernel zeroing. Measured here, filling fresh memory costs ~10-17 ns per 32-byte
//! event but ~5 ns per 16-byte one, as much as the clock read. So the hot path stores
//! each event in one 16-byte [`Slot`] and only the snapshot unpacks it into an
//! [`crate::Event`] (32 bytes, easy to use). Packed binary records in per-CPU buffers are what
//! ftrace and LTTng (its CTF format) do for the same reason.
//!
//! ## Format
//!
//! A slot is `(ticks: u64, word: u64)`. The low 4 bits of `word` are a tag, the upper
//! 60 bits the payload:
//!
//! | tag | event | payload (high bits .. low bits) |
//! |---|---|---|
//! | 0 | PollStart | cpu: 12 bits, task: 48 bits |
//! | 1 | PollEnd | task: 59 bits, ready: 1 bit |
//! | 2 | Wake | task: 60 bits |
//! | 3 | Spawn without parent | task: 60 bits |
//! | 4 | Steal | victim: 30 bits, count: 30 bits |
//! | 5 / 6 | Park / Unpark | none |
//! | 7 / 8 / 9 | Notify / IoEvents / TimersFired | the u32 |
//! | 10 | JobStart | cpu: 12 bits, job: 48 bits |
//! | 11 | JobEnd | job: 60 bits |
//! | 15 | extended | the tag of the event; the **next** slot holds two full u64 |
//!
//! A cpu of `u32::MAX` ("unknown") is stored as `0xFFF`. Anything that does not fit
//! (a task or job id of 2^48 or more, a cpu of 4,095 or more, a spawn with a parent, a
//! steal count of 2^30 or more) takes the extended form, two slots: nothing is ever
//! truncated. (48 bits hold the pool's job ids, `(thread + 1) << 40 | n`, for 255
//! threads.)
//!
//! ## Invariant
//!
//! The two slots of an extended event are in the same chunk: a lane hands its buffer
//! over while at least two slots are still free (see `lane.rs`), so a chunk never ends
//! in the middle of an event and each chunk decodes on its own.

use crate::event::EventKind;

/// One 16-byte cell of a lane's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Clock ticks (see `clock.rs`); in the second slot of an extended event, data.
    pub(crate) ticks: u64,
    /// Tag and payload; in the second slot of an extended event, data.
    pub(crate) word: u64,
}

const POLL_START: u64 = 0;
const POLL_END: u64 = 1;
const WAKE: u64 = 2;
const SPAWN: u64 = 3;
const STEAL: u64 = 4;
const PARK: u64 = 5;
const UNPARK: u64 = 6;
const NOTIFY: u64 = 7;
const IO_EVENTS: u64 = 8;
const TIMERS_FIRED: u64 = 9;
const JOB_START: u64 = 10;
const JOB_END: u64 = 11;
const EXTENDED: u64 = 15;

const ID48: u64 = (1 << 48) - 1;
const ID59: u64 = (1 << 59) - 1;
const ID60: u64 = (1 << 60) - 1;
const CPU_UNKNOWN: u64 = 0xFFF;
const FIELD30: u64 = (1 << 30) - 1;

/// The payload of a (cpu, id) pair if both fit: cpu in the top 12 bits.
fn cpu_and_id(cpu: u32, id: u64) -> Option<u64> {
    let cpu = match cpu {
        u32::MAX => CPU_UNKNOWN,
        c if u64::from(c) < CPU_UNKNOWN => u64::from(c),
        _ => return None,
    };
    (id <= ID48).then_some(cpu << 48 | id)
}

/// Packs `kind` at `ticks`: one slot, or two for the extended form.
#[inline]
pub(crate) fn encode(ticks: u64, kind: EventKind) -> (Slot, Option<Slot>) {
    let short = |tag: u64, payload: u64| {
        (
            Slot {
                ticks,
                word: payload << 4 | tag,
            },
            None,
        )
    };
    let long = |tag: u64, a: u64, b: u64| {
        (
            Slot {
                ticks,
                word: tag << 4 | EXTENDED,
            },
            Some(Slot { ticks: a, word: b }),
        )
    };
    match kind {
        EventKind::PollStart { task, cpu } => match cpu_and_id(cpu, task) {
            Some(p) => short(POLL_START, p),
            None => long(POLL_START, task, u64::from(cpu)),
        },
        EventKind::PollEnd { task, ready } if task <= ID59 => {
            short(POLL_END, task << 1 | u64::from(ready))
        }
        EventKind::PollEnd { task, ready } => long(POLL_END, task, u64::from(ready)),
        EventKind::Wake { task } if task <= ID60 => short(WAKE, task),
        EventKind::Wake { task } => long(WAKE, task, 0),
        EventKind::Spawn { task, parent: None } if task <= ID60 => short(SPAWN, task),
        // Extended spawn: b = parent + 1, so 0 means "no parent"; a parent of u64::MAX
        // (never a real id: ids count up from 0 or 1) would alias "none".
        EventKind::Spawn { task, parent } => {
            long(SPAWN, task, parent.map_or(0, |p| p.wrapping_add(1)))
        }
        EventKind::Steal { victim, count }
            if u64::from(victim) <= FIELD30 && u64::from(count) <= FIELD30 =>
        {
            short(STEAL, u64::from(victim) << 30 | u64::from(count))
        }
        EventKind::Steal { victim, count } => long(STEAL, u64::from(victim), u64::from(count)),
        EventKind::Park => short(PARK, 0),
        EventKind::Unpark => short(UNPARK, 0),
        EventKind::Notify { target } => short(NOTIFY, u64::from(target)),
        EventKind::IoEvents { count } => short(IO_EVENTS, u64::from(count)),
        EventKind::TimersFired { count } => short(TIMERS_FIRED, u64::from(count)),
        EventKind::JobStart { job, cpu } => match cpu_and_id(cpu, job) {
            Some(p) => short(JOB_START, p),
            None => long(JOB_START, job, u64::from(cpu)),
        },
        EventKind::JobEnd { job } if job <= ID60 => short(JOB_END, job),
        EventKind::JobEnd { job } => long(JOB_END, job, 0),
    }
}

fn cpu_of(field: u64) -> u32 {
    if field == CPU_UNKNOWN {
        u32::MAX
    } else {
        field as u32
    }
}

/// Unpacks a chunk (or any sequence of whole events) into (ticks, kind) pairs.
pub(crate) fn decode(slots: &[Slot]) -> impl Iterator<Item = (u64, EventKind)> + '_ {
    let mut it = slots.iter();
    std::iter::from_fn(move || {
        let slot = it.next()?;
        let tag = slot.word & 0xF;
        let p = slot.word >> 4;
        let kind = if tag == EXTENDED {
            let Slot { ticks: a, word: b } = *it
                .next()
                .expect("an extended event has its second slot in the same chunk");
            match p {
                POLL_START => EventKind::PollStart {
                    task: a,
                    cpu: b as u32,
                },
                POLL_END => EventKind::PollEnd {
                    task: a,
                    ready: b != 0,
                },
                WAKE => EventKind::Wake { task: a },
                SPAWN => EventKind::Spawn {
                    task: a,
                    parent: b.checked_sub(1),
                },
                STEAL => EventKind::Steal {
                    victim: a as u32,
                    count: b as u32,
                },
                JOB_START => EventKind::JobStart {
                    job: a,
                    cpu: b as u32,
                },
                _ => EventKind::JobEnd { job: a },
            }
        } else {
            match tag {
                POLL_START => EventKind::PollStart {
                    task: p & ID48,
                    cpu: cpu_of(p >> 48),
                },
                POLL_END => EventKind::PollEnd {
                    task: p >> 1,
                    ready: p & 1 == 1,
                },
                WAKE => EventKind::Wake { task: p },
                SPAWN => EventKind::Spawn {
                    task: p,
                    parent: None,
                },
                STEAL => EventKind::Steal {
                    victim: (p >> 30) as u32,
                    count: (p & FIELD30) as u32,
                },
                PARK => EventKind::Park,
                UNPARK => EventKind::Unpark,
                NOTIFY => EventKind::Notify { target: p as u32 },
                IO_EVENTS => EventKind::IoEvents { count: p as u32 },
                TIMERS_FIRED => EventKind::TimersFired { count: p as u32 },
                JOB_START => EventKind::JobStart {
                    job: p & ID48,
                    cpu: cpu_of(p >> 48),
                },
                _ => EventKind::JobEnd { job: p },
            }
        };
        Some((slot.ticks, kind))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(kind: EventKind) -> usize {
        let (first, second) = encode(42, kind);
        let slots: Vec<Slot> = std::iter::once(first).chain(second).collect();
        let decoded: Vec<_> = decode(&slots).collect();
        assert_eq!(decoded, [(42, kind)], "{kind:?}");
        slots.len()
    }

    #[test]
    fn slot_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 16);
    }

    #[test]
    fn every_kind_round_trips_and_common_ones_take_one_slot() {
        use EventKind::*;
        let one = [
            PollStart { task: 0, cpu: 0 },
            PollStart {
                task: ID48,
                cpu: 4_094,
            },
            PollStart {
                task: 17,
                cpu: u32::MAX,
            },
            PollEnd {
                task: ID59,
                ready: true,
            },
            PollEnd {
                task: 3,
                ready: false,
            },
            Wake { task: ID60 },
            Spawn {
                task: 9,
                parent: None,
            },
            Steal {
                victim: FIELD30 as u32,
                count: 7,
            },
            Park,
            Unpark,
            Notify { target: u32::MAX },
            IoEvents { count: u32::MAX },
            TimersFired { count: 0 },
            JobStart {
                job: 255 << 40 | 12_345,
                cpu: 1,
            },
            JobStart {
                job: 5,
                cpu: u32::MAX,
            },
            JobEnd { job: ID60 },
        ];
        for kind in one {
            assert_eq!(round_trip(kind), 1, "{kind:?}");
        }
        let two = [
            PollStart {
                task: ID48 + 1,
                cpu: 0,
            },
            PollStart {
                task: 1,
                cpu: 4_095,
            },
            PollStart {
                task: u64::MAX,
                cpu: u32::MAX - 1,
            },
            PollEnd {
                task: u64::MAX,
                ready: true,
            },
            Wake { task: u64::MAX },
            Spawn {
                task: 9,
                parent: Some(0),
            },
            Spawn {
                task: u64::MAX,
                parent: Some(u64::MAX - 1),
            },
            Spawn {
                task: u64::MAX,
                parent: None,
            },
            Steal {
                victim: u32::MAX,
                count: u32::MAX,
            },
            JobStart {
                job: u64::MAX,
                cpu: 3,
            },
            JobEnd { job: u64::MAX },
        ];
        for kind in two {
            assert_eq!(round_trip(kind), 2, "{kind:?}");
        }
    }
}
