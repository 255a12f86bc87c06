//! A deterministic test image with edges worth finding.
//!
//! When the demo is run without an image it draws one, the same bytes on every run (no
//! random-number crate: sizes, levels and glyphs come from integer hashing of cell
//! coordinates). Only the zone plate's `cos` and the chirp's `powf` come from the
//! platform's libm, whose last bits may differ between platforms; quantising to 8 bits
//! hides that in all but rare pixels. The picture is laid out in proportions of its
//! size, so any size works, and has:
//!
//! * a diagonal gradient background (smooth: the edge filter should answer near zero);
//! * on the left, a lattice of discs and rings of varied size and brightness (curved
//!   edges at every orientation);
//! * in the middle, rectangles, a diamond and a triangle (straight edges, corners);
//! * top right, "text": lines of seven-segment-style glyphs and spaces (dense, thin
//!   strokes, like a scanned page);
//! * bottom right, a zone plate `cos(k r^2)` (frequency rising outwards: fine detail the
//!   blur progressively wipes out);
//! * along the bottom, a chirp of vertical stripes getting narrower to the right;
//! * a faint hash "noise" of +-1 grey level everywhere, so flat areas are not perfectly flat.
//!
//! Each pixel is computed from its own coordinates only (no drawing order), in `f64`,
//! and quantised to 8 bits; [`test_image`] returns those bytes as intensities.

use super::gray::GrayF32;

/// Draws the `width x height` test image (see the module docs).
pub fn test_image(width: usize, height: usize) -> GrayF32 {
    let mut bytes = vec![0u8; width * height];
    let layout = Layout::new(width, height);
    for (y, row) in bytes.chunks_exact_mut(width.max(1)).enumerate() {
        for (x, byte) in row.iter_mut().enumerate() {
            let value = layout.shade(x as f64, y as f64) + layout.noise(x, y);
            *byte = (value * 255.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    GrayF32::from_luma8(width, height, &bytes)
}

/// A 64-bit integer mix (the finaliser of SplitMix64, Steele et al. 2014): a cheap,
/// deterministic stand-in for a random number per (a, b) pair.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash to a number in `[0, 1)`.
fn unit(a: u64, b: u64) -> f64 {
    (mix(a, b) >> 11) as f64 / (1u64 << 53) as f64
}

/// Region boundaries and feature sizes, all derived from the image size.
struct Layout {
    w: f64,
    h: f64,
    /// Side of one disc-lattice cell.
    cell: f64,
    /// Height of one text line (glyph cell is 0.6 of it wide).
    line: f64,
}

impl Layout {
    fn new(width: usize, height: usize) -> Layout {
        let (w, h) = (width.max(1) as f64, height.max(1) as f64);
        Layout {
            w,
            h,
            cell: (h / 8.0).max(4.0),
            line: (h / 40.0).max(5.0),
        }
    }

    /// +-1 grey level of per-pixel noise.
    fn noise(&self, x: usize, y: usize) -> f64 {
        (mix(x as u64, y as u64 ^ 0xA5A5) % 3) as f64 / 255.0 - 1.0 / 255.0
    }

    /// The noiseless intensity at `(x, y)`, in `0..=1`.
    fn shade(&self, x: f64, y: f64) -> f64 {
        let (u, v) = (x / self.w, y / self.h);
        let background = 0.18 + 0.3 * u + 0.2 * v;
        if v > 0.9 {
            return self.chirp(u, v);
        }
        if u < 0.36 {
            return self.discs(x, y).unwrap_or(background);
        }
        if u < 0.62 {
            return self.polygons(u, v).unwrap_or(background);
        }
        if v < 0.5 {
            return self
                .text(x - 0.64 * self.w, y - 0.04 * self.h, u, v)
                .unwrap_or(background);
        }
        self.zone_plate(u, v).unwrap_or(background)
    }

    /// A lattice of discs and rings, one per cell, sizes and levels hashed per cell.
    fn discs(&self, x: f64, y: f64) -> Option<f64> {
        let (cx, cy) = ((x / self.cell).floor(), (y / self.cell).floor());
        let key = (cx as u64) << 32 | cy as u64;
        let radius = self.cell * (0.2 + 0.25 * unit(key, 1));
        let (dx, dy) = (x - (cx + 0.5) * self.cell, y - (cy + 0.5) * self.cell);
        let dist = (dx * dx + dy * dy).sqrt();
        let level = 0.05 + 0.9 * unit(key, 2);
        let ring = unit(key, 3) < 0.35;
        if ring {
            (dist <= radius && dist >= radius * 0.7).then_some(level)
        } else {
            (dist <= radius).then_some(level)
        }
    }

    /// Axis-aligned rectangles, a diamond and a triangle (coordinates in image fractions).
    fn polygons(&self, u: f64, v: f64) -> Option<f64> {
        // Aspect-correct coordinates, so the diamond has 45-degree sides.
        let (px, py) = (u * self.w / self.h, v);
        let (dx, dy) = (px - 0.49 * self.w / self.h, py - 0.5);
        if dx.abs() + dy.abs() < 0.12 {
            return Some(if dx.abs() + dy.abs() < 0.06 {
                0.1
            } else {
                0.95
            });
        }
        if (0.05..0.25).contains(&v) && (0.39..0.58).contains(&u) {
            return Some(if (0.1..0.2).contains(&v) && (0.43..0.54).contains(&u) {
                0.75
            } else {
                0.05
            });
        }
        // Triangle with apex at (0.49, 0.7) and base from (0.39, 0.88) to (0.59, 0.88).
        let t = (v - 0.7) / 0.18;
        if (0.0..=1.0).contains(&t) && (u - 0.49).abs() <= 0.1 * t {
            return Some(0.9);
        }
        None
    }

    /// Seven-segment-style glyphs on text lines; `(x, y)` relative to the block's corner.
    fn text(&self, x: f64, y: f64, u: f64, v: f64) -> Option<f64> {
        if x < 0.0 || y < 0.0 || u > 0.98 || v > 0.46 {
            return None;
        }
        let line = (y / self.line).floor();
        let glyph_w = self.line * 0.6;
        let glyph = (x / glyph_w).floor();
        let key = mix(line as u64, glyph as u64);
        if key % 6 == 0 {
            return None; // a space between words
        }
        // Position inside the glyph box, which leaves a margin to its neighbours.
        let gx = (x - glyph * glyph_w) / glyph_w; // 0..1
        let gy = (y - line * self.line) / self.line; // 0..1
        let (gx, gy) = ((gx - 0.15) / 0.7, (gy - 0.15) / 0.7);
        if !(0.0..1.0).contains(&gx) || !(0.0..1.0).contains(&gy) {
            return None;
        }
        let stroke = 0.18;
        let segments = [
            gy < stroke,                     // top
            (gy - 0.5).abs() < stroke / 2.0, // middle
            gy > 1.0 - stroke,               // bottom
            gx < stroke && gy < 0.5,         // upper left
            gx > 1.0 - stroke && gy < 0.5,   // upper right
            gx < stroke && gy >= 0.5,        // lower left
            gx > 1.0 - stroke && gy >= 0.5,  // lower right
        ];
        let lit = segments
            .iter()
            .enumerate()
            .any(|(bit, &inside)| inside && (key >> (bit + 8)) & 1 == 1);
        lit.then_some(0.02)
    }

    /// A zone plate in a disc: `0.5 + 0.5 cos(k r^2)`.
    fn zone_plate(&self, u: f64, v: f64) -> Option<f64> {
        let (dx, dy) = ((u - 0.81) * self.w, (v - 0.7) * self.h);
        let r_max = 0.18 * self.h;
        let r2 = dx * dx + dy * dy;
        if r2 > r_max * r_max {
            return None;
        }
        // Frequency reaches about half a cycle per pixel at the rim.
        let k = std::f64::consts::PI / (2.0 * r_max);
        Some(0.5 + 0.45 * (k * r2).cos())
    }

    /// Vertical stripes whose period shrinks from 64 to 2 pixels left to right.
    fn chirp(&self, u: f64, v: f64) -> f64 {
        let x = u * self.w;
        let period = 64.0 * (2.0f64 / 64.0).powf(u);
        let phase = (x / period).fract();
        let bright = if v > 0.95 { 0.85 } else { 0.7 };
        if phase < 0.5 { bright } else { 0.1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_same_bytes() {
        let a = test_image(203, 151);
        let b = test_image(203, 151);
        assert_eq!(a.first_bit_difference(&b), None);
    }

    /// A fixed fingerprint: catches an accidental change of the picture (or any source of
    /// nondeterminism) that the run-twice test above cannot see.
    #[test]
    fn fingerprint_is_stable() {
        let image = test_image(160, 120);
        let bytes = image.to_luma8(1.0);
        let fnv = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        assert_eq!(fnv, FINGERPRINT_160X120, "fingerprint {fnv:#x}");
    }

    const FINGERPRINT_160X120: u64 = 0x8752_9b8c_3b48_989d;

    #[test]
    fn has_both_flat_areas_and_strong_edges() {
        let image = test_image(400, 300);
        let bytes = image.to_luma8(1.0);
        let (min, max) = (bytes.iter().min().unwrap(), bytes.iter().max().unwrap());
        assert!(*min < 20 && *max > 230, "contrast {min}..{max}");
        let jumps = bytes
            .windows(2)
            .filter(|p| p[0].abs_diff(p[1]) > 100)
            .count();
        assert!(jumps > 1000, "only {jumps} strong horizontal edges");
    }
}
