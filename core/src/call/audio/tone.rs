//! A sine tone as a microphone: the known signal the tests look for at the
//! far end.

use std::f64::consts::TAU;
use std::sync::{Arc, Mutex};

use super::{AudioDevice, FRAME_SAMPLES, SAMPLE_RATE};

pub struct ToneSource {
    frequency_hz: f64,
    /// Peak level as a fraction of full scale.
    amplitude: f64,
    /// Kept between frames so the sine is continuous (a jump would add
    /// clicks, and harmonics the analyser might pick).
    phase: Mutex<f64>,
}

impl ToneSource {
    /// `amplitude` is clamped to 0.0–1.0 of full scale.
    pub fn new(frequency_hz: f64, amplitude: f64) -> Self {
        ToneSource {
            frequency_hz,
            amplitude: amplitude.clamp(0.0, 1.0),
            phase: Mutex::new(0.0),
        }
    }
}

impl AudioDevice for ToneSource {
    fn capture_frame(&self) -> Vec<i16> {
        let step = TAU * self.frequency_hz / f64::from(SAMPLE_RATE);
        let peak = self.amplitude * f64::from(i16::MAX);
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let frame = (0..FRAME_SAMPLES)
            .map(|i| (peak * (*phase + step * i as f64).sin()).round() as i16)
            .collect();
        *phase = (*phase + step * FRAME_SAMPLES as f64) % TAU;
        frame
    }

    fn play_frame(&self, _pcm: Vec<i16>) {}
}

/// A device whose microphone is a sine tone and whose speaker is mute.
#[uniffi::export]
pub fn tone_source(frequency_hz: f64, amplitude: f64) -> Arc<dyn AudioDevice> {
    Arc::new(ToneSource::new(frequency_hz, amplitude))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::audio::rms;

    #[test]
    fn the_tone_has_its_level_and_stays_continuous_across_frames() {
        let tone = ToneSource::new(440.0, 0.5);
        let first = tone.capture_frame();
        let second = tone.capture_frame();
        assert_eq!(first.len(), FRAME_SAMPLES);
        // A sine's RMS is its peak over √2.
        assert!((rms(&first) - 0.5 / 2f64.sqrt()).abs() < 0.01);
        // No jump at the frame boundary: the step between samples stays
        // within what one sample of a 440 Hz sine can move.
        let max_step = 0.5 * 32767.0 * TAU * 440.0 / 48_000.0;
        let boundary = (f64::from(second[0]) - f64::from(first[FRAME_SAMPLES - 1])).abs();
        assert!(boundary <= max_step + 1.0, "jump of {boundary}");
    }
}
