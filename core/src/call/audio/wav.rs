//! WAV files in and out of a call: a file as the microphone, and a recorder
//! that writes what is played.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{AudioDevice, FRAME_SAMPLES, SAMPLE_RATE};
use crate::call::error::CallError;

/// What a WAV source does when the file runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WavEnd {
    /// Start again from the beginning.
    Loop,
    /// Send silence from then on.
    Silence,
}

/// A WAV file as the microphone.
///
/// Takes 16-bit integer PCM at any rate and channel count: channels are
/// mixed down to mono and other rates resampled to 48 kHz (linearly, which
/// is fine for prompts and test signals; give it 48 kHz mono for best
/// quality). Anything else is refused with `CallError::UnsupportedAudio`.
/// The whole file is read into memory when opened.
pub struct WavSource {
    samples: Vec<i16>,
    at_end: WavEnd,
    position: Mutex<usize>,
}

impl WavSource {
    pub fn open(path: impl AsRef<Path>, at_end: WavEnd) -> Result<Self, CallError> {
        let reader = hound::WavReader::open(path)?;
        let spec = reader.spec();
        if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
            return Err(CallError::UnsupportedAudio {
                message: format!(
                    "{}-bit {:?} samples: only 16-bit integer PCM is supported",
                    spec.bits_per_sample, spec.sample_format
                ),
            });
        }
        let interleaved = reader
            .into_samples::<i16>()
            .collect::<Result<Vec<_>, _>>()?;
        let mono = mix_down(&interleaved, usize::from(spec.channels));
        let samples = resample(&mono, spec.sample_rate, SAMPLE_RATE);
        if samples.is_empty() {
            return Err(CallError::UnsupportedAudio {
                message: "the file holds no samples".into(),
            });
        }
        Ok(WavSource {
            samples,
            at_end,
            position: Mutex::new(0),
        })
    }

    /// Length of the audio at 48 kHz, in samples.
    pub fn len_samples(&self) -> usize {
        self.samples.len()
    }
}

impl AudioDevice for WavSource {
    fn capture_frame(&self) -> Vec<i16> {
        let mut position = self.position.lock().unwrap_or_else(|e| e.into_inner());
        let mut frame = Vec::with_capacity(FRAME_SAMPLES);
        while frame.len() < FRAME_SAMPLES {
            if *position >= self.samples.len() {
                match self.at_end {
                    WavEnd::Loop => *position = 0,
                    WavEnd::Silence => break,
                }
            }
            let take = (FRAME_SAMPLES - frame.len()).min(self.samples.len() - *position);
            frame.extend_from_slice(&self.samples[*position..*position + take]);
            *position += take;
        }
        frame.resize(FRAME_SAMPLES, 0);
        frame
    }

    fn play_frame(&self, _pcm: Vec<i16>) {}
}

fn mix_down(interleaved: &[i16], channels: usize) -> Vec<i16> {
    if channels <= 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| {
            let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
            (sum / channels as i32) as i16
        })
        .collect()
}

/// Linear interpolation from `from` Hz to `to` Hz.
fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let out_len = (input.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let step = f64::from(from) / f64::from(to);
    (0..out_len)
        .map(|i| {
            let position = i as f64 * step;
            let index = position as usize;
            let next = input[(index + 1).min(input.len() - 1)];
            let fraction = position - index as f64;
            let value = f64::from(input[index]) * (1.0 - fraction) + f64::from(next) * fraction;
            value.round() as i16
        })
        .collect()
}

/// A device whose microphone is a WAV file and whose speaker is mute.
#[uniffi::export]
pub fn wav_source(path: String, at_end: WavEnd) -> Result<Arc<dyn AudioDevice>, CallError> {
    Ok(Arc::new(WavSource::open(path, at_end)?))
}

/// Writes every played frame to a 48 kHz mono 16-bit WAV file.
///
/// The file is complete once [`WavRecorder::finish`] is called (or the
/// recorder is dropped); frames played after that are ignored.
#[derive(uniffi::Object)]
pub struct WavRecorder {
    writer: Mutex<Option<hound::WavWriter<BufWriter<File>>>>,
    frames: Mutex<u64>,
}

impl WavRecorder {
    pub fn create(path: impl AsRef<Path>) -> Result<Self, CallError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        Ok(WavRecorder {
            writer: Mutex::new(Some(hound::WavWriter::create(path, spec)?)),
            frames: Mutex::new(0),
        })
    }
}

#[uniffi::export]
impl WavRecorder {
    /// Writes the header's final lengths and closes the file.
    pub fn finish(&self) -> Result<(), CallError> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        match writer {
            Some(writer) => Ok(writer.finalize()?),
            None => Ok(()),
        }
    }

    /// Frames written so far.
    pub fn frames_written(&self) -> u64 {
        *self.frames.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// This recorder as a call's audio device (silent microphone).
    pub fn as_device(self: Arc<Self>) -> Arc<dyn AudioDevice> {
        self
    }
}

impl AudioDevice for WavRecorder {
    fn capture_frame(&self) -> Vec<i16> {
        Vec::new()
    }

    fn play_frame(&self, pcm: Vec<i16>) {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let Some(writer) = writer.as_mut() else {
            return;
        };
        let mut samples = writer.get_i16_writer(pcm.len() as u32);
        for sample in pcm {
            samples.write_sample(sample);
        }
        match samples.flush() {
            Ok(()) => *self.frames.lock().unwrap_or_else(|e| e.into_inner()) += 1,
            // Playback must go on; the recording is a diagnostic.
            Err(e) => tracing::warn!("recording a call frame failed: {e}"),
        }
    }
}

/// A recorder writing what the call plays to a WAV file at `path`.
#[uniffi::export]
pub fn wav_recorder(path: String) -> Result<Arc<WavRecorder>, CallError> {
    Ok(Arc::new(WavRecorder::create(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::audio::ToneSource;

    fn write_wav(path: &Path, spec: hound::WavSpec, samples: &[i16]) {
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for &s in samples {
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
    }

    fn spec(channels: u16, sample_rate: u32) -> hound::WavSpec {
        hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }

    #[test]
    fn a_recording_plays_back_sample_for_sample() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round-trip.wav");
        let tone = ToneSource::new(440.0, 0.3);
        let frames: Vec<Vec<i16>> = (0..5).map(|_| tone.capture_frame()).collect();

        let recorder = WavRecorder::create(&path).unwrap();
        for frame in &frames {
            recorder.play_frame(frame.clone());
        }
        assert_eq!(recorder.frames_written(), 5);
        recorder.finish().unwrap();
        recorder.play_frame(vec![1; FRAME_SAMPLES]); // after finish: ignored

        let source = WavSource::open(&path, WavEnd::Silence).unwrap();
        assert_eq!(source.len_samples(), 5 * FRAME_SAMPLES);
        for frame in &frames {
            assert_eq!(&source.capture_frame(), frame);
        }
        assert_eq!(source.capture_frame(), vec![0; FRAME_SAMPLES]);
    }

    #[test]
    fn a_looping_source_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.wav");
        let samples: Vec<i16> = (1..=600).collect();
        write_wav(&path, spec(1, SAMPLE_RATE), &samples);

        let source = WavSource::open(&path, WavEnd::Loop).unwrap();
        let frame = source.capture_frame();
        assert_eq!(&frame[..600], &samples[..]);
        assert_eq!(&frame[600..], &samples[..360]);
        assert_eq!(source.capture_frame()[0], 361);
    }

    #[test]
    fn stereo_and_other_rates_become_48_khz_mono() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stereo-24k.wav");
        // 24 kHz stereo, left 1000 and right 3000: mono 2000, twice as long.
        let samples: Vec<i16> = (0..480).flat_map(|_| [1000, 3000]).collect();
        write_wav(&path, spec(2, 24_000), &samples);

        let source = WavSource::open(&path, WavEnd::Silence).unwrap();
        assert_eq!(source.len_samples(), FRAME_SAMPLES);
        assert!(source.capture_frame().iter().all(|&s| s == 2000));
    }

    #[test]
    fn other_sample_formats_are_refused_with_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("float.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        writer.write_sample(0.5f32).unwrap();
        writer.finalize().unwrap();

        let refused = WavSource::open(&path, WavEnd::Loop).err().unwrap();
        assert!(matches!(refused, CallError::UnsupportedAudio { .. }));
        let missing = WavSource::open(dir.path().join("missing.wav"), WavEnd::Loop)
            .err()
            .unwrap();
        assert!(matches!(missing, CallError::File { .. }));
    }
}
