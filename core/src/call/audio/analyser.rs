//! Listens to what a call plays and says what it heard: the dominant
//! frequency and level of the last 200 ms, and when sound first arrived.
//! This is how tests check audio by content rather than by packet counts.

use std::collections::VecDeque;
use std::f64::consts::TAU;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::{AudioDevice, FRAME_SAMPLES, SAMPLE_RATE, rms};

/// A frame whose RMS is at or below this fraction of full scale (about
/// −46 dBFS) counts as silence. Opus decodes digital silence to (near) zero.
pub const SILENCE_RMS: f64 = 0.005;

/// How much recent audio the level and frequency are measured over.
const WINDOW_SAMPLES: usize = 10 * FRAME_SAMPLES;

/// What the analyser heard.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AudioReport {
    /// Frames played since creation (or the last reset).
    pub frames: u64,
    /// Of those, frames louder than [`SILENCE_RMS`].
    pub sounding_frames: u64,
    /// RMS of the last 200 ms as a fraction of full scale.
    pub rms: f64,
    /// The strongest frequency of the last 200 ms between 50 Hz and 4 kHz,
    /// or `None` when that audio is silent.
    pub dominant_hz: Option<f64>,
    /// When the first non-silent frame arrived, in milliseconds since the
    /// Unix epoch.
    pub first_sound_unix_ms: Option<u64>,
}

#[derive(Default)]
struct Heard {
    window: VecDeque<i16>,
    frames: u64,
    sounding_frames: u64,
    first_sound: Option<(Instant, SystemTime)>,
}

#[derive(Default, uniffi::Object)]
pub struct AudioAnalyser {
    heard: Mutex<Heard>,
}

impl AudioAnalyser {
    pub fn new() -> Self {
        Self::default()
    }

    /// When the first non-silent frame arrived (monotonic clock, for
    /// measuring latency).
    pub fn first_sound_at(&self) -> Option<Instant> {
        self.lock().first_sound.map(|(at, _)| at)
    }

    /// The strongest frequency of the last 200 ms within `min_hz..=max_hz`,
    /// or `None` when that audio is silent.
    pub fn dominant_frequency_in(&self, min_hz: f64, max_hz: f64) -> Option<f64> {
        let window: Vec<i16> = self.lock().window.iter().copied().collect();
        if rms(&window) <= SILENCE_RMS {
            return None;
        }
        Some(dominant_frequency(&window, min_hz, max_hz))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Heard> {
        self.heard.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[uniffi::export]
impl AudioAnalyser {
    pub fn report(&self) -> AudioReport {
        let (frames, sounding_frames, first_sound, window) = {
            let heard = self.lock();
            let window: Vec<i16> = heard.window.iter().copied().collect();
            (
                heard.frames,
                heard.sounding_frames,
                heard.first_sound,
                window,
            )
        };
        let level = rms(&window);
        AudioReport {
            frames,
            sounding_frames,
            rms: level,
            dominant_hz: (level > SILENCE_RMS).then(|| dominant_frequency(&window, 50.0, 4000.0)),
            first_sound_unix_ms: first_sound.and_then(|(_, wall)| {
                wall.duration_since(UNIX_EPOCH)
                    .ok()
                    .map(|d| d.as_millis() as u64)
            }),
        }
    }

    /// Forgets everything heard so far.
    pub fn reset(&self) {
        *self.lock() = Heard::default();
    }

    /// This analyser as a call's audio device (silent microphone).
    pub fn as_device(self: Arc<Self>) -> Arc<dyn AudioDevice> {
        self
    }
}

impl AudioDevice for AudioAnalyser {
    fn capture_frame(&self) -> Vec<i16> {
        Vec::new()
    }

    fn play_frame(&self, pcm: Vec<i16>) {
        let sounding = rms(&pcm) > SILENCE_RMS;
        let mut heard = self.lock();
        heard.frames += 1;
        if sounding {
            heard.sounding_frames += 1;
            if heard.first_sound.is_none() {
                heard.first_sound = Some((Instant::now(), SystemTime::now()));
            }
        }
        heard.window.extend(pcm);
        let excess = heard.window.len().saturating_sub(WINDOW_SAMPLES);
        heard.window.drain(..excess);
    }
}

/// A new analyser; pass `as_device()` (or combine it) to a call.
#[uniffi::export]
pub fn audio_analyser() -> Arc<AudioAnalyser> {
    Arc::new(AudioAnalyser::new())
}

/// Scans `min_hz..=max_hz` with the Goertzel filter, in 10 Hz steps and
/// then 1 Hz steps around the best, and returns the strongest frequency.
/// Cheaper than an FFT for one window and needs no dependency.
fn dominant_frequency(samples: &[i16], min_hz: f64, max_hz: f64) -> f64 {
    let strongest = |from: f64, to: f64, step: f64| {
        let mut best = (from, f64::MIN);
        let mut hz = from;
        while hz <= to {
            let power = goertzel_power(samples, hz);
            if power > best.1 {
                best = (hz, power);
            }
            hz += step;
        }
        best.0
    };
    let coarse = strongest(min_hz, max_hz, 10.0);
    strongest(
        (coarse - 10.0).max(min_hz),
        (coarse + 10.0).min(max_hz),
        1.0,
    )
}

/// Power of `samples` at `hz` (one DFT bin at an arbitrary frequency).
fn goertzel_power(samples: &[i16], hz: f64) -> f64 {
    let coefficient = 2.0 * (TAU * hz / f64::from(SAMPLE_RATE)).cos();
    let (mut previous, mut before) = (0.0, 0.0);
    for &sample in samples {
        let current = f64::from(sample) + coefficient * previous - before;
        before = previous;
        previous = current;
    }
    previous * previous + before * before - coefficient * previous * before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::audio::ToneSource;

    fn hear(analyser: &AudioAnalyser, source: &dyn AudioDevice, frames: usize) {
        for _ in 0..frames {
            analyser.play_frame(source.capture_frame());
        }
    }

    #[test]
    fn tells_440_from_660() {
        for hz in [440.0, 660.0] {
            let analyser = AudioAnalyser::new();
            hear(&analyser, &ToneSource::new(hz, 0.3), 15);
            let report = analyser.report();
            let heard = report.dominant_hz.expect("a tone is not silence");
            assert!((heard - hz).abs() <= 3.0, "{hz} Hz heard as {heard} Hz");
            assert!((report.rms - 0.3 / 2f64.sqrt()).abs() < 0.01);
            assert_eq!((report.frames, report.sounding_frames), (15, 15));
            assert!(report.first_sound_unix_ms.is_some());
        }
    }

    #[test]
    fn finds_the_stronger_of_two_tones() {
        let analyser = AudioAnalyser::new();
        let (loud, quiet) = (ToneSource::new(660.0, 0.4), ToneSource::new(440.0, 0.1));
        for _ in 0..10 {
            let mixed = loud
                .capture_frame()
                .iter()
                .zip(quiet.capture_frame())
                .map(|(a, b)| a + b)
                .collect();
            analyser.play_frame(mixed);
        }
        let heard = analyser.dominant_frequency_in(300.0, 1000.0).unwrap();
        assert!((heard - 660.0).abs() <= 3.0, "heard {heard} Hz");
    }

    #[test]
    fn silence_has_no_frequency_and_no_first_sound() {
        let analyser = AudioAnalyser::new();
        for _ in 0..10 {
            analyser.play_frame(vec![0; FRAME_SAMPLES]);
        }
        let report = analyser.report();
        assert_eq!(report.dominant_hz, None);
        assert_eq!(report.sounding_frames, 0);
        assert_eq!(analyser.first_sound_at(), None);

        hear(&analyser, &ToneSource::new(440.0, 0.3), 1);
        assert!(analyser.first_sound_at().is_some());
        analyser.reset();
        assert_eq!(analyser.report().frames, 0);
        assert_eq!(analyser.first_sound_at(), None);
    }

    #[test]
    fn level_follows_the_last_200_ms() {
        let analyser = AudioAnalyser::new();
        hear(&analyser, &ToneSource::new(440.0, 0.5), 20);
        for _ in 0..10 {
            analyser.play_frame(vec![0; FRAME_SAMPLES]);
        }
        let report = analyser.report();
        assert_eq!(report.rms, 0.0);
        assert_eq!(report.sounding_frames, 20);
    }
}
