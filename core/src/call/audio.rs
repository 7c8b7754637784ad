//! Audio in and out of a call: the trait the apps implement, and built-in
//! sources and sinks for tests and the terminal client.
//!
//! Every frame is 20 ms of 48 kHz mono 16-bit PCM: [`FRAME_SAMPLES`] samples.
//! That is Opus's native rate and the frame size WebRTC sends, so nothing in
//! the core resamples.

mod analyser;
mod tone;
mod wav;

use std::sync::Arc;
use std::time::Duration;

pub use analyser::{AudioAnalyser, AudioReport, SILENCE_RMS, audio_analyser};
pub use tone::{ToneSource, tone_source};
pub use wav::{WavEnd, WavRecorder, WavSource, wav_recorder, wav_source};

/// Samples per second of every frame.
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one 20 ms mono frame.
pub const FRAME_SAMPLES: usize = 960;
/// How much time one frame covers.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);

/// The microphone and the speaker of a call, implemented by each app.
///
/// The core pulls one microphone frame every 20 ms while the call is
/// connected and hands over every decoded received frame as it arrives.
/// Both methods are called from the call's own audio thread, never from the
/// UI thread, and must return quickly (well under 20 ms): do the blocking
/// platform I/O on a thread of your own and meet the core through a small
/// buffer.
///
/// The core's 20 ms clock and the sound card's drift apart slowly (parts
/// per million, tens of milliseconds over a long call), so keep both
/// buffers bounded: when more than about three frames of microphone audio
/// wait, drop the oldest; when playback runs dry, play silence rather than
/// wait.
///
/// **Android.** Record with `AudioRecord` from
/// `MediaRecorder.AudioSource.VOICE_COMMUNICATION` (which turns on the
/// platform's echo canceller and noise suppressor) at 48000 Hz,
/// `CHANNEL_IN_MONO`, `ENCODING_PCM_16BIT`; a recording thread reads 960
/// shorts at a time into a queue that `capture_frame` drains (return an empty
/// list when it is empty). Play with an `AudioTrack` built with
/// `USAGE_VOICE_COMMUNICATION` / `CONTENT_TYPE_SPEECH`, 48000 Hz mono 16-bit,
/// `MODE_STREAM`; `play_frame` writes with `WRITE_NON_BLOCKING` (the track's
/// own buffer absorbs network jitter). Set `AudioManager.MODE_IN_COMMUNICATION`
/// for the length of the call.
///
/// **iOS.** Configure `AVAudioSession` with category `.playAndRecord` and
/// mode `.voiceChat` (voice processing: echo cancellation, AGC). An
/// `AVAudioEngine` input-node tap (with `setVoiceProcessingEnabled(true)`)
/// converts to 48 kHz mono Int16 with an `AVAudioConverter` and appends to a
/// ring buffer that `capture_frame` drains 960 samples at a time; an
/// `AVAudioPlayerNode` (or an `AVAudioSourceNode` reading a ring buffer)
/// schedules each `play_frame` buffer.
#[uniffi::export(rust, foreign)]
pub trait AudioDevice: Send + Sync {
    /// The next 20 ms of microphone audio: [`FRAME_SAMPLES`] samples. An
    /// empty list means silence; a short one is padded with silence, a long
    /// one cut.
    fn capture_frame(&self) -> Vec<i16>;

    /// 20 ms of decoded audio from the other side, to play now.
    fn play_frame(&self, pcm: Vec<i16>);
}

/// Makes whatever a device captured exactly one frame long.
pub(crate) fn fit_frame(mut pcm: Vec<i16>) -> Vec<i16> {
    pcm.resize(FRAME_SAMPLES, 0);
    pcm
}

/// One source for the microphone and any number of sinks for the speaker:
/// for example a WAV file played into the call while an analyser and a
/// recorder listen to what comes back.
pub struct CombinedDevice {
    source: Option<Arc<dyn AudioDevice>>,
    sinks: Vec<Arc<dyn AudioDevice>>,
}

impl CombinedDevice {
    /// `source` of `None` sends silence.
    pub fn new(source: Option<Arc<dyn AudioDevice>>, sinks: Vec<Arc<dyn AudioDevice>>) -> Self {
        CombinedDevice { source, sinks }
    }
}

impl AudioDevice for CombinedDevice {
    fn capture_frame(&self) -> Vec<i16> {
        self.source
            .as_ref()
            .map(|source| source.capture_frame())
            .unwrap_or_default()
    }

    fn play_frame(&self, pcm: Vec<i16>) {
        if let Some((last, others)) = self.sinks.split_last() {
            for sink in others {
                sink.play_frame(pcm.clone());
            }
            last.play_frame(pcm);
        }
    }
}

/// A device that captures from `source` and plays to every one of `sinks`.
#[uniffi::export]
pub fn combined_device(
    source: Option<Arc<dyn AudioDevice>>,
    sinks: Vec<Arc<dyn AudioDevice>>,
) -> Arc<dyn AudioDevice> {
    Arc::new(CombinedDevice::new(source, sinks))
}

/// A device that sends silence and drops what it receives.
#[uniffi::export]
pub fn silent_device() -> Arc<dyn AudioDevice> {
    Arc::new(CombinedDevice::new(None, Vec::new()))
}

/// Root mean square of `pcm` as a fraction of full scale (0.0–1.0).
pub(crate) fn rms(pcm: &[i16]) -> f64 {
    if pcm.is_empty() {
        return 0.0;
    }
    let sum: f64 = pcm
        .iter()
        .map(|&s| {
            let x = f64::from(s) / 32768.0;
            x * x
        })
        .sum();
    (sum / pcm.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Collect(Mutex<Vec<Vec<i16>>>);

    impl AudioDevice for Collect {
        fn capture_frame(&self) -> Vec<i16> {
            Vec::new()
        }
        fn play_frame(&self, pcm: Vec<i16>) {
            self.0.lock().unwrap().push(pcm);
        }
    }

    #[test]
    fn combined_device_captures_from_its_source_and_plays_to_every_sink() {
        let a = Arc::new(Collect::default());
        let b = Arc::new(Collect::default());
        let device = CombinedDevice::new(
            Some(Arc::new(ToneSource::new(440.0, 0.5))),
            vec![a.clone(), b.clone()],
        );
        assert_eq!(device.capture_frame().len(), FRAME_SAMPLES);
        device.play_frame(vec![1, 2, 3]);
        assert_eq!(a.0.lock().unwrap().as_slice(), &[vec![1, 2, 3]]);
        assert_eq!(b.0.lock().unwrap().as_slice(), &[vec![1, 2, 3]]);
        assert!(CombinedDevice::new(None, vec![]).capture_frame().is_empty());
    }

    #[test]
    fn frames_are_fitted_to_twenty_milliseconds() {
        assert_eq!(fit_frame(Vec::new()), vec![0; FRAME_SAMPLES]);
        assert_eq!(fit_frame(vec![7; 2000]).len(), FRAME_SAMPLES);
    }
}
