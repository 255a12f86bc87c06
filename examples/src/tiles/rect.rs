//! Axis-aligned pixel rectangles: the one geometric vocabulary of the tiles pipeline.
//!
//! A [`Rect`] is half-open, `[x, x + width) x [y, y + height)`, like Rust ranges, so two
//! tiles that touch share no pixel and a row of tiles covers `0..width` with no gaps or
//! overlaps. Every other file speaks in these terms: a tile is an output `Rect`; its
//! input window is that `Rect` grown by the filter's halo and then clipped to the image
//! ([`Rect::expand_within`]); the filter asserts that the window it was given contains
//! what it will read ([`Rect::contains_rect`]).
//!
//! Invariant: coordinates are `usize`, so a `Rect` never starts left of or above the
//! image origin; growing one is done in signed arithmetic and clipped back at once.

use std::fmt;
use std::ops::Range;

/// A half-open rectangle of pixels: columns `x..x + width`, rows `y..y + height`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Rect {
    /// Left column (inclusive).
    pub x: usize,
    /// Top row (inclusive).
    pub y: usize,
    /// Number of columns.
    pub width: usize,
    /// Number of rows.
    pub height: usize,
}

impl Rect {
    /// The rectangle with top-left corner `(x, y)` and the given size.
    pub const fn new(x: usize, y: usize, width: usize, height: usize) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// The rectangle covering a whole `width x height` image.
    pub const fn of_image(width: usize, height: usize) -> Rect {
        Rect::new(0, 0, width, height)
    }

    /// One past the right-most column.
    pub const fn right(&self) -> usize {
        self.x + self.width
    }

    /// One past the bottom row.
    pub const fn bottom(&self) -> usize {
        self.y + self.height
    }

    /// The columns covered, as a range.
    pub const fn columns(&self) -> Range<usize> {
        self.x..self.right()
    }

    /// The rows covered, as a range.
    pub const fn rows(&self) -> Range<usize> {
        self.y..self.bottom()
    }

    /// Number of pixels covered.
    pub const fn area(&self) -> usize {
        self.width * self.height
    }

    /// True if the rectangle covers no pixel.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// True if every pixel of `other` is also in `self` (an empty `other` always is).
    pub const fn contains_rect(&self, other: &Rect) -> bool {
        other.is_empty()
            || (other.x >= self.x
                && other.y >= self.y
                && other.right() <= self.right()
                && other.bottom() <= self.bottom())
    }

    /// `self` grown by `margin` pixels on every side, then clipped to `bounds`.
    ///
    /// This is how a tile's input window is found: the output rectangle plus the halo the
    /// filter needs, never reaching outside the image (outside it, the filter clamps to
    /// the image border instead of reading).
    pub fn expand_within(&self, margin: usize, bounds: &Rect) -> Rect {
        let x0 = self.x.saturating_sub(margin).max(bounds.x);
        let y0 = self.y.saturating_sub(margin).max(bounds.y);
        let x1 = (self.right() + margin).min(bounds.right());
        let y1 = (self.bottom() + margin).min(bounds.bottom());
        Rect::new(x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0))
    }
}

impl fmt::Display for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}+{}+{}", self.width, self.height, self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_within_clips_to_the_bounds() {
        let image = Rect::of_image(10, 8);
        let corner = Rect::new(0, 0, 3, 3);
        assert_eq!(corner.expand_within(2, &image), Rect::new(0, 0, 5, 5));
        let middle = Rect::new(4, 3, 2, 2);
        assert_eq!(middle.expand_within(1, &image), Rect::new(3, 2, 4, 4));
        let far = Rect::new(8, 6, 2, 2);
        assert_eq!(far.expand_within(7, &image), Rect::new(1, 0, 9, 8));
    }

    #[test]
    fn contains_rect_is_inclusive_of_edges_and_accepts_empty() {
        let outer = Rect::new(2, 2, 5, 5);
        assert!(outer.contains_rect(&Rect::new(2, 2, 5, 5)));
        assert!(outer.contains_rect(&Rect::new(3, 3, 1, 1)));
        assert!(!outer.contains_rect(&Rect::new(1, 3, 2, 1)));
        assert!(!outer.contains_rect(&Rect::new(6, 6, 2, 1)));
        assert!(outer.contains_rect(&Rect::new(100, 100, 0, 0)));
    }
}
