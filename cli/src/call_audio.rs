//! The audio of a call from the terminal, with the core's built-ins: what
//! is sent (a WAV file, a tone, or silence), where what arrives goes (the
//! analyser, and a WAV file), what was heard; and `cs tone`, which writes a
//! test tone to a WAV file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use cs_core::call::audio::{
    AudioAnalyser, AudioReport, FRAME_DURATION, ToneSource, WavEnd, WavRecorder, WavSource,
};
use cs_core::call::{AudioDevice, CallError, CombinedDevice};

use crate::error::{CliError, CliResult};
use crate::output::out;
use crate::values;

/// Peak level of generated tones: loud and clear, far from clipping.
const TONE_AMPLITUDE: f64 = 0.3;

#[derive(Debug, Clone, Args)]
pub struct AudioArgs {
    /// A WAV file to send (16-bit PCM, any rate; played once, then silence).
    #[arg(long, value_name = "FILE.wav", conflicts_with = "tone")]
    pub play: Option<PathBuf>,
    /// Play the --play file again and again.
    #[arg(long = "loop", requires = "play")]
    pub repeat: bool,
    /// Send a sine tone of this frequency (default: silence).
    #[arg(long, value_name = "HZ", value_parser = values::tone_hz)]
    pub tone: Option<f64>,
    /// Record what arrives to this WAV file (48 kHz mono 16-bit).
    #[arg(long, value_name = "OUT.wav")]
    pub record: Option<PathBuf>,
}

impl AudioArgs {
    /// What to send, checked before anything rings: `None` is silence.
    pub fn source(&self) -> CliResult<Option<Arc<dyn AudioDevice>>> {
        if let Some(hz) = self.tone {
            return Ok(Some(Arc::new(ToneSource::new(hz, TONE_AMPLITUDE))));
        }
        let Some(path) = &self.play else {
            return Ok(None);
        };
        if !path.is_file() {
            return Err(CliError::usage(format!("no such file: {}", path.display())));
        }
        let at_end = if self.repeat {
            WavEnd::Loop
        } else {
            WavEnd::Silence
        };
        let source = WavSource::open(path, at_end).map_err(|e| match e {
            CallError::UnsupportedAudio { message } => CliError::usage(format!(
                "cannot play {}: not a 16-bit PCM WAV file ({message})",
                path.display()
            )),
            other => CliError::usage(format!("cannot play {}: {other}", path.display())),
        })?;
        Ok(Some(Arc::new(source)))
    }
}

/// A call's microphone and speaker: the source, the analyser that listens,
/// and the recording, if any.
pub struct CallAudio {
    pub device: Arc<dyn AudioDevice>,
    pub heard: Arc<AudioAnalyser>,
    recording: Option<(PathBuf, Arc<WavRecorder>)>,
}

impl CallAudio {
    /// Creates the recording file now, so a bad path fails before the call.
    pub fn new(source: Option<Arc<dyn AudioDevice>>, record: Option<&Path>) -> CliResult<Self> {
        let heard = Arc::new(AudioAnalyser::new());
        let mut sinks: Vec<Arc<dyn AudioDevice>> = vec![heard.clone()];
        let recording = match record {
            Some(path) => {
                let recorder = Arc::new(create_recorder(path)?);
                sinks.push(recorder.clone());
                Some((path.to_path_buf(), recorder))
            }
            None => None,
        };
        Ok(CallAudio {
            device: Arc::new(CombinedDevice::new(source, sinks)),
            heard,
            recording,
        })
    }

    /// Completes the WAV file; says what it holds.
    pub fn finish(&self) -> CliResult<Option<String>> {
        let Some((path, recorder)) = &self.recording else {
            return Ok(None);
        };
        recorder.finish().map_err(|e| {
            CliError::failed(format!(
                "the recording {} is incomplete: {e}",
                path.display()
            ))
        })?;
        let length = FRAME_DURATION * recorder.frames_written() as u32;
        Ok(Some(format!(
            "{} ({:.1} s)",
            path.display(),
            length.as_secs_f64()
        )))
    }
}

fn create_recorder(path: &Path) -> CliResult<WavRecorder> {
    WavRecorder::create(path)
        .map_err(|e| CliError::usage(format!("cannot record to {}: {e}", path.display())))
}

/// What the analyser heard over a call. Its report covers the last 200 ms
/// only, so the last one with sound is kept: the end of a call is often
/// silence (the other side hung up first).
#[derive(Default)]
pub struct Listening {
    latest: Option<AudioReport>,
    last_sound: Option<AudioReport>,
}

impl Listening {
    pub fn sample(&mut self, analyser: &AudioAnalyser) {
        let report = analyser.report();
        if report.dominant_hz.is_some() {
            self.last_sound = Some(report.clone());
        }
        self.latest = Some(report);
    }

    /// `440 Hz at -13.5 dBFS (98 of 100 frames with sound)`, or `silence`.
    pub fn describe(&self) -> String {
        let (frames, sounding) = self
            .latest
            .as_ref()
            .map_or((0, 0), |r| (r.frames, r.sounding_frames));
        match &self.last_sound {
            Some(AudioReport {
                dominant_hz: Some(hz),
                rms,
                ..
            }) => format!(
                "{hz:.0} Hz at {:.1} dBFS ({sounding} of {frames} frames with sound)",
                20.0 * rms.log10()
            ),
            _ => format!("silence ({frames} frames)"),
        }
    }
}

/// `cs tone HZ --seconds N OUT.wav`: a test tone for `--play`.
pub fn write_tone(hz: f64, length: Duration, out: &Path) -> CliResult {
    let written = tone_file(hz, length, out)?;
    out!(
        "wrote {}: {hz} Hz, {:.2} s, 48 kHz mono 16-bit",
        out.display(),
        written.as_secs_f64()
    );
    Ok(())
}

/// Writes the tone; returns the length written (whole 20 ms frames).
fn tone_file(hz: f64, length: Duration, out: &Path) -> CliResult<Duration> {
    let recorder = create_recorder(out)?;
    let tone = ToneSource::new(hz, TONE_AMPLITUDE);
    let frames = (length.as_secs_f64() / FRAME_DURATION.as_secs_f64()).ceil() as u64;
    for _ in 0..frames {
        recorder.play_frame(tone.capture_frame());
    }
    recorder
        .finish()
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", out.display())))?;
    Ok(FRAME_DURATION * recorder.frames_written() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_tone_plays_back_as_that_tone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.wav");
        let written = tone_file(440.0, Duration::from_millis(290), &path).unwrap();
        assert_eq!(written, Duration::from_millis(300));
        let args = AudioArgs {
            play: Some(path),
            repeat: false,
            tone: None,
            record: None,
        };
        let source = args.source().unwrap().unwrap();
        let analyser = AudioAnalyser::new();
        for _ in 0..15 {
            analyser.play_frame(source.capture_frame());
        }
        let mut listening = Listening::default();
        listening.sample(&analyser);
        let heard = listening.describe();
        assert!(heard.starts_with("440 Hz at -13.5 dBFS"), "{heard}");
        assert!(heard.contains("(15 of 15 frames"), "{heard}");
    }

    #[test]
    fn silence_is_described_as_such() {
        let analyser = AudioAnalyser::new();
        analyser.play_frame(vec![0; 960]);
        let mut listening = Listening::default();
        listening.sample(&analyser);
        assert_eq!(listening.describe(), "silence (1 frames)");
    }
}
