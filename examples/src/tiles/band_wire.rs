//! The bytes that cross a pipe between the tiles program and one of its worker processes.
//!
//! A child process has its own memory: it cannot read the parent's image, so the parent
//! copies in the rows the child's tiles read, and the child copies back the rows it
//! computed. One child gets one [`Band`]: a run of whole tile rows (all columns), so both
//! copies are contiguous row ranges of the row-major image.
//!
//! ```text
//! request  (parent -> child stdin)      response (child stdout -> parent)
//!   b"SPTQ"  magic                        b"SPTA"  magic
//!   u32      sigma (f32 bits)             u64      compute time, nanoseconds
//!   u64 x 8  image w, h; tile w, h;       u64      tiles filtered
//!            output rows y0, y1;          f32 ...  (y1 - y0) * w output samples
//!            input rows y0, y1
//!   f32 ...  (in_y1 - in_y0) * w samples
//! ```
//!
//! Everything is little-endian. Samples travel as their exact bits (`f32::to_le_bytes`),
//! so the child's output can equal the threads' bit for bit. The reader checks every size
//! against the header and against [`MAX_SAMPLES`] before allocating, so a corrupt or
//! hostile stream is an [`io::Error`] of kind `InvalidData`, never a panic or a huge
//! allocation.

use std::io::{self, Read, Write};
use std::ops::Range;
use std::time::Duration;

const REQUEST_MAGIC: &[u8; 4] = b"SPTQ";
const RESPONSE_MAGIC: &[u8; 4] = b"SPTA";

/// The largest image a request may describe: 2^28 samples (1 GiB of `f32`).
pub const MAX_SAMPLES: u64 = 1 << 28;

/// The rows one worker process computes, and the rows it must be sent to do so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    /// Image width and height.
    pub image: (usize, usize),
    /// Tile width and height (the grid is rebuilt from these in the child).
    pub tile: (usize, usize),
    /// Output rows the child computes: whole tile rows.
    pub output_rows: Range<usize>,
    /// Input rows the child receives: `output_rows` grown by the filter's halo, clipped.
    pub input_rows: Range<usize>,
}

impl Band {
    /// Bytes of input samples the parent copies to the child.
    pub fn input_bytes(&self) -> u64 {
        (self.input_rows.len() * self.image.0 * 4) as u64
    }

    /// Bytes of output samples the child copies back.
    pub fn output_bytes(&self) -> u64 {
        (self.output_rows.len() * self.image.0 * 4) as u64
    }
}

/// A decoded request: the filter's sigma, the band, and its input samples.
#[derive(Debug)]
pub struct BandRequest {
    /// Gaussian sigma of the edge filter.
    pub sigma: f32,
    /// Which rows to compute and which were sent.
    pub band: Band,
    /// `input_rows.len() * width` samples, row-major.
    pub input: Vec<f32>,
}

/// A decoded response.
#[derive(Debug)]
pub struct BandResponse {
    /// Time the child spent filtering (not counting the copies).
    pub compute: Duration,
    /// Tiles the child filtered.
    pub tiles: u64,
    /// `output_rows.len() * width` samples, row-major.
    pub output: Vec<f32>,
}

/// Writes a request: header, then the input rows taken from `image` (row-major, `width`
/// samples a row).
pub fn write_request(
    out: &mut impl Write,
    sigma: f32,
    band: &Band,
    image: &[f32],
) -> io::Result<()> {
    let (w, h) = band.image;
    let mut header = Vec::with_capacity(4 + 4 + 8 * 8);
    header.extend_from_slice(REQUEST_MAGIC);
    header.extend_from_slice(&sigma.to_bits().to_le_bytes());
    for v in [
        w,
        h,
        band.tile.0,
        band.tile.1,
        band.output_rows.start,
        band.output_rows.end,
        band.input_rows.start,
        band.input_rows.end,
    ] {
        header.extend_from_slice(&(v as u64).to_le_bytes());
    }
    out.write_all(&header)?;
    write_samples(
        out,
        &image[band.input_rows.start * w..band.input_rows.end * w],
    )?;
    out.flush()
}

/// Reads and checks a request.
pub fn read_request(input: &mut impl Read) -> io::Result<BandRequest> {
    expect_magic(input, REQUEST_MAGIC)?;
    let sigma = f32::from_bits(read_u32(input)?);
    let mut v = [0u64; 8];
    for slot in &mut v {
        *slot = read_u64(input)?;
    }
    let [w, h, tw, th, oy0, oy1, iy0, iy1] = v;
    let valid = w > 0
        && h > 0
        && tw > 0
        && th > 0
        && w.checked_mul(h).is_some_and(|n| n <= MAX_SAMPLES)
        && iy0 <= oy0
        && oy0 < oy1
        && oy1 <= iy1
        && iy1 <= h
        && oy0 % th == 0
        && (oy1 % th == 0 || oy1 == h);
    if !valid {
        return Err(invalid(format!(
            "bad band header: image {w}x{h}, tile {tw}x{th}, output rows {oy0}..{oy1}, input rows {iy0}..{iy1}"
        )));
    }
    let band = Band {
        image: (w as usize, h as usize),
        tile: (tw as usize, th as usize),
        output_rows: oy0 as usize..oy1 as usize,
        input_rows: iy0 as usize..iy1 as usize,
    };
    let input = read_samples(input, band.input_rows.len() * band.image.0)?;
    Ok(BandRequest { sigma, band, input })
}

/// Writes a response.
pub fn write_response(out: &mut impl Write, response: &BandResponse) -> io::Result<()> {
    let mut header = Vec::with_capacity(4 + 16);
    header.extend_from_slice(RESPONSE_MAGIC);
    let nanos = u64::try_from(response.compute.as_nanos()).unwrap_or(u64::MAX);
    header.extend_from_slice(&nanos.to_le_bytes());
    header.extend_from_slice(&response.tiles.to_le_bytes());
    out.write_all(&header)?;
    write_samples(out, &response.output)?;
    out.flush()
}

/// Reads a response for `band` (whose size the parent knows).
pub fn read_response(input: &mut impl Read, band: &Band) -> io::Result<BandResponse> {
    expect_magic(input, RESPONSE_MAGIC)?;
    let compute = Duration::from_nanos(read_u64(input)?);
    let tiles = read_u64(input)?;
    let output = read_samples(input, band.output_rows.len() * band.image.0)?;
    Ok(BandResponse {
        compute,
        tiles,
        output,
    })
}

/// Samples go out in blocks of 64 KiB of bytes: one `write` per block, not per sample.
fn write_samples(out: &mut impl Write, samples: &[f32]) -> io::Result<()> {
    let mut block = Vec::with_capacity(64 * 1024);
    for chunk in samples.chunks(16 * 1024) {
        block.clear();
        for s in chunk {
            block.extend_from_slice(&s.to_le_bytes());
        }
        out.write_all(&block)?;
    }
    Ok(())
}

fn read_samples(input: &mut impl Read, count: usize) -> io::Result<Vec<f32>> {
    let mut bytes = vec![0u8; count * 4];
    input.read_exact(&mut bytes)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

fn expect_magic(input: &mut impl Read, magic: &[u8; 4]) -> io::Result<()> {
    let mut got = [0u8; 4];
    input.read_exact(&mut got)?;
    if &got != magic {
        return Err(invalid(format!(
            "expected the tiles protocol's {:?}, got {got:?}: is this a tiles worker?",
            String::from_utf8_lossy(magic)
        )));
    }
    Ok(())
}

fn read_u32(input: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band() -> Band {
        Band {
            image: (5, 9),
            tile: (2, 4),
            output_rows: 4..8,
            input_rows: 2..9,
        }
    }

    #[test]
    fn request_and_response_round_trip_bit_for_bit() {
        let image: Vec<f32> = (0..45).map(|i| i as f32 * 0.1 - 1.0).collect();
        let mut bytes = Vec::new();
        write_request(&mut bytes, 1.5, &band(), &image).unwrap();
        let request = read_request(&mut bytes.as_slice()).unwrap();
        assert_eq!(request.sigma, 1.5);
        assert_eq!(request.band, band());
        assert_eq!(request.input, image[10..45]);

        let response = BandResponse {
            compute: Duration::from_micros(1234),
            tiles: 3,
            output: [-0.0, f32::MIN_POSITIVE, 2.5, 7.0, 1e-30].repeat(4),
        };
        let mut bytes = Vec::new();
        write_response(&mut bytes, &response).unwrap();
        let back = read_response(&mut bytes.as_slice(), &band()).unwrap();
        assert_eq!(back.compute, response.compute);
        assert_eq!(back.tiles, 3);
        let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back.output), bits(&response.output));
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        let image = vec![0.0f32; 45];
        let mut bytes = Vec::new();
        write_request(&mut bytes, 1.0, &band(), &image).unwrap();
        // Output rows not starting on a tile row boundary.
        let mut bad = bytes.clone();
        bad[8 + 4 * 8..8 + 5 * 8].copy_from_slice(&3u64.to_le_bytes());
        let error = read_request(&mut bad.as_slice()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        // A huge image is refused before anything is allocated.
        let mut bad = bytes.clone();
        bad[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read_request(&mut bad.as_slice()).is_err());
        // Wrong magic, and a stream cut short.
        assert!(read_request(&mut &b"HTTP/1.1"[..]).is_err());
        assert!(read_request(&mut &bytes[..bytes.len() - 1]).is_err());
    }
}
