//! The shipped models' file format, shared by the sentiment model's word weights and its meaning
//! head: an 8-byte magic, then little-endian f32s.

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the sentiment model file is damaged or of another version ({0})")]
    Format(String),
}

/// A model file's floats: `magic`, then `count` little-endian f32 (the word model's and the meaning
/// head's files are both this).
pub(crate) fn read_model_file(
    bytes: &[u8],
    magic: &[u8; 8],
    count: usize,
) -> Result<Vec<f32>, ModelError> {
    let expected = magic.len() + 4 * count;
    if bytes.len() != expected || &bytes[..magic.len()] != magic {
        return Err(ModelError::Format(format!(
            "{} bytes, expected {expected}",
            bytes.len()
        )));
    }
    Ok(bytes[magic.len()..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// The bytes of a model file (see `read_model_file`).
pub(crate) fn model_file<'a>(magic: &[u8; 8], floats: impl Iterator<Item = &'a f32>) -> Vec<u8> {
    let mut bytes = magic.to_vec();
    for v in floats {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
