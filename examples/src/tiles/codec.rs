//! Reading and writing images: PNG or JPEG in, 8-bit grayscale PNG out.
//!
//! Decoding and encoding are the `image` crate's job; this file only converts between its
//! 8-bit luma buffers and [`GrayF32`]. Colour inputs are turned into luma by `image`'s
//! `to_luma8` (ITU-R BT.709 weights on the 8-bit channels). The output format is picked
//! from the file extension by `image` (so `-o out.png` writes a PNG).
//!
//! Every failure (missing file, unknown format, corrupt data, unwritable path) is a
//! [`CodecError`] that names the path, never a panic: it is user input.

use std::fmt;
use std::path::{Path, PathBuf};

use image::{ExtendedColorType, ImageReader};

use super::gray::GrayF32;

/// An image could not be read or written.
#[derive(Debug)]
pub struct CodecError {
    path: PathBuf,
    action: &'static str,
    source: image::ImageError,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for CodecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Loads a PNG or JPEG (format guessed from the content) as grayscale intensities.
pub fn load_gray(path: &Path) -> Result<GrayF32, CodecError> {
    let err = |source| CodecError {
        path: path.to_owned(),
        action: "read",
        source,
    };
    let decoded = ImageReader::open(path)
        .map_err(|e| err(image::ImageError::IoError(e)))?
        .with_guessed_format()
        .map_err(|e| err(image::ImageError::IoError(e)))?
        .decode()
        .map_err(err)?;
    let luma = decoded.to_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    Ok(GrayF32::from_luma8(w, h, luma.as_raw()))
}

/// Writes `image` as 8-bit grayscale, `gain` scaling samples before quantising (see
/// [`GrayF32::to_luma8`]); the format follows the file extension.
pub fn save_gray(path: &Path, image: &GrayF32, gain: f32) -> Result<(), CodecError> {
    let err = |source| CodecError {
        path: path.to_owned(),
        action: "write",
        source,
    };
    let (w, h) = dimensions_u32(image).map_err(err)?;
    image::save_buffer(path, &image.to_luma8(gain), w, h, ExtendedColorType::L8).map_err(err)
}

fn dimensions_u32(image: &GrayF32) -> Result<(u32, u32), image::ImageError> {
    let too_big = || {
        image::ImageError::Limits(image::error::LimitError::from_kind(
            image::error::LimitErrorKind::DimensionError,
        ))
    };
    let w = u32::try_from(image.width()).map_err(|_| too_big())?;
    let h = u32::try_from(image.height()).map_err(|_| too_big())?;
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::image_gen::test_image;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("spindle-tiles-{}-{name}", std::process::id()))
    }

    #[test]
    fn png_round_trips_bit_for_bit() {
        let image = test_image(131, 77);
        let path = temp_path("round-trip.png");
        save_gray(&path, &image, 1.0).unwrap();
        let loaded = load_gray(&path);
        std::fs::remove_file(&path).unwrap();
        let loaded = loaded.unwrap();
        assert_eq!((loaded.width(), loaded.height()), (131, 77));
        assert_eq!(loaded.first_bit_difference(&image), None);
    }

    #[test]
    fn jpeg_loads_close_to_what_was_written() {
        // JPEG is lossy: same size, and on average within a few grey levels.
        let image = test_image(96, 64);
        let path = temp_path("lossy.jpg");
        save_gray(&path, &image, 1.0).unwrap();
        let loaded = load_gray(&path);
        std::fs::remove_file(&path).unwrap();
        let loaded = loaded.unwrap();
        assert_eq!((loaded.width(), loaded.height()), (96, 64));
        let mean_error: f32 = loaded
            .pixels()
            .iter()
            .zip(image.pixels())
            .map(|(a, b)| (a - b).abs())
            .sum::<f32>()
            / image.pixels().len() as f32;
        assert!(mean_error < 8.0 / 255.0, "mean error {mean_error}");
    }

    #[test]
    fn missing_and_corrupt_files_are_errors() {
        let missing = temp_path("does-not-exist.png");
        let e = load_gray(&missing).unwrap_err();
        assert!(e.to_string().contains("does-not-exist"), "{e}");

        let corrupt = temp_path("corrupt.png");
        std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nthis is not a png").unwrap();
        let result = load_gray(&corrupt);
        std::fs::remove_file(&corrupt).unwrap();
        assert!(result.is_err());
    }

    #[test]
    fn unwritable_path_is_an_error() {
        let dir = temp_path("no-such-dir");
        let e = save_gray(&dir.join("x.png"), &GrayF32::new(2, 2), 1.0).unwrap_err();
        assert!(e.to_string().starts_with("cannot write"), "{e}");
    }
}
