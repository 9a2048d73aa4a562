//! What a voice message's bytes are, read from the bytes themselves (the platform states no format:
//! business-actions.md §3.3): WAV, AMR-NB/WB, MP3, Ogg Opus/Speex, or WeChat's SILK; its sample rate
//! and its length. NLS one-sentence recognition takes mono 8 or 16 kHz audio up to 60 s (§3.1), so
//! a PCM WAV in stereo or at another rate is turned into mono 16 kHz here; what cannot be sent is
//! refused in words and the audio stays as it was.

use std::time::Duration;

/// NLS one-sentence recognition's limit.
pub const LONGEST: Duration = Duration::from_secs(60);

/// A format NLS takes, by its `format` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    Wav,
    Amr,
    Mp3,
    Opus,
    Speex,
}

impl AudioFormat {
    pub fn nls_name(self) -> &'static str {
        match self {
            AudioFormat::Wav => "wav",
            AudioFormat::Amr => "amr",
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Opus => "opus",
            AudioFormat::Speex => "speex",
        }
    }
}

/// Audio ready for NLS: its format, rate, length and the bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedAudio {
    pub format: AudioFormat,
    /// 8000 or 16000.
    pub sample_rate: u32,
    pub duration: Duration,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AudioError {
    #[error("the voice message is {seconds:.1} s long; speech recognition takes at most 60 s. Play it instead")]
    TooLong { seconds: f64 },
    #[error("the voice message is in {0}, which speech recognition does not take. Play or save it instead")]
    Unsupported(String),
    #[error("the voice message's file is damaged or empty ({0}). Play or save it instead")]
    Damaged(String),
}

/// The media type of a voice message's bytes (from the bytes: the platform states none), for the
/// window to play it where it can; `None` for a format AgentDesk does not recognise.
pub fn media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        Some("audio/wav")
    } else if bytes.starts_with(b"#!AMR") {
        Some("audio/amr")
    } else if bytes.starts_with(b"OggS") {
        Some("audio/ogg")
    } else if bytes.starts_with(b"ID3") || is_mpeg_frame(bytes, 0) {
        Some("audio/mpeg")
    } else if bytes.starts_with(b"#!SILK_V3") || bytes.starts_with(b"\x02#!SILK_V3") {
        Some("audio/silk")
    } else {
        None
    }
}

/// Reads `bytes` and makes them ready for NLS.
pub fn prepare(bytes: &[u8]) -> Result<PreparedAudio, AudioError> {
    let prepared = if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        wav(bytes)?
    } else if bytes.starts_with(b"#!AMR-WB\n") {
        amr(bytes, 9, &AMR_WB_FRAME_BYTES, 16000)?
    } else if bytes.starts_with(b"#!AMR\n") {
        amr(bytes, 6, &AMR_NB_FRAME_BYTES, 8000)?
    } else if bytes.starts_with(b"#!SILK_V3") || bytes.starts_with(b"\x02#!SILK_V3") {
        return Err(AudioError::Unsupported(
            "SILK, the WeChat client's own format".into(),
        ));
    } else if bytes.starts_with(b"OggS") {
        ogg(bytes)?
    } else if bytes.starts_with(b"ID3") || is_mpeg_frame(bytes, 0) {
        mp3(bytes)?
    } else if bytes.is_empty() {
        return Err(AudioError::Damaged("no bytes".into()));
    } else {
        return Err(AudioError::Unsupported(
            "a format AgentDesk does not recognise".into(),
        ));
    };
    if prepared.duration > LONGEST {
        return Err(AudioError::TooLong {
            seconds: prepared.duration.as_secs_f64(),
        });
    }
    if prepared.duration.is_zero() {
        return Err(AudioError::Damaged("it holds no sound".into()));
    }
    Ok(prepared)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A PCM WAV: sent as it is when mono 16-bit at 8 or 16 kHz, otherwise mixed down to mono and
/// resampled to 16 kHz (linear interpolation: speech, not music).
fn wav(bytes: &[u8]) -> Result<PreparedAudio, AudioError> {
    let damaged = |what: &str| AudioError::Damaged(format!("WAV: {what}"));
    let mut at = 12;
    let mut format = None;
    let mut data = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(bytes, at + 4).ok_or_else(|| damaged("a chunk is cut"))? as usize;
        let body = at + 8;
        let end = body.saturating_add(size).min(bytes.len());
        match id {
            b"fmt " => format = Some(&bytes[body..end]),
            b"data" => data = Some(&bytes[body..end]),
            _ => {}
        }
        at = body.saturating_add(size + (size & 1));
    }
    let format = format.ok_or_else(|| damaged("no fmt chunk"))?;
    let data = data.ok_or_else(|| damaged("no data chunk"))?;
    let (encoding, channels, rate, bits) = (
        u16_at(format, 0).ok_or_else(|| damaged("fmt is cut"))?,
        u16_at(format, 2).ok_or_else(|| damaged("fmt is cut"))?,
        u32_at(format, 4).ok_or_else(|| damaged("fmt is cut"))?,
        u16_at(format, 14).ok_or_else(|| damaged("fmt is cut"))?,
    );
    if encoding != 1 || bits != 16 {
        return Err(AudioError::Unsupported(format!(
            "WAV with {bits}-bit samples (encoding {encoding}); speech recognition takes 16-bit PCM"
        )));
    }
    if channels == 0 || rate == 0 {
        return Err(damaged("no channels or no sample rate"));
    }
    let frames = data.len() / (2 * channels as usize);
    let duration = Duration::from_secs_f64(frames as f64 / f64::from(rate));
    if duration > LONGEST {
        return Err(AudioError::TooLong {
            seconds: duration.as_secs_f64(),
        });
    }
    if channels == 1 && (rate == 8000 || rate == 16000) {
        return Ok(PreparedAudio {
            format: AudioFormat::Wav,
            sample_rate: rate,
            duration,
            bytes: bytes.to_vec(),
        });
    }
    let mono: Vec<f64> = data
        .chunks_exact(2 * channels as usize)
        .map(|frame| {
            frame
                .chunks_exact(2)
                .map(|s| f64::from(i16::from_le_bytes([s[0], s[1]])))
                .sum::<f64>()
                / f64::from(channels)
        })
        .collect();
    let target = 16000u32;
    let count = (mono.len() as u64 * u64::from(target) / u64::from(rate)) as usize;
    let step = f64::from(rate) / f64::from(target);
    let samples: Vec<i16> = (0..count)
        .map(|i| {
            let position = i as f64 * step;
            let left = position.floor() as usize;
            let right = (left + 1).min(mono.len() - 1);
            let fraction = position - left as f64;
            (mono[left] * (1.0 - fraction) + mono[right] * fraction).round() as i16
        })
        .collect();
    Ok(PreparedAudio {
        format: AudioFormat::Wav,
        sample_rate: target,
        duration,
        bytes: pcm16_wav(&samples, target),
    })
}

/// A mono 16-bit PCM WAV file of `samples`.
pub fn pcm16_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let data_bytes = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_bytes as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_bytes.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

/// Bytes of each AMR frame (header included) by frame type (RFC 4867 §5.3 storage format);
/// 0 for a type that does not occur.
const AMR_NB_FRAME_BYTES: [usize; 16] = [13, 14, 16, 18, 20, 21, 27, 32, 6, 0, 0, 0, 0, 0, 0, 1];
const AMR_WB_FRAME_BYTES: [usize; 16] = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 0, 0, 0, 0, 1, 1];

/// AMR: 20 ms a frame.
fn amr(
    bytes: &[u8],
    magic: usize,
    sizes: &[usize; 16],
    rate: u32,
) -> Result<PreparedAudio, AudioError> {
    let mut at = magic;
    let mut frames = 0u64;
    while at < bytes.len() {
        let size = sizes[((bytes[at] >> 3) & 0x0f) as usize];
        if size == 0 {
            return Err(AudioError::Damaged(format!(
                "AMR: a bad frame at byte {at}"
            )));
        }
        at += size;
        frames += 1;
    }
    Ok(PreparedAudio {
        format: AudioFormat::Amr,
        sample_rate: rate,
        duration: Duration::from_millis(frames * 20),
        bytes: bytes.to_vec(),
    })
}

fn is_mpeg_frame(bytes: &[u8], at: usize) -> bool {
    mpeg_frame(bytes, at).is_some()
}

/// An MPEG audio Layer III frame at `at`: (its length in bytes, samples, sample rate).
fn mpeg_frame(bytes: &[u8], at: usize) -> Option<(usize, u32, u32)> {
    let header = bytes.get(at..at + 4)?;
    if header[0] != 0xff || header[1] & 0xe0 != 0xe0 {
        return None;
    }
    let version = (header[1] >> 3) & 0x03; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
    let layer = (header[1] >> 1) & 0x03; // 1 Layer III
    if version == 1 || layer != 1 {
        return None;
    }
    let bitrate_index = (header[2] >> 4) as usize;
    let rate_index = ((header[2] >> 2) & 0x03) as usize;
    let padding = ((header[2] >> 1) & 0x01) as usize;
    const MPEG1_KBPS: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const MPEG2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    if bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    let (kbps, rate, samples) = match version {
        3 => (
            MPEG1_KBPS[bitrate_index],
            [44100, 48000, 32000][rate_index],
            1152,
        ),
        2 => (
            MPEG2_KBPS[bitrate_index],
            [22050, 24000, 16000][rate_index],
            576,
        ),
        _ => (
            MPEG2_KBPS[bitrate_index],
            [11025, 12000, 8000][rate_index],
            576,
        ),
    };
    let length = (samples / 8 * kbps * 1000 / rate) as usize + padding;
    Some((length, samples, rate))
}

/// MP3: the frames counted (NLS takes MP3 in the cn regions, §3.1; the rate sent is the nearer of
/// 8 and 16 kHz, which NLS asks for since it resamples itself [INF]).
fn mp3(bytes: &[u8]) -> Result<PreparedAudio, AudioError> {
    let mut at = 0;
    if bytes.starts_with(b"ID3") && bytes.len() >= 10 {
        let size = bytes[6..10]
            .iter()
            .fold(0usize, |n, b| (n << 7) | (*b & 0x7f) as usize);
        at = 10 + size;
    }
    let (mut seconds, mut rate) = (0f64, 0u32);
    while let Some((length, samples, frame_rate)) = mpeg_frame(bytes, at) {
        seconds += f64::from(samples) / f64::from(frame_rate);
        rate = frame_rate;
        at += length.max(1);
    }
    if rate == 0 {
        return Err(AudioError::Damaged("MP3: no audio frame".into()));
    }
    Ok(PreparedAudio {
        format: AudioFormat::Mp3,
        sample_rate: if rate <= 12000 { 8000 } else { 16000 },
        duration: Duration::from_secs_f64(seconds),
        bytes: bytes.to_vec(),
    })
}

/// Ogg Opus or Speex: the length from the last page's granule position.
fn ogg(bytes: &[u8]) -> Result<PreparedAudio, AudioError> {
    let damaged = |what: &str| AudioError::Damaged(format!("Ogg: {what}"));
    // The first page's first packet names the codec.
    let segments = *bytes
        .get(26)
        .ok_or_else(|| damaged("the first page is cut"))? as usize;
    let packet = bytes
        .get(27 + segments..)
        .ok_or_else(|| damaged("the first page is cut"))?;
    let (format, granule_rate, pre_skip, sample_rate) = if packet.starts_with(b"OpusHead") {
        let pre_skip = u16_at(packet, 10).unwrap_or(0);
        let input_rate = u32_at(packet, 12).unwrap_or(16000);
        (AudioFormat::Opus, 48000u32, u64::from(pre_skip), input_rate)
    } else if packet.starts_with(b"Speex   ") {
        let rate = u32_at(packet, 36).ok_or_else(|| damaged("the Speex header is cut"))?;
        (AudioFormat::Speex, rate, 0, rate)
    } else {
        return Err(AudioError::Unsupported(
            "an Ogg file that is neither Opus nor Speex".into(),
        ));
    };
    let last = bytes
        .windows(4)
        .rposition(|w| w == b"OggS")
        .ok_or_else(|| damaged("no page"))?;
    let granule = bytes
        .get(last + 6..last + 14)
        .map(|g| u64::from_le_bytes(g.try_into().expect("eight bytes")))
        .ok_or_else(|| damaged("the last page is cut"))?;
    if granule_rate == 0 {
        return Err(damaged("no sample rate"));
    }
    let samples = granule.saturating_sub(pre_skip);
    Ok(PreparedAudio {
        format,
        sample_rate: if sample_rate <= 12000 { 8000 } else { 16000 },
        duration: Duration::from_secs_f64(samples as f64 / f64::from(granule_rate)),
        bytes: bytes.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav_of(channels: u16, rate: u32, seconds: f64) -> Vec<u8> {
        let frames = (f64::from(rate) * seconds) as usize;
        let samples: Vec<i16> = (0..frames * channels as usize)
            .map(|i| ((i as f64 / 7.0).sin() * 8000.0) as i16)
            .collect();
        let mut file = pcm16_wav(&samples, rate);
        // Rewrite the header for `channels`.
        file[22..24].copy_from_slice(&channels.to_le_bytes());
        file[28..32].copy_from_slice(&(rate * 2 * u32::from(channels)).to_le_bytes());
        file[32..34].copy_from_slice(&(2 * channels).to_le_bytes());
        file
    }

    #[test]
    fn sobot_s_own_recordings_go_as_they_are() {
        // Sobot's visitor SDKs record WAV, PCM 16-bit mono 8 kHz (§3.3).
        let file = wav_of(1, 8000, 3.5);
        let prepared = prepare(&file).unwrap();
        assert_eq!(
            (prepared.format, prepared.sample_rate),
            (AudioFormat::Wav, 8000)
        );
        assert_eq!(prepared.duration.as_millis(), 3500);
        assert_eq!(prepared.bytes, file);
    }

    #[test]
    fn stereo_or_another_rate_becomes_mono_16k() {
        let prepared = prepare(&wav_of(2, 44100, 2.0)).unwrap();
        assert_eq!(prepared.sample_rate, 16000);
        assert_eq!(prepared.duration.as_millis(), 2000);
        let again = prepare(&prepared.bytes).unwrap();
        assert_eq!(
            (again.sample_rate, again.duration.as_millis()),
            (16000, 2000)
        );
        assert_eq!(again.bytes, prepared.bytes, "already right: sent as it is");
    }

    #[test]
    fn amr_frames_are_counted() {
        let mut file = b"#!AMR\n".to_vec();
        for _ in 0..150 {
            // Frame type 7 (12.2 kbit/s): 32 bytes with its header.
            file.push(7 << 3 | 0x04);
            file.extend_from_slice(&[0u8; 31]);
        }
        let prepared = prepare(&file).unwrap();
        assert_eq!(
            (
                prepared.format,
                prepared.sample_rate,
                prepared.duration.as_millis()
            ),
            (AudioFormat::Amr, 8000, 3000)
        );
        file.push(9 << 3);
        assert!(matches!(prepare(&file), Err(AudioError::Damaged(_))));
    }

    #[test]
    fn mp3_frames_are_counted() {
        // MPEG-2 Layer III, 16 kHz, 32 kbit/s: 144 bytes and 36 ms a frame.
        let mut file = Vec::new();
        for _ in 0..100 {
            file.extend_from_slice(&[0xff, 0xf3, 0x48, 0xc4]);
            file.extend_from_slice(&[0u8; 140]);
        }
        let prepared = prepare(&file).unwrap();
        assert_eq!(
            (prepared.format, prepared.sample_rate),
            (AudioFormat::Mp3, 16000)
        );
        assert_eq!(prepared.duration.as_millis(), 3600);
    }

    #[test]
    fn what_cannot_be_read_is_said() {
        assert!(matches!(
            prepare(&wav_of(1, 16000, 61.0)),
            Err(AudioError::TooLong { .. })
        ));
        let long = prepare(&wav_of(1, 8000, 75.0)).unwrap_err().to_string();
        assert!(long.contains("75.0 s") && long.contains("60 s"), "{long}");
        assert!(prepare(b"#!SILK_V3\x0c\x00")
            .unwrap_err()
            .to_string()
            .contains("SILK"));
        assert!(matches!(prepare(b""), Err(AudioError::Damaged(_))));
        assert!(matches!(prepare(b"hello"), Err(AudioError::Unsupported(_))));
        let mut eight_bit = wav_of(1, 8000, 1.0);
        eight_bit[34..36].copy_from_slice(&8u16.to_le_bytes());
        assert!(matches!(
            prepare(&eight_bit),
            Err(AudioError::Unsupported(_))
        ));
        assert!(matches!(
            prepare(&wav_of(1, 8000, 0.0)),
            Err(AudioError::Damaged(_))
        ));
    }
}
