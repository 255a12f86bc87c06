//! Checkpoints: the weights after an epoch, as bytes that a later run can load.
//!
//! ```text
//! b"SPCK"  magic          u32 epoch (1-based)     u32 hidden units
//! u32      parameter count                         f32 ... parameters (W1 | b1 | W2 | b2)
//! ```
//!
//! Little-endian, exact bits (`f32::to_le_bytes`), so a checkpoint reloads to the very
//! model that wrote it. [`decode`] checks the magic and that the count matches the shape,
//! and reports a truncated or foreign file as an error.

use std::fmt;

use super::model::{Mlp, Shape};

const MAGIC: &[u8; 4] = b"SPCK";
const HEADER: usize = 16;

/// A file that is not a checkpoint of this trainer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointError(pub String);

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad checkpoint: {}", self.0)
    }
}

impl std::error::Error for CheckpointError {}

/// The bytes of a checkpoint of `model` after `epoch`.
pub fn encode(model: &Mlp, epoch: usize) -> Vec<u8> {
    let params = model.parameters();
    let mut bytes = Vec::with_capacity(HEADER + params.len() * 4);
    bytes.extend_from_slice(MAGIC);
    for v in [epoch, model.shape().hidden, params.len()] {
        bytes.extend_from_slice(&(v as u32).to_le_bytes());
    }
    for p in params {
        bytes.extend_from_slice(&p.to_le_bytes());
    }
    bytes
}

/// The epoch and the model a checkpoint holds.
pub fn decode(bytes: &[u8]) -> Result<(usize, Mlp), CheckpointError> {
    if bytes.len() < HEADER || &bytes[..4] != MAGIC {
        return Err(CheckpointError("not a spindle trainer checkpoint".into()));
    }
    let word =
        |i: usize| u32::from_le_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap()) as usize;
    let (epoch, hidden, count) = (word(0), word(1), word(2));
    let shape = Shape { hidden };
    if hidden == 0 || count != shape.parameters() {
        return Err(CheckpointError(format!(
            "{count} parameters do not fit a network of {hidden} hidden units"
        )));
    }
    let body = &bytes[HEADER..];
    if body.len() != count * 4 {
        return Err(CheckpointError(format!(
            "{} bytes of parameters, expected {}",
            body.len(),
            count * 4
        )));
    }
    let params = body
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((epoch, Mlp::from_parameters(shape, params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let model = Mlp::new(Shape { hidden: 5 }, 3);
        let bytes = encode(&model, 4);
        assert_eq!(decode(&bytes).unwrap(), (4, model));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(b"PNG\0 not a checkpoint").is_err());
        let mut wrong_shape = bytes.clone();
        wrong_shape[8] = 6;
        assert!(decode(&wrong_shape).is_err());
    }
}
