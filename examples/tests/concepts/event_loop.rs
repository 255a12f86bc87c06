use spindle::trace::{EventKind, LaneKind};
use spindle_examples::concepts::event_loop::{self, Config, TICKS_WANTED};

#[test]
fn every_coroutine_ran_on_the_one_thread_and_a_blocking_call_stalls_it() {
    let cfg = Config::small();
    let r = event_loop::run(&cfg).unwrap();
    assert_eq!(r.steps_run, cfg.clients * cfg.steps);
    assert!(
        r.one_thread(),
        "{:?} vs {:?}",
        r.step_threads,
        r.loop_thread
    );
    // Inline, the call waits its whole limit and sees no tick at all.
    assert_eq!(r.inline.ticks_seen, 0);
    assert!(r.inline.waited >= cfg.block_for);
    // On the pool, the loop keeps ticking.
    assert!(r.offloaded.ticks_seen >= TICKS_WANTED, "{:?}", r.offloaded);
    // The picture: every task poll is on the one block_on lane.
    for lane in &r.trace.lanes {
        let polls = (lane.events.iter())
            .filter(|e| matches!(e.kind, EventKind::PollStart { .. }))
            .count();
        match lane.kind {
            LaneKind::BlockOn => assert!(polls >= cfg.clients * cfg.steps),
            _ => assert_eq!(polls, 0, "{lane}"),
        }
    }
}
