//! The call's audio thread: every 20 ms it pulls a microphone frame from the
//! device and Opus-encodes it, and plays the frame whose turn it is from the
//! jitter buffer (`jitter.rs`), which received packets wait in.
//!
//! One OS thread per call, not a Tokio task, because the device is app code
//! (Kotlin/Swift through uniffi) that may take its time, and the Opus
//! state then belongs to one thread with no locks.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc::UnboundedSender;

use super::jitter::{JitterBuffer, JitterStats, Playback};
use crate::call::audio::{AudioDevice, FRAME_DURATION, FRAME_SAMPLES, SAMPLE_RATE, fit_frame};
use crate::call::error::CallError;

/// Opus's largest packet (RFC 6716 §3.2.1).
const MAX_PACKET_BYTES: usize = 1275;
/// Opus's longest packet: 120 ms.
const MAX_PACKET_SAMPLES: usize = 6 * FRAME_SAMPLES;
/// Wideband voice at this rate is transparent; WebRTC's own default is
/// similar.
const BITRATE: i32 = 32_000;
/// Behind by more than this (a stalled thread), the clock restarts instead
/// of sending a burst of frames.
const MAX_LAG: Duration = Duration::from_millis(100);

/// What the network side hands to the audio thread.
pub(crate) enum Inbound {
    /// The payload of one received RTP packet: one Opus packet (RFC 7587).
    Packet {
        sequence: u16,
        payload: Bytes,
    },
    Stop,
}

/// Flags the session flips and the audio thread reads every tick.
#[derive(Default)]
pub(crate) struct Controls {
    /// Capture only while media can flow.
    pub connected: AtomicBool,
    /// Muted: keep pulling (so the platform's buffer does not grow) but send
    /// encoded silence, as browsers do, so the stream and its timing go on.
    pub muted: AtomicBool,
    /// The jitter buffer's figures, as of the last tick.
    pub playout: Mutex<JitterStats>,
}

pub(crate) struct AudioLoop {
    pub inbound: Sender<Inbound>,
    thread: Option<JoinHandle<()>>,
}

impl AudioLoop {
    /// Starts the thread. Encoded frames go to `outbound`.
    pub fn start(
        device: Arc<dyn AudioDevice>,
        controls: Arc<Controls>,
        outbound: UnboundedSender<Bytes>,
    ) -> Result<Self, CallError> {
        let mut encoder =
            opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)?;
        encoder.set_bitrate(opus::Bitrate::Bits(BITRATE))?;
        // In-band FEC lets the receiver rebuild a single lost packet from the
        // next one; it only kicks in when loss is expected.
        encoder.set_inband_fec(true)?;
        encoder.set_packet_loss_perc(5)?;
        let playout = Playout::new()?;

        let (inbound, packets) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("cs-call-audio".into())
            .spawn(move || {
                run(AudioThread {
                    device,
                    controls,
                    outbound,
                    encoder,
                    playout,
                    packets,
                })
            })
            .map_err(CallError::media)?;
        Ok(AudioLoop {
            inbound,
            thread: Some(thread),
        })
    }

    /// Stops the thread; it finishes within one frame.
    pub fn stop(&mut self) {
        let _ = self.inbound.send(Inbound::Stop);
        self.thread.take();
    }
}

impl Drop for AudioLoop {
    fn drop(&mut self) {
        self.stop();
    }
}

struct AudioThread {
    device: Arc<dyn AudioDevice>,
    controls: Arc<Controls>,
    outbound: UnboundedSender<Bytes>,
    encoder: opus::Encoder,
    playout: Playout,
    packets: Receiver<Inbound>,
}

fn run(mut audio: AudioThread) {
    let mut next_tick = Instant::now() + FRAME_DURATION;
    loop {
        let now = Instant::now();
        if now >= next_tick {
            next_tick = if now - next_tick > MAX_LAG {
                now + FRAME_DURATION
            } else {
                next_tick + FRAME_DURATION
            };
            if !audio.send_one_frame() {
                return;
            }
            audio.playout.tick(now, &*audio.device);
            *audio.controls.playout.lock().unwrap() = audio.playout.jitter.stats();
            continue;
        }
        match audio.packets.recv_timeout(next_tick - now) {
            Ok(Inbound::Packet { sequence, payload }) => {
                let arrived = Instant::now();
                audio.playout.jitter.insert(sequence, payload, arrived);
                // The first packet plays at once rather than at the next tick:
                // the call's first audio waits for nothing it need not.
                if !audio.playout.jitter.playing() {
                    audio.playout.tick(arrived, &*audio.device);
                }
            }
            Ok(Inbound::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

impl AudioThread {
    /// Returns false once nobody takes encoded frames any more.
    fn send_one_frame(&mut self) -> bool {
        if !self.controls.connected.load(Ordering::Acquire) {
            return !self.outbound.is_closed();
        }
        let captured = guarded(|| self.device.capture_frame()).unwrap_or_default();
        let frame = if self.controls.muted.load(Ordering::Acquire) {
            vec![0; FRAME_SAMPLES]
        } else {
            fit_frame(captured)
        };
        let mut packet = [0u8; MAX_PACKET_BYTES];
        match self.encoder.encode(&frame, &mut packet) {
            Ok(len) => self
                .outbound
                .send(Bytes::copy_from_slice(&packet[..len]))
                .is_ok(),
            Err(e) => {
                tracing::warn!("opus encode failed: {e}");
                true
            }
        }
    }
}

/// Calls into app code without letting a panic (or a foreign exception
/// turned into one) take the audio thread down.
fn guarded<T>(call: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(value) => Some(value),
        Err(_) => {
            tracing::warn!("the audio device failed a call; treating it as silence");
            None
        }
    }
}

/// Decoding in playout order: each tick plays the frame the jitter buffer
/// gives, or conceals the one it lacks (Opus PLC, or FEC from the packet
/// after it).
struct Playout {
    decoder: opus::Decoder,
    jitter: JitterBuffer,
    pcm: Vec<i16>,
}

impl Playout {
    fn new() -> Result<Self, CallError> {
        Ok(Playout {
            decoder: opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono)?,
            jitter: JitterBuffer::new(),
            pcm: vec![0; MAX_PACKET_SAMPLES],
        })
    }

    fn tick(&mut self, now: Instant, device: &dyn AudioDevice) {
        match self.jitter.next_frame(now) {
            Playback::Packet(payload) => {
                self.decode_and_play(&payload, false, MAX_PACKET_SAMPLES, device)
            }
            Playback::Conceal { fec: Some(next) } => {
                self.decode_and_play(&next, true, FRAME_SAMPLES, device)
            }
            // Empty input: the decoder extrapolates from what it has.
            Playback::Conceal { fec: None } => {
                self.decode_and_play(&[], false, FRAME_SAMPLES, device)
            }
            Playback::Nothing => {}
        }
    }

    fn decode_and_play(
        &mut self,
        input: &[u8],
        fec: bool,
        max_samples: usize,
        device: &dyn AudioDevice,
    ) {
        match self
            .decoder
            .decode(input, &mut self.pcm[..max_samples], fec)
        {
            Ok(samples) => {
                for frame in self.pcm[..samples].chunks(FRAME_SAMPLES) {
                    let frame = fit_frame(frame.to_vec());
                    guarded(|| device.play_frame(frame));
                }
            }
            Err(e) => tracing::debug!("opus decode failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::audio::{AudioAnalyser, ToneSource};

    fn encoder() -> opus::Encoder {
        opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip).unwrap()
    }

    #[test]
    fn a_tone_survives_opus_and_the_jitter_buffer_and_lost_packets_are_concealed() {
        let tone = ToneSource::new(440.0, 0.3);
        let mut encoder = encoder();
        encoder.set_inband_fec(true).unwrap();
        encoder.set_packet_loss_perc(5).unwrap();
        let mut playout = Playout::new().unwrap();
        let analyser = AudioAnalyser::new();
        let mut packet = [0u8; MAX_PACKET_BYTES];
        let start = Instant::now();
        for sequence in 0u16..40 {
            let len = encoder.encode(&tone.capture_frame(), &mut packet).unwrap();
            let now = start + FRAME_DURATION * u32::from(sequence);
            if !(sequence == 10 || sequence == 20 || sequence == 21) {
                let payload = Bytes::copy_from_slice(&packet[..len]);
                playout.jitter.insert(sequence, payload, now);
            }
            playout.tick(now + FRAME_DURATION, &analyser);
        }
        let report = analyser.report();
        assert_eq!(report.frames, 40, "one frame per tick");
        let stats = playout.jitter.stats();
        // Each loss is first waited for (it might be late), then concealed.
        assert_eq!(stats.played + stats.concealed, 40);
        assert!(stats.concealed >= 3, "{stats:?}");
        assert_eq!(stats.late, 0);
        let heard = report.dominant_hz.unwrap();
        assert!((heard - 440.0).abs() < 5.0, "heard {heard} Hz");
    }
}
