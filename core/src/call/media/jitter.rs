//! The jitter buffer: received packets wait here briefly so that they play
//! one per 20 ms tick, in sequence order, whatever the network's jitter and
//! reordering did to their arrival.
//!
//! - **Depth adapts** to the jitter measured over the last few seconds: the
//!   spread of the packets' transit times (arrival minus send slot), its
//!   95th percentile above the fastest, plus a margin; never more than
//!   [`MAX_DELAY`], so the latency it adds stays bounded.
//! - **Playout** starts with the first packet (the audio thread plays it as
//!   it arrives), then takes the next sequence number every tick. A missing packet with later
//!   ones waiting is waited for (concealed, not moving on) while the buffer
//!   is shallower than the target; deeper, it is lost or too late: it is
//!   concealed (with FEC from the packet after it when that one is here) and
//!   playout moves on, and a packet arriving after its turn is dropped. With nothing waiting at all the network has
//!   slowed: concealment plays without moving on, which deepens the buffer
//!   by a frame (Opus PLC stretches the sound); after [`MAX_UNDERRUN`] such
//!   frames the stream is taken as stopped and playout starts afresh.
//! - **Too deep** (a burst after a stall, or jitter that calmed down): one
//!   frame is dropped now and then until the depth is back near the target.
//!
//! Pure bookkeeping over the arrival times it is given, so the tests drive
//! it with a made-up clock.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::call::audio::FRAME_DURATION;

/// The most delay the buffer adds to absorb jitter.
pub const MAX_DELAY: Duration = Duration::from_millis(200);
/// The least: one frame, to absorb scheduling jitter on a quiet network.
const MIN_DELAY: Duration = FRAME_DURATION;
/// Added to the measured spread.
const MARGIN: Duration = Duration::from_millis(10);
/// Transit times kept for the estimate: 3 s of packets.
const WINDOW: usize = 150;
/// Frames played from concealment with nothing received, before the stream
/// counts as stopped.
pub const MAX_UNDERRUN: u32 = 5;
/// Deeper than the target by more than this many frames...
const EXCESS_FRAMES: u64 = 2;
/// ...for this many ticks in a row, a frame is dropped: not at once, so a
/// burst after a stall plays whole, and rarely, so the skips stay inaudible.
const DROP_AFTER_TICKS: u32 = 10;

/// What to play this tick.
#[derive(Debug, PartialEq)]
pub enum Playback {
    /// The packet whose turn it is.
    Packet(Bytes),
    /// Its packet is missing: conceal, from the next packet's FEC if given.
    Conceal { fec: Option<Bytes> },
    /// Nothing to play (not started, or the stream stopped).
    Nothing,
}

/// Counters for the call's statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    pub played: u64,
    pub concealed: u64,
    /// Packets that arrived after their turn (or twice), dropped.
    pub late: u64,
    /// Frames dropped to bring the depth back down.
    pub dropped: u64,
    /// The depth the buffer aims at now.
    pub target_delay: Duration,
    /// Frames waiting now, as time.
    pub delay: Duration,
}

pub struct JitterBuffer {
    waiting: BTreeMap<u64, (Bytes, Instant)>,
    /// Highest sequence received, extended past 16 bits.
    highest: Option<u64>,
    /// The next sequence to play; `None` until playout starts.
    next: Option<u64>,
    /// (sequence, transit in µs relative to the first packet's).
    transits: VecDeque<(u64, i64)>,
    first: Option<(u64, Instant)>,
    target: Duration,
    underrun: u32,
    /// Ticks in a row the buffer has been too deep.
    deep_for: u32,
    stats: JitterStats,
}

impl Default for JitterBuffer {
    fn default() -> Self {
        JitterBuffer {
            waiting: BTreeMap::new(),
            highest: None,
            next: None,
            transits: VecDeque::with_capacity(WINDOW + 1),
            first: None,
            target: MIN_DELAY,
            underrun: 0,
            deep_for: 0,
            stats: JitterStats::default(),
        }
    }
}

impl JitterBuffer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a packet that arrived at `arrival`.
    pub fn insert(&mut self, sequence: u16, payload: Bytes, arrival: Instant) {
        let seq = self.extend(sequence);
        if self.next.is_some_and(|next| seq < next) || self.waiting.contains_key(&seq) {
            self.stats.late += 1;
            return;
        }
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));
        self.measure(seq, arrival);
        self.waiting.insert(seq, (payload, arrival));
        // A packet far ahead of playout (a long stall): start again from it.
        if let Some(next) = self.next
            && seq > next + (MAX_DELAY.as_millis() / FRAME_DURATION.as_millis()) as u64 * 4
        {
            self.restart();
        }
    }

    /// What to play at this tick (`now`: when the tick fires).
    pub fn next_frame(&mut self, now: Instant) -> Playback {
        let Some(mut next) = self.next else {
            return self.start(now);
        };
        if self.too_deep(next) {
            self.deep_for += 1;
        } else {
            self.deep_for = 0;
        }
        if self.deep_for >= DROP_AFTER_TICKS {
            self.waiting.remove(&next);
            next += 1;
            self.stats.dropped += 1;
            self.deep_for = 0;
        }
        if let Some((payload, _)) = self.waiting.remove(&next) {
            self.next = Some(next + 1);
            self.underrun = 0;
            self.stats.played += 1;
            return Playback::Packet(payload);
        }
        if self.waiting.is_empty() {
            // Nothing has come: the network slowed (or the stream stopped).
            self.underrun += 1;
            if self.underrun > MAX_UNDERRUN {
                self.restart();
                return Playback::Nothing;
            }
            self.next = Some(next);
            self.stats.concealed += 1;
            return Playback::Conceal { fec: None };
        }
        if self.depth(next) <= self.target_frames() {
            // It may still come in time: wait for it, which deepens the
            // buffer towards a target that grew.
            self.next = Some(next);
            self.stats.concealed += 1;
            return Playback::Conceal { fec: None };
        }
        // Lost, or too late to wait for: conceal it and move on.
        self.next = Some(next + 1);
        self.stats.concealed += 1;
        let fec = self.waiting.get(&(next + 1)).map(|(p, _)| p.clone());
        Playback::Conceal { fec }
    }

    /// Whether playout is under way (it starts with the first packet, and
    /// again after the stream stopped).
    pub fn playing(&self) -> bool {
        self.next.is_some()
    }

    pub fn stats(&self) -> JitterStats {
        let waiting = match self.next {
            Some(next) => self.depth(next),
            None => self.waiting.len() as u64,
        };
        JitterStats {
            target_delay: self.target,
            delay: FRAME_DURATION * waiting as u32,
            ..self.stats
        }
    }

    fn start(&mut self, now: Instant) -> Playback {
        let Some((&first, (_, arrived))) = self.waiting.iter().next() else {
            return Playback::Nothing;
        };
        // The first packet plays at the first tick after it came when the
        // network is quiet, so the buffer costs the call's first audio
        // nothing but the wait for the tick.
        if now.duration_since(*arrived) + FRAME_DURATION < self.target {
            return Playback::Nothing;
        }
        self.next = Some(first);
        self.next_frame(now)
    }

    fn restart(&mut self) {
        self.next = None;
        self.underrun = 0;
    }

    fn too_deep(&self, next: u64) -> bool {
        self.depth(next) > self.target_frames() + EXCESS_FRAMES
            && self.waiting.contains_key(&next)
            && self.waiting.contains_key(&(next + 1))
    }

    /// Frames from `next` to the newest received, as far as playout goes.
    fn depth(&self, next: u64) -> u64 {
        self.highest.map_or(0, |h| (h + 1).saturating_sub(next))
    }

    fn target_frames(&self) -> u64 {
        self.target.as_millis().div_ceil(FRAME_DURATION.as_millis()) as u64
    }

    /// The 16-bit sequence number as a position in the whole stream.
    fn extend(&self, sequence: u16) -> u64 {
        match self.highest {
            None => u64::from(sequence) + (1 << 16),
            Some(highest) => {
                let delta = sequence.wrapping_sub(highest as u16) as i16;
                highest.saturating_add_signed(i64::from(delta))
            }
        }
    }

    /// Updates the target from this packet's transit time.
    fn measure(&mut self, seq: u64, arrival: Instant) {
        let (first_seq, first_arrival) = *self.first.get_or_insert((seq, arrival));
        let slot = FRAME_DURATION.as_micros() as i64 * (seq as i64 - first_seq as i64);
        let arrived = if arrival >= first_arrival {
            arrival.duration_since(first_arrival).as_micros() as i64
        } else {
            -(first_arrival.duration_since(arrival).as_micros() as i64)
        };
        self.transits.push_back((seq, arrived - slot));
        while self.transits.len() > WINDOW {
            self.transits.pop_front();
        }
        let mut transits: Vec<i64> = self.transits.iter().map(|(_, t)| *t).collect();
        transits.sort_unstable();
        let fastest = transits[0];
        let p95 = transits[(transits.len() - 1) * 95 / 100];
        let spread = Duration::from_micros((p95 - fastest).max(0) as u64);
        self.target = (spread + MARGIN).clamp(MIN_DELAY, MAX_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: Duration = FRAME_DURATION;

    fn payload(seq: u16) -> Bytes {
        Bytes::from(seq.to_be_bytes().to_vec())
    }

    /// Plays `ticks` ticks from `start`, packets arriving as `arrivals`
    /// says (sequence, arrival offset), and returns what each tick played.
    fn play(arrivals: &[(u16, Duration)], ticks: usize) -> (Vec<Playback>, JitterStats) {
        let start = Instant::now();
        let mut buffer = JitterBuffer::new();
        let mut pending: Vec<(u16, Duration)> = arrivals.to_vec();
        pending.sort_by_key(|(_, at)| *at);
        let mut pending = pending.into_iter().peekable();
        let mut played = Vec::new();
        for tick in 1..=ticks {
            let now = start + TICK * tick as u32;
            while let Some((seq, at)) = pending.next_if(|(_, at)| start + *at <= now) {
                buffer.insert(seq, payload(seq), start + at);
            }
            played.push(buffer.next_frame(now));
        }
        (played, buffer.stats())
    }

    fn sequences(played: &[Playback]) -> Vec<Option<u16>> {
        played
            .iter()
            .filter(|p| **p != Playback::Nothing)
            .map(|p| match p {
                Playback::Packet(b) => Some(u16::from_be_bytes([b[0], b[1]])),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_steady_stream_plays_in_order_after_one_frame() {
        let arrivals: Vec<_> = (0..50u16).map(|s| (s, TICK * s as u32)).collect();
        let (played, stats) = play(&arrivals, 50);
        let heard = sequences(&played);
        assert_eq!(heard[..49], (0..49).map(Some).collect::<Vec<_>>()[..]);
        assert_eq!(stats.concealed, 0);
        assert_eq!(stats.target_delay, MIN_DELAY);
    }

    #[test]
    fn reordered_packets_play_in_sequence_order() {
        // Every pair swapped, 15 ms apart: jitter the buffer must absorb.
        let mut arrivals = Vec::new();
        for s in (0..100u16).step_by(2) {
            arrivals.push((s + 1, TICK * s as u32 + Duration::from_millis(5)));
            arrivals.push((s, TICK * s as u32 + Duration::from_millis(20)));
        }
        let (played, stats) = play(&arrivals, 120);
        let heard: Vec<u16> = sequences(&played).into_iter().flatten().collect();
        let mut sorted = heard.clone();
        sorted.sort_unstable();
        assert_eq!(heard, sorted, "out of order");
        assert!(heard.len() >= 95, "only {} played", heard.len());
        assert_eq!(stats.late, 0);
    }

    #[test]
    fn depth_follows_the_jitter_and_stays_bounded() {
        // 60 ms ± 30 ms of delay, from a fixed pattern.
        let pattern = [30u64, 80, 45, 90, 60, 35, 75, 50, 85, 40];
        let arrivals: Vec<_> = (0..300u16)
            .map(|s| {
                (
                    s,
                    TICK * s as u32 + Duration::from_millis(pattern[s as usize % 10]),
                )
            })
            .collect();
        let (played, stats) = play(&arrivals, 320);
        let target = stats.target_delay.as_millis();
        assert!((60..=80).contains(&target), "target {target} ms");
        // Once settled, nearly every packet plays in its turn.
        let settled = &sequences(&played)[50..280];
        let lost = settled.iter().filter(|s| s.is_none()).count();
        assert!(lost <= 2, "{lost} of {} frames concealed", settled.len());
        assert!(stats.delay <= MAX_DELAY);
    }

    #[test]
    fn a_lost_packet_is_concealed_with_the_next_ones_fec() {
        let arrivals: Vec<_> = (0..30u16)
            .filter(|s| *s != 10)
            .map(|s| (s, TICK * s as u32))
            .collect();
        let (played, stats) = play(&arrivals, 30);
        let conceal = played
            .iter()
            .find(|p| matches!(p, Playback::Conceal { .. }))
            .expect("concealed");
        assert_eq!(
            conceal,
            &Playback::Conceal {
                fec: Some(payload(11))
            }
        );
        assert_eq!(stats.concealed, 1);
    }

    #[test]
    fn a_packet_after_its_turn_is_dropped() {
        let mut arrivals: Vec<_> = (0..30u16)
            .filter(|s| *s != 10)
            .map(|s| (s, TICK * s as u32))
            .collect();
        arrivals.push((10, TICK * 25));
        let (played, stats) = play(&arrivals, 40);
        assert_eq!(stats.late, 1);
        assert!(!sequences(&played).contains(&Some(10)));
    }

    #[test]
    fn a_stall_is_stretched_then_the_buffer_drains_back_to_its_target() {
        // 100 ms with nothing, then the held packets at once.
        let arrivals: Vec<_> = (0..200u16)
            .map(|s| {
                let at = TICK * s as u32;
                let stalled = (40..45).contains(&s);
                (s, if stalled { TICK * 45 } else { at })
            })
            .collect();
        let (played, stats) = play(&arrivals, 210);
        // Nothing was skipped: the stall was covered by concealment...
        let heard: Vec<u16> = sequences(&played).into_iter().flatten().collect();
        assert!(heard.contains(&40) && heard.contains(&44));
        assert!(stats.concealed >= 1);
        // ...and the extra depth it left was dropped again, once the
        // estimate forgot the stall.
        assert!(stats.dropped >= 1, "{stats:?}");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let arrivals: Vec<_> = (0..20u16)
            .map(|i| (65_530u16.wrapping_add(i), TICK * i as u32))
            .collect();
        let (played, stats) = play(&arrivals, 20);
        assert_eq!(sequences(&played).iter().flatten().count(), 20);
        assert_eq!(stats.late, 0);
    }

    #[test]
    fn a_stream_that_stops_goes_quiet_and_starts_again_when_it_returns() {
        let mut arrivals: Vec<_> = (0..20u16).map(|s| (s, TICK * s as u32)).collect();
        arrivals.extend((100..120u16).map(|s| (s, TICK * s as u32)));
        let (played, _) = play(&arrivals, 119);
        let concealed = played
            .iter()
            .filter(|p| matches!(p, Playback::Conceal { .. }))
            .count();
        assert!(
            concealed as u32 <= MAX_UNDERRUN,
            "{concealed} frames concealed"
        );
        let heard: Vec<u16> = sequences(&played).into_iter().flatten().collect();
        assert!(heard.contains(&100) && heard.contains(&118), "{heard:?}");
    }
}
