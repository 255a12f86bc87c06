use spindle_examples::concepts::coroutine::{self, DEMO_INPUTS};

#[test]
fn the_state_machine_matches_the_async_fn() {
    for inputs in [&DEMO_INPUTS[..], &[0], &[1, 99], &[3, 1, 2, 3, 4]] {
        let r = coroutine::run(inputs);
        let (a, h) = (&r.async_fn, &r.by_hand);
        assert_eq!(a.outputs, h.outputs, "{inputs:?}");
        assert_eq!(
            (a.result, a.polls, a.pendings),
            (h.result, h.polls, h.pendings)
        );
        let count = inputs[0] as usize;
        let totals: Vec<u32> = (inputs[1..=count].iter())
            .scan(0, |t, v| {
                *t += v;
                Some(*t)
            })
            .collect();
        assert_eq!(h.outputs, totals);
        assert_eq!(h.result, totals.last().copied().unwrap_or(0));
        // One Pending per input read, one wake per Pending, one more poll to finish.
        for run in [a, h] {
            assert_eq!(run.pendings, count + 1);
            assert_eq!(run.wakes, run.pendings);
            assert_eq!(run.polls, run.pendings + 1);
        }
    }
}

#[test]
#[should_panic(expected = "more input")]
fn a_coroutine_starved_of_input_is_reported() {
    coroutine::run(&[3, 1]);
}
