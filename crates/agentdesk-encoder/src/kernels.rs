//! The arithmetic of the encoder: 4-bit weights expanded once to signed bytes with a scale per
//! block of 32, activations quantised per block of 32 to signed bytes (Q8_0, as `e5.c` does), and
//! their product in integers block by block. The same maths as the reference engine, so vectors agree
//! with it to rounding.

use crate::file::{f16_to_f32, DType, Tensor, BLOCK, BLOCK_BYTES};
use crate::EncoderError;

/// Rows whose weights are laid out together (one 256-bit register holds four weights of each).
const ROWS: usize = 8;
/// Weights of one row in one register.
const GROUP: usize = 4;
/// Slices stored together in one 32-byte run (low and high nibbles).
const PAIRS: usize = BLOCK / GROUP / 2;

/// A weight matrix `[rows, cols]` with 4-bit weights stored one a byte, plus 8 (0..=15, so
/// `W = (byte - 8) · scale`), a scale for each block of 32 weights of a row.
///
/// Layout: rows in groups of 8, and within a group, for each block of 32 columns, eight 32-byte
/// slices: slice k holds columns 4k..4k+4 of each of the 8 rows. Two slices share 32 bytes (slice k
/// in the low nibbles, slice k + 4 in the high ones), so the weights take half a byte each in memory
/// (10.6 MB for the twelve layers) and are split with a mask and a shift as they are loaded. One 4-byte piece of a token's
/// activations, broadcast, then meets four weights of eight rows in a single multiply-add: the
/// eight outputs of a group come out in one register, with no horizontal sums (the kernel's cost
/// before was mostly those and the per-block scalar arithmetic around them).
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    weights: Vec<u8>,
    /// `[row group][block][row in group]`.
    scales: Vec<f32>,
}

impl Matrix {
    pub fn from_q4(tensor: &Tensor, rows: usize, cols: usize) -> Result<Matrix, EncoderError> {
        if tensor.dtype != DType::Q4
            || tensor.count != rows * cols
            || !cols.is_multiple_of(BLOCK)
            || !rows.is_multiple_of(ROWS)
        {
            return Err(EncoderError::Format(format!(
                "{} is not a 4-bit [{rows}, {cols}] matrix",
                tensor.name
            )));
        }
        let blocks = cols / BLOCK;
        let mut weights = vec![0u8; rows * cols / 2];
        let mut scales = vec![0f32; rows * blocks];
        let mut unpacked = [0u8; BLOCK];
        for (index, block) in tensor.bytes.chunks_exact(BLOCK_BYTES).enumerate() {
            let (row, b) = (index / blocks, index % blocks);
            let (group, j) = (row / ROWS, row % ROWS);
            scales[(group * blocks + b) * ROWS + j] =
                f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            unpack_block(&block[2..], &mut unpacked);
            for (column, w) in unpacked.iter().enumerate() {
                let (at, high) = Matrix::at(group, blocks, b, j, column);
                weights[at] |= if high { *w << 4 } else { *w };
            }
        }
        Ok(Matrix {
            rows,
            cols,
            weights,
            scales,
        })
    }

    /// Where weight (`row j of group`, column `column` of block `b`) is stored: the byte, and
    /// whether in its high nibble.
    #[inline(always)]
    fn at(group: usize, blocks: usize, b: usize, j: usize, column: usize) -> (usize, bool) {
        let slice = column / GROUP;
        let pair = slice % PAIRS;
        let byte =
            ((group * blocks + b) * PAIRS + pair) * ROWS * GROUP + j * GROUP + column % GROUP;
        (byte, slice >= PAIRS)
    }

    /// `out[t, r] = bias[r] + Σ_c W[r, c] · x[t, c]` for every token `t`.
    pub fn apply(&self, x: &Quantised, bias: &[f32], out: &mut [f32]) {
        debug_assert_eq!(out.len(), x.tokens * self.rows);
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            let vnni = std::is_x86_feature_detected!("avx512vnni")
                && std::is_x86_feature_detected!("avx512vl");
            x86::apply(self, x, bias, out, vnni);
            return;
        }
        self.apply_portable(x, bias, out);
    }

    /// The kernel without SIMD intrinsics (ARM, old x86), written for the compiler to vectorise.
    /// Each 32-byte run of nibbles (byte `4j + c` holds a column c of row j, low and high nibble
    /// two slices) meets the token's activations laid out the same way, expanded once per token,
    /// lane by lane, in 32 independent 16-bit sums.
    fn apply_portable(&self, x: &Quantised, bias: &[f32], out: &mut [f32]) {
        const RUN: usize = ROWS * GROUP;
        let blocks = self.cols / BLOCK;
        // Per block and pair: the low slice's activations for each of the run's bytes, then the
        // high slice's.
        let mut expanded = vec![0i16; blocks * PAIRS * 2 * RUN];
        for t in 0..x.tokens {
            let a = &x.values[t * self.cols..(t + 1) * self.cols];
            for (index, both) in expanded.chunks_exact_mut(2 * RUN).enumerate() {
                let (b, pair) = (index / PAIRS, index % PAIRS);
                let (low, high) = both.split_at_mut(RUN);
                for k in 0..RUN {
                    low[k] = i16::from(a[b * BLOCK + pair * GROUP + k % GROUP]);
                    high[k] = i16::from(a[b * BLOCK + (pair + PAIRS) * GROUP + k % GROUP]);
                }
            }
            for group in 0..self.rows / ROWS {
                let weights = &self.weights[group * blocks * PAIRS * RUN..][..blocks * PAIRS * RUN];
                let scales = &self.scales[group * blocks * ROWS..][..blocks * ROWS];
                let mut sums = [0f32; ROWS];
                for b in 0..blocks {
                    // 16 bits suffice within a block: eight products of a weight (0..=15) and an
                    // activation (-128..=127) stay within ±15,360.
                    let mut lanes = [0i16; RUN];
                    for pair in 0..PAIRS {
                        let bytes = &weights[(b * PAIRS + pair) * RUN..][..RUN];
                        let both = &expanded[(b * PAIRS + pair) * 2 * RUN..][..2 * RUN];
                        let (low, high) = both.split_at(RUN);
                        for k in 0..RUN {
                            lanes[k] += i16::from(bytes[k] & 0x0f) * low[k]
                                + i16::from(bytes[k] >> 4) * high[k];
                        }
                    }
                    let (x_scale, x_sum) = (x.scales[t * blocks + b], x.sums[t * blocks + b]);
                    for (j, (sum, scale)) in sums.iter_mut().zip(&scales[b * ROWS..]).enumerate() {
                        let dot: i32 = lanes[j * GROUP..(j + 1) * GROUP]
                            .iter()
                            .map(|l| i32::from(*l))
                            .sum();
                        *sum += scale * x_scale * (dot - 8 * x_sum) as f32;
                    }
                }
                for (j, sum) in sums.iter().enumerate() {
                    let row = group * ROWS + j;
                    out[t * self.rows + row] = bias[row] + sum;
                }
            }
        }
    }
}

/// A Q4_0 block's 16 bytes as 32 weights plus 8: byte j holds weight j (low nibble) and j + 16
/// (high).
fn unpack_block(nibbles: &[u8], out: &mut [u8]) {
    for (j, byte) in nibbles.iter().enumerate() {
        out[j] = byte & 0x0f;
        out[j + 16] = byte >> 4;
    }
}

/// Bytes of one row of a 4-bit table of `cols` columns.
pub fn q4_row_bytes(cols: usize) -> usize {
    cols / BLOCK * BLOCK_BYTES
}

/// One row of a 4-bit table (the word embeddings), its `q4_row_bytes` bytes, as floats.
pub fn dequantise_row(bytes: &[u8], out: &mut [f32]) {
    let mut expanded = [0u8; BLOCK];
    for (b, block) in bytes.chunks_exact(BLOCK_BYTES).enumerate() {
        let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        unpack_block(&block[2..], &mut expanded);
        for (o, w) in out[b * BLOCK..(b + 1) * BLOCK].iter_mut().zip(expanded) {
            *o = (f32::from(w) - 8.0) * d;
        }
    }
}

/// Activations `[tokens, cols]` quantised per block of 32: `x ≈ values · scale`.
pub struct Quantised {
    tokens: usize,
    values: Vec<i8>,
    scales: Vec<f32>,
    /// Each block's sum of values (folds the weights' +8 back out).
    sums: Vec<i32>,
}

impl Quantised {
    pub fn new() -> Quantised {
        Quantised {
            tokens: 0,
            values: Vec::new(),
            scales: Vec::new(),
            sums: Vec::new(),
        }
    }

    /// Quantises `x` (`tokens` rows of `cols`), reusing this buffer.
    pub fn quantise(&mut self, x: &[f32], tokens: usize, cols: usize) {
        self.tokens = tokens;
        self.values.resize(tokens * cols, 0);
        self.scales.resize(tokens * cols / BLOCK, 0.0);
        self.sums.resize(tokens * cols / BLOCK, 0);
        for (((block, values), scale), sum) in x
            .chunks_exact(BLOCK)
            .zip(self.values.chunks_exact_mut(BLOCK))
            .zip(self.scales.iter_mut())
            .zip(self.sums.iter_mut())
        {
            let max = max_abs(block);
            let d = max / 127.0;
            let inverse = if d > 0.0 { 1.0 / d } else { 0.0 };
            for (q, v) in values.iter_mut().zip(block) {
                *q = round_half_even(v * inverse).clamp(-128.0, 127.0) as i8;
            }
            *scale = d;
            *sum = values.iter().map(|v| i32::from(*v)).sum::<i32>();
        }
    }
}

/// Dot product of two float slices in eight independent lanes (a plain sum is one serial chain the
/// compiler may not reorder; eight lanes let it use SIMD).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (a, b) in a8.zip(b8) {
        for i in 0..8 {
            lanes[i] += a[i] * b[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Sum of a slice in eight lanes (see `dot`).
#[inline(always)]
fn sum(a: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let a8 = a.chunks_exact(8);
    let tail: f32 = a8.remainder().iter().sum();
    for a in a8 {
        for i in 0..8 {
            lanes[i] += a[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Largest absolute value of a block of 32, in eight lanes.
#[inline(always)]
fn max_abs(block: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    for a in block.chunks_exact(8) {
        for i in 0..8 {
            lanes[i] = lanes[i].max(a[i].abs());
        }
    }
    lanes.iter().fold(0f32, |m, v| m.max(*v))
}

/// `e^x` for every value (x ≤ 0 here: softmax scores less their maximum), branch-free so the loop
/// vectorises: 2^(x·log₂e) split into the nearest integer power (built in the exponent bits) and a
/// degree-6 polynomial for the fraction; relative error under 10⁻⁶. libm's expf called per score was a
/// tenth of a long message's time.
pub fn exp_in_place(values: &mut [f32]) {
    for v in values.iter_mut() {
        let x = (*v * std::f32::consts::LOG2_E).clamp(-126.0, 126.0);
        // The nearest integer (no library call), so the fraction is within ±½.
        let whole = round_half_even(x);
        let f = x - whole;
        // 2^f on [-½, ½]: Taylor series of e^(f ln 2), good to ~2e-7 at degree 6.
        let t = f * std::f32::consts::LN_2;
        let p = 1.0
            + t * (1.0
                + t * (0.5
                    + t * (1.0 / 6.0 + t * (1.0 / 24.0 + t * (1.0 / 120.0 + t * (1.0 / 720.0))))));
        let power = f32::from_bits((((whole as i32) + 127) as u32) << 23);
        *v = p * power;
    }
}

/// Rounds to the nearest integer, ties to even (what `lrintf` does), for |v| ≤ 2²²: adding and
/// taking away 1.5·2²³ leaves no fraction bits. `f32::round_ties_even` is a library call on CPUs
/// without SSE4.1 and was a tenth of the encoder's time.
#[inline(always)]
fn round_half_even(v: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (v + MAGIC) - MAGIC
}

/// `x = layernorm(x + y)` row by row (`y` none: in place on `x`).
pub fn add_layernorm(
    x: &mut [f32],
    y: Option<&[f32]>,
    w: &[f32],
    b: &[f32],
    cols: usize,
    eps: f32,
) {
    for (t, row) in x.chunks_exact_mut(cols).enumerate() {
        if let Some(y) = y {
            for (r, y) in row.iter_mut().zip(&y[t * cols..(t + 1) * cols]) {
                *r += y;
            }
        }
        let mean = sum(row) / cols as f32;
        let mut squares = [0f32; 8];
        for chunk in row.chunks_exact(8) {
            for i in 0..8 {
                squares[i] += (chunk[i] - mean) * (chunk[i] - mean);
            }
        }
        let tail: f32 = row
            .chunks_exact(8)
            .remainder()
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum();
        let var = (squares.iter().sum::<f32>() + tail) / cols as f32;
        let inverse = 1.0 / (var + eps).sqrt();
        for ((r, w), b) in row.iter_mut().zip(w).zip(b) {
            *r = (*r - mean) * inverse * w + b;
        }
    }
}

/// GELU with the error function, as BERT defines it, over a whole buffer.
///
/// erf here is Abramowitz and Stegun's 7.1.28 (absolute error under 3·10⁻⁷, far below the int8
/// quantisation that follows): a polynomial and a reciprocal, no exp and no branches, so the loop
/// vectorises. Calling libm's erff per value was a fifth of a query's time.
pub fn gelu_in_place(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v = gelu(*v);
    }
}

#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[inline(always)]
fn erf(x: f32) -> f32 {
    const A: [f32; 6] = [
        0.070_523_08,
        0.042_282_01,
        0.009_270_527,
        0.000_152_014_3,
        0.000_276_567_2,
        0.000_043_063_8,
    ];
    let z = x.abs().min(6.0);
    let p = 1.0 + z * (A[0] + z * (A[1] + z * (A[2] + z * (A[3] + z * (A[4] + z * A[5])))));
    let p2 = p * p;
    let p4 = p2 * p2;
    let p8 = p4 * p4;
    let magnitude = 1.0 - 1.0 / (p8 * p8);
    magnitude.copysign(x)
}

/// The product with AVX2 (what nearly every x86 desktop since 2013 has), chosen at run time: the
/// same integer maths as the portable loop.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Matrix, Quantised, BLOCK, GROUP, PAIRS, ROWS};

    pub fn apply(m: &Matrix, x: &Quantised, bias: &[f32], out: &mut [f32], vnni: bool) {
        let blocks = m.cols / BLOCK;
        assert!(m.cols.is_multiple_of(BLOCK) && m.rows.is_multiple_of(ROWS));
        assert!(x.values.len() >= x.tokens * m.cols);
        assert!(x.scales.len() >= x.tokens * blocks && x.sums.len() >= x.tokens * blocks);
        assert!(m.weights.len() == m.rows * m.cols / 2 && m.scales.len() == m.rows * blocks);
        assert!(out.len() >= x.tokens * m.rows && bias.len() >= m.rows);
        // SAFETY: the caller checked that the CPU has AVX2 and FMA (and AVX-512 VNNI and VL for
        // `vnni`); the asserts above bound every offset the kernels read or write (groups <
        // rows/8, blocks < cols/32, tokens < x.tokens).
        unsafe {
            if vnni {
                apply_vnni(m, x, bias, out)
            } else {
                apply_avx2(m, x, bias, out)
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn apply_avx2(m: &Matrix, x: &Quantised, bias: &[f32], out: &mut [f32]) {
        kernel::<false>(m, x, bias, out)
    }

    /// The same with VNNI: one instruction for the four multiply-adds of a slice.
    #[target_feature(enable = "avx2,fma,avx512vnni,avx512vl")]
    unsafe fn apply_vnni(m: &Matrix, x: &Quantised, bias: &[f32], out: &mut [f32]) {
        kernel::<true>(m, x, bias, out)
    }

    /// Tokens that share each load of a weight slice.
    const TOKENS: usize = 4;

    /// For each group of 8 rows, 4 tokens at a time: each block's eight weight slices are loaded
    /// once and meet the 4 tokens' broadcast activations; the integer sums are scaled into float
    /// accumulators per block. Inlined into the two entry points, which enable the CPU features.
    #[inline(always)]
    unsafe fn kernel<const VNNI: bool>(m: &Matrix, x: &Quantised, bias: &[f32], out: &mut [f32]) {
        let blocks = m.cols / BLOCK;
        let ones = _mm256_set1_epi16(1);
        let nibble = _mm256_set1_epi8(0x0f);
        let w_ptr = m.weights.as_ptr();
        let ws_ptr = m.scales.as_ptr();
        let a_ptr = x.values.as_ptr();
        let last = x.tokens.saturating_sub(1);
        for group in 0..m.rows / ROWS {
            let bias_v = _mm256_loadu_ps(bias.as_ptr().add(group * ROWS));
            let mut t = 0;
            while t < x.tokens {
                let n = (x.tokens - t).min(TOKENS);
                // Rows of the tokens (a short last batch repeats its last token, not stored).
                let token = |k: usize| (t + k).min(last);
                let mut acc = [_mm256_setzero_ps(); TOKENS];
                for b in 0..blocks {
                    let w_block = w_ptr.add((group * blocks + b) * ROWS * BLOCK / 2);
                    let mut sums = [_mm256_setzero_si256(); TOKENS];
                    for pair in 0..PAIRS {
                        let packed =
                            _mm256_loadu_si256(w_block.add(pair * ROWS * GROUP) as *const __m256i);
                        let low = _mm256_and_si256(packed, nibble);
                        let high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
                        for (k, w) in [(pair, low), (pair + PAIRS, high)] {
                            for (j, sum) in sums.iter_mut().enumerate() {
                                let a4 = _mm256_set1_epi32(std::ptr::read_unaligned(
                                    a_ptr.add(token(j) * m.cols + b * BLOCK + k * GROUP)
                                        as *const i32,
                                ));
                                *sum = if VNNI {
                                    _mm256_dpbusd_epi32(*sum, w, a4)
                                } else {
                                    // 16-bit sums cannot overflow: 8 slices · 2 · 15 · 128 < 32,768.
                                    _mm256_add_epi16(*sum, _mm256_maddubs_epi16(w, a4))
                                };
                            }
                        }
                    }
                    let w_scales = _mm256_loadu_ps(ws_ptr.add((group * blocks + b) * ROWS));
                    for (j, (sum, acc)) in sums.iter().zip(acc.iter_mut()).enumerate() {
                        let sum = if VNNI {
                            *sum
                        } else {
                            _mm256_madd_epi16(*sum, ones)
                        };
                        let at = token(j) * blocks + b;
                        let offset = _mm256_set1_ps(8.0 * *x.sums.get_unchecked(at) as f32);
                        let scale =
                            _mm256_mul_ps(w_scales, _mm256_set1_ps(*x.scales.get_unchecked(at)));
                        *acc = _mm256_fmadd_ps(
                            _mm256_sub_ps(_mm256_cvtepi32_ps(sum), offset),
                            scale,
                            *acc,
                        );
                    }
                }
                for (j, acc) in acc.iter().enumerate().take(n) {
                    _mm256_storeu_ps(
                        out.as_mut_ptr().add((t + j) * m.rows + group * ROWS),
                        _mm256_add_ps(*acc, bias_v),
                    );
                }
                t += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_to_even() {
        for v in [-128.4f32, -2.5, -1.5, -0.5, 0.49, 0.5, 1.5, 2.5, 126.6, 3.7] {
            assert_eq!(round_half_even(v), v.round_ties_even(), "{v}");
        }
    }

    #[test]
    fn exp_matches_std_closely() {
        let mut values: Vec<f32> = (0..2000).map(|i| -(i as f32) * 0.01).collect();
        let want: Vec<f32> = values.iter().map(|v| v.exp()).collect();
        exp_in_place(&mut values);
        for (got, want) in values.iter().zip(want) {
            assert!((got - want).abs() <= want * 2e-6 + 1e-30, "{got} vs {want}");
        }
    }

    #[test]
    fn erf_matches_libm_closely() {
        let mut x = -7.0f32;
        while x < 7.0 {
            assert!(
                (erf(x) - libm::erff(x)).abs() < 2e-6,
                "erf({x}): {} vs {}",
                erf(x),
                libm::erff(x)
            );
            x += 0.001;
        }
    }

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.1, 0.112_462_916),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
            (-1.5, -0.966_105_16),
            (3.5, 0.999_999_3),
        ] {
            assert!(
                (erf(x) - want).abs() < 1e-6,
                "erf({x}) = {} not {want}",
                erf(x)
            );
        }
    }

    #[test]
    fn the_portable_kernel_holds_at_the_largest_weights_and_activations() {
        // Every weight at an extreme (nibble 15: +7, nibble 0: -8, alternating rows), every
        // activation at full scale: the 16-bit sums within a block reach their largest values.
        let (rows, cols) = (16, 128);
        let mut bytes = Vec::new();
        for row in 0..rows {
            for _ in 0..cols / BLOCK {
                bytes.extend_from_slice(&0x3c00u16.to_le_bytes()); // scale 1.0
                bytes.extend_from_slice(&[if row % 2 == 0 { 0xff } else { 0x00 }; 16]);
            }
        }
        let tensor = Tensor {
            name: "extremes".into(),
            dtype: DType::Q4,
            count: rows * cols,
            bytes,
            offset: 0,
        };
        let m = Matrix::from_q4(&tensor, rows, cols).unwrap();
        for sign in [1.0f32, -1.0] {
            let x = vec![sign; 3 * cols];
            let mut q = Quantised::new();
            q.quantise(&x, 3, cols);
            let bias = vec![0.5f32; rows];
            let mut out = vec![0f32; 3 * rows];
            m.apply_portable(&q, &bias, &mut out);
            for (i, got) in out.iter().enumerate() {
                let weight = if (i % rows) % 2 == 0 { 7.0 } else { -8.0 };
                let want = 0.5 + weight * sign * cols as f32;
                assert!((got - want).abs() < 0.01, "{i}: {got} vs {want}");
            }
            let mut dispatched = vec![0f32; 3 * rows];
            m.apply(&q, &bias, &mut dispatched);
            for (a, b) in out.iter().zip(&dispatched) {
                assert!((a - b).abs() < 1e-3, "{out:?} vs {dispatched:?}");
            }
        }
    }

    #[test]
    fn quantised_product_is_close_to_the_float_product() {
        // An 8×64 matrix of known 4-bit weights (scale 0.5) against two tokens.
        let mut bytes = Vec::new();
        let mut floats = Vec::new();
        for row in 0..8 {
            for _block in 0..2 {
                bytes.extend_from_slice(&0x3800u16.to_le_bytes()); // 0.5
                let mut nibbles = [0u8; 16];
                let mut block = [0f32; 32];
                for j in 0..16 {
                    let lo = ((j + row) % 16) as u8;
                    let hi = ((j * 3 + row) % 16) as u8;
                    nibbles[j] = lo | (hi << 4);
                    block[j] = (lo as f32 - 8.0) * 0.5;
                    block[j + 16] = (hi as f32 - 8.0) * 0.5;
                }
                bytes.extend_from_slice(&nibbles);
                floats.extend_from_slice(&block);
            }
        }
        let tensor = Tensor {
            name: "w".into(),
            dtype: DType::Q4,
            count: 512,
            bytes,
            offset: 0,
        };
        let m = Matrix::from_q4(&tensor, 8, 64).unwrap();
        // Two tokens: the kernels take four at a time, so this is also a short last batch.
        let x: Vec<f32> = (0..128)
            .map(|i| ((i as f32) * 0.37).sin() * (1 + i / 64) as f32)
            .collect();
        let mut q = Quantised::new();
        q.quantise(&x, 2, 64);
        let bias: Vec<f32> = (0..8).map(|r| r as f32 - 4.0).collect();
        let mut out = [0f32; 16];
        m.apply(&q, &bias, &mut out);
        let mut portable = [0f32; 16];
        m.apply_portable(&q, &bias, &mut portable);
        // Each SIMD kernel this CPU can run gives the portable loop's answer.
        #[cfg(target_arch = "x86_64")]
        for vnni in [false, true] {
            if std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
                && (!vnni
                    || std::is_x86_feature_detected!("avx512vnni")
                        && std::is_x86_feature_detected!("avx512vl"))
            {
                let mut simd = [0f32; 16];
                x86::apply(&m, &q, &bias, &mut simd, vnni);
                for (a, b) in simd.iter().zip(&portable) {
                    assert!(
                        (a - b).abs() < 1e-4,
                        "vnni {vnni}: {simd:?} vs {portable:?}"
                    );
                }
            }
        }
        for t in 0..2 {
            for r in 0..8 {
                let (got, other) = (out[t * 8 + r], portable[t * 8 + r]);
                assert!((got - other).abs() < 1e-4, "{out:?} vs {portable:?}");
                let exact: f32 = floats[r * 64..(r + 1) * 64]
                    .iter()
                    .zip(&x[t * 64..(t + 1) * 64])
                    .map(|(w, x)| w * x)
                    .sum();
                let want = exact + bias[r];
                assert!(
                    (got - want).abs() < 0.5,
                    "token {t} row {r}: {got} vs {want}"
                );
            }
        }
    }
}
