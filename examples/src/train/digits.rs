//! The handwritten-digits dataset: parsing its CSV in chunks, and the train/test split.
//!
//! Each line of `examples/data/digits.csv` is one 8x8 image: 64 integers in `0..=16`
//! (row by row) and then its digit `0..=9` (see `examples/data/README.md` for where it
//! comes from and its licence). [`CsvParser`] is fed the file in chunks of any size, as
//! a reader gets them (`push`), keeps the unfinished last line between chunks, and turns
//! every complete line into a sample; `finish` takes a last line without a newline.
//! Pixels are scaled to `0.0..=1.0` once, here, so the model sees `f32`s.
//!
//! Bad input (a wrong field count, a value that is not an integer, a pixel above 16, a
//! label above 9) is a [`ParseError`] naming the line, never a panic.

use std::fmt;

/// Pixels per image.
pub const PIXELS: usize = 64;
/// Image side: the 64 pixels are 8 rows of 8.
pub const SIDE: usize = 8;
/// Number of classes (digits).
pub const CLASSES: usize = 10;

/// Samples, row-major: `features[i * PIXELS..][..PIXELS]` is image `i`, `labels[i]` its digit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    /// Scaled pixels, `len() * PIXELS` of them.
    pub features: Vec<f32>,
    /// Digits.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True if there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i`'s pixels.
    pub fn image(&self, i: usize) -> &[f32] {
        &self.features[i * PIXELS..(i + 1) * PIXELS]
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut out = Dataset::default();
        for &i in indices {
            out.features.extend_from_slice(self.image(i));
            out.labels.push(self.labels[i]);
        }
        out
    }

    /// The first `n` samples (all of them if there are fewer).
    pub fn truncated(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            features: self.features[..n * PIXELS].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }
}

/// A line that is not a digit sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "digits CSV, line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// An incremental parser: feed it chunks, then [`CsvParser::finish`].
#[derive(Debug, Default)]
pub struct CsvParser {
    partial: Vec<u8>,
    lines: usize,
    data: Dataset,
}

impl CsvParser {
    /// A parser with nothing read yet.
    pub fn new() -> CsvParser {
        CsvParser::default()
    }

    /// Parses every line completed by `chunk`; keeps the rest for the next call.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ParseError> {
        let mut rest = chunk;
        while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(newline);
            rest = &tail[1..];
            if self.partial.is_empty() {
                self.parse_line(line)?;
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                self.parse_line(&whole)?;
            }
        }
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// Parses a last line without a newline, if any, and returns the samples.
    pub fn finish(mut self) -> Result<Dataset, ParseError> {
        let last = std::mem::take(&mut self.partial);
        if !last.iter().all(u8::is_ascii_whitespace) {
            self.parse_line(&last)?;
        }
        Ok(self.data)
    }

    /// Samples parsed so far.
    pub fn samples(&self) -> usize {
        self.data.len()
    }

    fn parse_line(&mut self, line: &[u8]) -> Result<(), ParseError> {
        self.lines += 1;
        let error = |message: String| ParseError {
            line: self.lines,
            message,
        };
        let text = std::str::from_utf8(line).map_err(|_| error("not UTF-8".into()))?;
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            return Ok(()); // blank lines are allowed (e.g. a trailing one)
        }
        let mut values = [0u8; PIXELS + 1];
        let mut count = 0;
        for field in text.split(',') {
            if count == values.len() {
                return Err(error(format!("more than {} fields", PIXELS + 1)));
            }
            values[count] = field.trim().parse().map_err(|_| {
                error(format!(
                    "field {} ({field:?}) is not a small integer",
                    count + 1
                ))
            })?;
            count += 1;
        }
        if count != values.len() {
            return Err(error(format!("{count} fields, expected {}", PIXELS + 1)));
        }
        if let Some(p) = values[..PIXELS].iter().position(|&v| v > 16) {
            return Err(error(format!("pixel {} is {}, above 16", p + 1, values[p])));
        }
        let label = values[PIXELS];
        if usize::from(label) >= CLASSES {
            return Err(error(format!("label {label} is not a digit")));
        }
        self.data
            .features
            .extend(values[..PIXELS].iter().map(|&v| f32::from(v) / 16.0));
        self.data.labels.push(label);
        Ok(())
    }
}

/// Parses a whole file at once (the sequential modes).
pub fn parse(bytes: &[u8]) -> Result<Dataset, ParseError> {
    let mut parser = CsvParser::new();
    parser.push(bytes)?;
    parser.finish()
}

/// Splits `data` into (train, test): a seeded shuffle, then the last `test_share` of it
/// held out. The same seed always holds out the same samples.
pub fn split(data: &Dataset, test_share: f64, seed: u64) -> (Dataset, Dataset) {
    let mut order: Vec<usize> = (0..data.len()).collect();
    super::prng::SplitMix64::new(seed).shuffle(&mut order);
    let test = ((data.len() as f64) * test_share.clamp(0.0, 1.0)).round() as usize;
    let (train, held_out) = order.split_at(data.len() - test);
    (data.select(train), data.select(held_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: u8) -> String {
        let pixels: Vec<String> = (0..PIXELS).map(|i| (i % 17).to_string()).collect();
        format!("{},{label}\n", pixels.join(","))
    }

    #[test]
    fn chunks_of_any_size_parse_the_same() {
        let text = format!(
            "{}{}\r\n{}",
            line(3),
            line(9).trim_end(),
            line(0).trim_end()
        );
        let whole = parse(text.as_bytes()).unwrap();
        assert_eq!(whole.labels, [3, 9, 0]);
        assert_eq!(whole.image(1)[16], 16.0 / 16.0);
        for size in [1, 2, 7, 64, 1000] {
            let mut parser = CsvParser::new();
            for chunk in text.as_bytes().chunks(size) {
                parser.push(chunk).unwrap();
            }
            assert_eq!(parser.finish().unwrap(), whole, "chunks of {size}");
        }
    }

    #[test]
    fn bad_lines_are_errors_with_their_number() {
        let bad_label = format!("{}{}", line(1), line(1).replace(",1\n", ",12\n"));
        assert_eq!(parse(bad_label.as_bytes()).unwrap_err().line, 2);
        assert!(parse(b"1,2,3\n").is_err());
        assert!(parse(line(1).replace("16", "17").as_bytes()).is_err());
        assert!(parse(line(1).replace("3", "x").as_bytes()).is_err());
        assert!(parse(format!("{},1\n", line(1).trim_end()).as_bytes()).is_err());
    }

    #[test]
    fn the_shipped_file_has_1797_digits_and_splits_reproducibly() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv")).unwrap();
        let data = parse(&bytes).unwrap();
        assert_eq!(data.len(), 1797);
        let (train, test) = split(&data, 0.2, 5);
        assert_eq!((train.len(), test.len()), (1438, 359));
        assert_eq!(split(&data, 0.2, 5).1, test);
    }
}
