//! The time axis: nanoseconds to pixels, and round-number ticks.
//!
//! Ticks follow the classic "nice numbers" rule (Paul Heckbert, "Nice Numbers for Graph
//! Labels", Graphics Gems, 1990): a step of 1, 2 or 5 times a power of ten, the one that
//! gives the number of intervals closest to `target`, so labels read 0, 50 µs, 100 µs, ...
//! Labels pick the unit (ns, µs, ms, s) from the step, so they never need more than
//! the digits the step has.

/// Maps `[0, span_ns]` onto `[x0, x0 + width]` pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    pub(crate) x0: f64,
    pub(crate) width: f64,
    pub(crate) span_ns: u64,
}

impl Scale {
    /// The x pixel of time `t_ns`.
    pub(crate) fn x(&self, t_ns: u64) -> f64 {
        self.x0 + self.width * (t_ns as f64 / self.span_ns.max(1) as f64)
    }

    /// Round-number ticks: (time, label), about `target` of them, covering the span.
    pub(crate) fn ticks(&self, target: u64) -> Vec<(u64, String)> {
        let step = nice_step(self.span_ns, target);
        (0..)
            .map(|i| i * step)
            .take_while(|&t| t <= self.span_ns)
            .map(|t| (t, label(t, step)))
            .collect()
    }
}

/// The 1/2/5 × 10^k step that cuts `span` into the number of pieces closest to `target`
/// (never 0).
fn nice_step(span: u64, target: u64) -> u64 {
    let target = target.max(1);
    let raw = (span / target).max(1);
    let mut power = 1u64;
    while power <= raw / 10 {
        power *= 10;
    }
    // power <= raw < 10 * power, so the best step is among 1, 2, 5 and 10 × power.
    let pieces = |step: u64| span as f64 / step as f64;
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * power)
        .min_by(|&a, &b| {
            let da = (pieces(a) - target as f64).abs();
            let db = (pieces(b) - target as f64).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(power)
}

/// `t` in the unit that suits `step`: 0, 500 ns, 1.5 µs, 0.2 ms, 20 ms, 2 s. The unit
/// is the largest one the step is at least a tenth of, so every label needs at most one
/// decimal (steps are 1, 2 or 5 × 10^k).
pub(crate) fn label(t: u64, step: u64) -> String {
    if t == 0 {
        return "0".to_string();
    }
    let (unit, div) = if step >= 100_000_000 {
        ("s", 1_000_000_000)
    } else if step >= 100_000 {
        ("ms", 1_000_000)
    } else if step >= 100 {
        ("µs", 1_000)
    } else {
        ("ns", 1)
    };
    let whole = t / div;
    let frac = t % div;
    if frac == 0 {
        format!("{whole} {unit}")
    } else {
        // The step is 1/2/5 × 10^k, so one or two decimals are enough for its multiples.
        format!("{:.1} {unit}", t as f64 / div as f64)
    }
}

/// A duration for humans: "850 ns", "12.3 µs", "4.56 ms", "1.20 s".
pub(crate) fn human_duration(ns: u64) -> String {
    match ns {
        0..1_000 => format!("{ns} ns"),
        1_000..1_000_000 => format!("{:.1} µs", ns as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2} ms", ns as f64 / 1e6),
        _ => format!("{:.2} s", ns as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(1_000, 10), 100);
        assert_eq!(nice_step(1_234_567, 10), 100_000);
        assert_eq!(nice_step(2_600_000, 10), 200_000);
        assert_eq!(nice_step(7_000, 10), 1_000); // 7 pieces rather than 14
        assert_eq!(nice_step(4_760_000, 10), 500_000); // 9.5 pieces rather than 24
        assert_eq!(nice_step(5, 10), 1);
        assert_eq!(nice_step(0, 10), 1);
    }

    #[test]
    fn ticks_and_labels() {
        let s = Scale {
            x0: 100.0,
            width: 1000.0,
            span_ns: 2_600_000,
        };
        let ticks = s.ticks(10);
        assert_eq!(ticks.len(), 14); // 0, 0.2 ms, ... 2.6 ms
        assert_eq!(ticks[1], (200_000, "0.2 ms".to_string()));
        assert_eq!(ticks[5], (1_000_000, "1 ms".to_string()));
        assert_eq!(s.x(1_300_000), 600.0);
        assert_eq!(label(1500, 500), "1.5 µs");
        assert_eq!(label(50_000, 50_000), "50 µs");
        assert_eq!(label(300, 100), "0.3 µs");
        assert_eq!(label(40, 10), "40 ns");
        assert_eq!(label(3_000_000_000, 500_000_000), "3 s");
        assert_eq!(human_duration(12_345), "12.3 µs");
        assert_eq!(human_duration(999), "999 ns");
    }
}
