//! A grayscale image of `f32` samples, and read-only windows onto it.
//!
//! [`GrayF32`] stores its pixels row-major in one `Vec<f32>` (`stride == width`), so a
//! row is a contiguous slice: the filter's passes work on whole rows and the compiler can
//! vectorise them. Samples are linear intensities, `0.0` black and `1.0` white, for the
//! input; the edge filter's output uses the same type for gradient magnitudes, which may
//! exceed `1.0` and are mapped to bytes with a gain ([`GrayF32::to_luma8`]).
//!
//! An [`ImageWindow`] is how a tile sees its input: the whole image (so the filter knows
//! where the image border is, for clamping) plus the rectangle it is allowed to read. Its
//! [`ImageWindow::row`] only hands out columns inside that rectangle and panics on rows
//! outside it, so a tile whose halo is too small fails loudly instead of silently reading
//! pixels that belong to its neighbours' halo budget.

use super::rect::Rect;

/// A grayscale image with one `f32` sample per pixel, stored row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct GrayF32 {
    width: usize,
    height: usize,
    pixels: Vec<f32>,
}

impl GrayF32 {
    /// A black (all `0.0`) image of the given size.
    pub fn new(width: usize, height: usize) -> GrayF32 {
        GrayF32 {
            width,
            height,
            pixels: vec![0.0; width * height],
        }
    }

    /// Wraps row-major samples.
    ///
    /// # Panics
    /// If `pixels.len() != width * height`: build the vector with exactly one sample per
    /// pixel.
    pub fn from_pixels(width: usize, height: usize, pixels: Vec<f32>) -> GrayF32 {
        assert_eq!(
            pixels.len(),
            width * height,
            "GrayF32::from_pixels: a {width}x{height} image needs {} samples, got {}",
            width * height,
            pixels.len()
        );
        GrayF32 {
            width,
            height,
            pixels,
        }
    }

    /// Converts 8-bit luma samples (`0..=255`) to intensities in `0.0..=1.0`.
    ///
    /// # Panics
    /// If `bytes.len() != width * height`.
    pub fn from_luma8(width: usize, height: usize, bytes: &[u8]) -> GrayF32 {
        let pixels = bytes.iter().map(|&b| f32::from(b) / 255.0).collect();
        GrayF32::from_pixels(width, height, pixels)
    }

    /// Converts to 8-bit luma: `round(sample * gain * 255)`, clamped to `0..=255`.
    ///
    /// Use `gain = 1.0` for an intensity image (a round trip through
    /// [`GrayF32::from_luma8`] then gives back the same bytes); edge magnitudes are
    /// usually small and read better with a gain above one.
    pub fn to_luma8(&self, gain: f32) -> Vec<u8> {
        let scale = gain * 255.0;
        self.pixels
            .iter()
            .map(|&v| (v * scale).round().clamp(0.0, 255.0) as u8)
            .collect()
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The rectangle covering the whole image.
    pub fn bounds(&self) -> Rect {
        Rect::of_image(self.width, self.height)
    }

    /// All samples, row-major.
    pub fn pixels(&self) -> &[f32] {
        &self.pixels
    }

    /// All samples, row-major, mutable.
    pub fn pixels_mut(&mut self) -> &mut [f32] {
        &mut self.pixels
    }

    /// Row `y` as a slice of `width` samples.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row(&self, y: usize) -> &[f32] {
        &self.pixels[y * self.width..(y + 1) * self.width]
    }

    /// The sample at `(x, y)`.
    ///
    /// # Panics
    /// If the pixel is outside the image.
    pub fn get(&self, x: usize, y: usize) -> f32 {
        assert!(
            x < self.width,
            "column {x} outside a {}-wide image",
            self.width
        );
        self.pixels[y * self.width + x]
    }

    /// A window that may read every pixel of the image.
    pub fn whole(&self) -> ImageWindow<'_> {
        ImageWindow {
            image: self,
            rect: self.bounds(),
        }
    }

    /// A window that may read only `rect` (clipped to the image).
    pub fn window(&self, rect: Rect) -> ImageWindow<'_> {
        ImageWindow {
            image: self,
            rect: rect.expand_within(0, &self.bounds()),
        }
    }

    /// Index of the first sample that differs from `other` bit for bit, if any
    /// (`f32::to_bits`, so `-0.0 != 0.0` and NaNs compare by payload).
    pub fn first_bit_difference(&self, other: &GrayF32) -> Option<usize> {
        if self.width != other.width || self.height != other.height {
            return Some(0);
        }
        self.pixels
            .iter()
            .zip(&other.pixels)
            .position(|(a, b)| a.to_bits() != b.to_bits())
    }
}

/// Read access to the part of an image a tile may look at.
#[derive(Clone, Copy, Debug)]
pub struct ImageWindow<'a> {
    image: &'a GrayF32,
    rect: Rect,
}

impl<'a> ImageWindow<'a> {
    /// The rectangle this window may read.
    pub fn rect(&self) -> Rect {
        self.rect
    }

    /// Size of the whole image (the border that the filter clamps to).
    pub fn image_size(&self) -> (usize, usize) {
        (self.image.width, self.image.height)
    }

    /// Row `y`, restricted to the window's columns: element `i` is pixel `(rect.x + i, y)`.
    ///
    /// # Panics
    /// If row `y` is outside the window: the caller's halo is too small.
    pub fn row(&self, y: usize) -> &'a [f32] {
        assert!(
            self.rect.rows().contains(&y),
            "row {y} is outside the input window {}: the tile's halo is too small for the filter",
            self.rect
        );
        let start = y * self.image.width;
        &self.image.pixels[start + self.rect.x..start + self.rect.right()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma8_round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let image = GrayF32::from_luma8(16, 16, &bytes);
        assert_eq!(image.to_luma8(1.0), bytes);
    }

    #[test]
    fn window_rows_are_restricted_to_the_window() {
        let pixels: Vec<f32> = (0..20).map(|v| v as f32).collect();
        let image = GrayF32::from_pixels(5, 4, pixels);
        let window = image.window(Rect::new(1, 1, 3, 2));
        assert_eq!(window.row(2), &[11.0, 12.0, 13.0]);
        assert_eq!(window.image_size(), (5, 4));
    }

    #[test]
    #[should_panic(expected = "halo is too small")]
    fn reading_outside_the_window_panics() {
        let image = GrayF32::new(5, 4);
        image.window(Rect::new(0, 1, 5, 2)).row(0);
    }

    #[test]
    fn bit_difference_sees_signed_zero() {
        let a = GrayF32::from_pixels(2, 1, vec![0.0, 1.0]);
        let b = GrayF32::from_pixels(2, 1, vec![-0.0, 1.0]);
        assert_eq!(a.first_bit_difference(&a.clone()), None);
        assert_eq!(a.first_bit_difference(&b), Some(0));
    }
}
