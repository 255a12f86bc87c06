//! Colours: a stable colour per task (and per core), far apart for neighbours.
//!
//! A task's hue is `frac(id × φ⁻¹)` of the colour wheel (φ the golden ratio, the "golden
//! angle" walk, as in Martin Ankerl's "How to Generate Random Colors Programmatically",
//! 2009, and the phyllotaxis of sunflower seeds): consecutive ids, which tasks spawned
//! together usually get, land ~222° apart, and no two of the first n ids are closer than
//! about 1/n of the wheel. The colour depends on the id alone, so a task keeps its colour
//! across lanes, across snapshots and across runs with the same spawn order.
//!
//! Saturation and lightness are fixed at values readable under black text and on white.
//! Cores use the same walk with a different offset, so a core's strip colour is stable.

/// The golden ratio's fractional part, φ⁻¹ = 0.618...
const GOLDEN: f64 = 0.618_033_988_749_895;

/// `#rrggbb` for task `id`.
pub(crate) fn task_colour(id: u64) -> String {
    hsl(golden_hue(id, 0.0), 0.62, 0.58)
}

/// `#rrggbb` for pool job `id`: the same walk, darker and less saturated, so jobs are
/// told apart from polls at a glance.
pub(crate) fn job_colour(id: u64) -> String {
    hsl(golden_hue(id, 0.5), 0.35, 0.45)
}

/// `#rrggbb` for core `cpu` (a strip under each lane).
pub(crate) fn cpu_colour(cpu: u32) -> String {
    if cpu == u32::MAX {
        return "#bbbbbb".to_string();
    }
    hsl(golden_hue(u64::from(cpu), 0.13), 0.80, 0.30)
}

/// Hue in [0, 1): `frac(offset + id × φ⁻¹)`. Computed on the id modulo 2^20 so the
/// product stays exact in an f64 (ids beyond a million repeat the walk).
fn golden_hue(id: u64, offset: f64) -> f64 {
    let x = offset + (id % (1 << 20)) as f64 * GOLDEN;
    x - x.floor()
}

/// HSL (all in [0, 1]) to `#rrggbb`, the standard CSS Color 3 conversion.
fn hsl(h: f64, s: f64, l: f64) -> String {
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let channel = |t: f64| {
        let t = t - t.floor();
        let v = if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        };
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    format!(
        "#{:02x}{:02x}{:02x}",
        channel(h + 1.0 / 3.0),
        channel(h),
        channel(h - 1.0 / 3.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsl_primaries() {
        assert_eq!(hsl(0.0, 1.0, 0.5), "#ff0000");
        assert_eq!(hsl(1.0 / 3.0, 1.0, 0.5), "#00ff00");
        assert_eq!(hsl(2.0 / 3.0, 1.0, 0.5), "#0000ff");
        assert_eq!(hsl(0.3, 0.0, 1.0), "#ffffff");
    }

    #[test]
    fn colours_are_stable_and_neighbours_differ() {
        assert_eq!(task_colour(7), task_colour(7));
        for id in 0..100 {
            assert_ne!(task_colour(id), task_colour(id + 1));
            let gap = (golden_hue(id, 0.0) - golden_hue(id + 1, 0.0)).abs();
            assert!(gap.min(1.0 - gap) > 0.3, "consecutive hues {gap} apart");
        }
        assert_eq!(cpu_colour(u32::MAX), "#bbbbbb");
    }
}
