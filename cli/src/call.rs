//! `call`, `answer`, `decline`: voice calls on a ticket, with a WAV file or
//! a tone as the microphone. The call's phases are printed as they change;
//! once it ends, a summary of the connection and of what was heard.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use cs_core::CoreError;
use cs_core::call::manager::{CallDirection, CallInfo, CallListener, CallPhase, CallQuality};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::call_audio::{AudioArgs, CallAudio, Listening};
use crate::context::{Ctx, Reach};
use crate::error::{CliError, CliResult};
use crate::output::{self, out};
use crate::values;

/// How often quality and the analyser are read while connected (the
/// analyser's window is 200 ms).
const SAMPLE_EVERY: Duration = Duration::from_millis(200);
/// How long to wait for the server to confirm a hang-up.
const HANG_UP_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Args)]
pub struct TalkArgs {
    #[command(flatten)]
    pub audio: AudioArgs,
    /// Hang up after this many seconds of connected audio (default: at
    /// Ctrl-C or when the other side hangs up).
    #[arg(long, value_name = "N", value_parser = values::seconds)]
    pub seconds: Option<Duration>,
}

/// Which call `answer` and `decline` take.
#[derive(Debug, Clone, Args)]
pub struct IncomingArgs {
    /// This call (its id); otherwise the next one that rings.
    #[arg(long = "call", value_name = "ID")]
    pub call_id: Option<String>,
    /// How long to wait for a call to ring.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = values::seconds)]
    pub wait: Duration,
}

/// The core's call snapshots, as a stream.
struct CallWatch(mpsc::UnboundedSender<Vec<CallInfo>>);

impl CallListener for CallWatch {
    fn on_calls(&self, calls: Vec<CallInfo>) {
        let _ = self.0.send(calls);
    }
}

struct Calls {
    rx: mpsc::UnboundedReceiver<Vec<CallInfo>>,
    _handle: Arc<cs_core::TaskHandle>,
}

impl Calls {
    /// Online and listening for calls, media bound where asked.
    async fn start(ctx: &mut Ctx, bind: &[String]) -> CliResult<Calls> {
        ctx.me()?;
        if ctx.connect().await? == Reach::Offline {
            return Err(CliError::failed(
                "offline: calls need the server, which cannot be reached",
            ));
        }
        if !bind.is_empty() {
            ctx.client.configure_call_media(bind.to_vec(), false);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = ctx.client.observe_calls(Arc::new(CallWatch(tx)));
        Ok(Calls {
            rx,
            _handle: handle,
        })
    }

    /// The next call that rings this device, within `wait`; `None` at Ctrl-C.
    async fn next_ringing(&mut self, wait: Duration) -> CliResult<Option<CallInfo>> {
        out!("waiting for a call (up to {:.0} s)", wait.as_secs_f64());
        let deadline = Instant::now() + wait;
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            tokio::select! {
                snapshot = self.rx.recv() => {
                    let ringing = snapshot.unwrap_or_default().into_iter().find(|c| {
                        c.direction == CallDirection::Incoming && c.phase == CallPhase::Ringing
                    });
                    if ringing.is_some() {
                        return Ok(ringing);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(CliError::failed(format!(
                        "no call rang within {:.0} s",
                        wait.as_secs_f64()
                    )));
                }
                _ = &mut ctrl_c => return Ok(None),
            }
        }
    }

    /// The given call, or the next one that rings: its id, and what is
    /// known of it. `None` at Ctrl-C.
    async fn incoming(&mut self, args: &IncomingArgs) -> CliResult<Option<(String, String)>> {
        if let Some(id) = &args.call_id {
            return Ok(Some((id.trim().to_string(), format!("call {}", id.trim()))));
        }
        Ok(self.next_ringing(args.wait).await?.map(|call| {
            let from = call.caller_name.as_deref().unwrap_or("someone");
            let about = call
                .ticket_subject
                .as_deref()
                .map_or_else(String::new, |s| format!(" about {s:?}"));
            let text = format!("call from {from}{about} (call {})", call.id);
            (call.id, text)
        }))
    }
}

pub async fn call(ctx: &mut Ctx, ticket: String, talk: TalkArgs, bind: &[String]) -> CliResult {
    let source = talk.audio.source()?;
    let calls = Calls::start(ctx, bind).await?;
    let ticket = ctx.resolve_ticket(&ticket).await?;
    let audio = CallAudio::new(source, talk.audio.record.as_deref())?;
    let placed = ctx
        .client
        .place_call(ticket.id.clone(), audio.device.clone())
        .await
        .map_err(|e| match e {
            CoreError::Conflict { message } => CliError::failed(format!("cannot call: {message}")),
            other => CliError::from(other).map(|m| format!("cannot call: {m}")),
        })?;
    out!(
        "calling about {} {:?} (call {})",
        output::ticket_ref(&ticket),
        ticket.subject,
        placed.id
    );
    converse(ctx, calls, &placed.id, audio, talk.seconds).await
}

pub async fn answer(
    ctx: &mut Ctx,
    incoming: IncomingArgs,
    talk: TalkArgs,
    bind: &[String],
) -> CliResult {
    let source = talk.audio.source()?;
    let mut calls = Calls::start(ctx, bind).await?;
    let Some((id, what)) = calls.incoming(&incoming).await? else {
        return Ok(());
    };
    let audio = CallAudio::new(source, talk.audio.record.as_deref())?;
    out!("answering {what}");
    ctx.client
        .accept_call(id.clone(), audio.device.clone())
        .await
        .map_err(|e| refused("answer", &id, e))?;
    converse(ctx, calls, &id, audio, talk.seconds).await
}

pub async fn decline(ctx: &mut Ctx, incoming: IncomingArgs, bind: &[String]) -> CliResult {
    let mut calls = Calls::start(ctx, bind).await?;
    let Some((id, what)) = calls.incoming(&incoming).await? else {
        return Ok(());
    };
    ctx.client
        .decline_call(id.clone())
        .await
        .map_err(|e| refused("decline", &id, e))?;
    out!("declined {what}");
    Ok(())
}

/// An answer or decline the server refused: an unknown call is bad input.
fn refused(action: &str, id: &str, e: CoreError) -> CliError {
    match e {
        CoreError::NotFound { .. } => CliError::usage(format!("no call {id}")),
        other => CliError::from(other).map(|m| format!("cannot {action} the call: {m}")),
    }
}

/// What a call that ended without either side hanging up became.
fn outcome_error(outcome: &str) -> CliError {
    CliError::failed(match outcome {
        "declined" => "the call was declined",
        "missed" => "nobody answered the call",
        "cancelled" => "the caller hung up before the call was answered",
        "answered_elsewhere" => "the call was answered on another device",
        "failed" => "the call's audio could not be connected",
        _ => "the call ended",
    })
}

/// Follows a placed or answered call to its end: prints its phases, reads
/// quality and the analyser while connected, hangs up after `limit` of
/// connected audio or at Ctrl-C, then prints the summary.
async fn converse(
    ctx: &Ctx,
    mut calls: Calls,
    id: &str,
    audio: CallAudio,
    limit: Option<Duration>,
) -> CliResult {
    let mut shown: Option<CallPhase> = None;
    let mut connected_at: Option<Instant> = None;
    // When the audio stopped: our hang-up, or the end coming in.
    let mut stopped_at: Option<Instant> = None;
    let mut quality: Option<CallQuality> = None;
    let mut listening = Listening::default();
    let mut hang_up_deadline: Option<Instant> = None;
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let outcome = loop {
        let hang_up_at = connected_at.zip(limit).map(|(since, limit)| since + limit);
        let hang_up_now = tokio::select! {
            snapshot = calls.rx.recv() => {
                let Some(snapshot) = snapshot else { break "ended".to_string() };
                let Some(call) = snapshot.into_iter().find(|c| c.id == id) else { continue };
                if shown.as_ref() != Some(&call.phase) {
                    out!("{}", phase(&call.phase));
                    shown = Some(call.phase.clone());
                }
                match call.phase {
                    CallPhase::Connected if connected_at.is_none() => {
                        connected_at = Some(Instant::now());
                    }
                    CallPhase::Ended { outcome } => break outcome,
                    _ => {}
                }
                false
            }
            _ = tick.tick() => {
                if hang_up_deadline.is_some_and(|d| Instant::now() >= d) {
                    output::note("the server did not confirm the hang-up");
                    break "ended".to_string();
                }
                if connected_at.is_some() && stopped_at.is_none() {
                    sample(ctx, id, &audio, &mut quality, &mut listening).await;
                }
                false
            }
            _ = sleep_until_some(hang_up_at), if hang_up_deadline.is_none() => true,
            _ = &mut ctrl_c, if hang_up_deadline.is_none() => true,
        };
        if hang_up_now && hang_up_deadline.is_none() {
            // The last figures while the media is still there.
            if connected_at.is_some() {
                sample(ctx, id, &audio, &mut quality, &mut listening).await;
            }
            stopped_at.get_or_insert_with(Instant::now);
            hang_up_deadline = Some(Instant::now() + HANG_UP_WAIT);
            // A failed hang-up still ends the call on this device.
            if let Err(e) = ctx.client.hang_up(id.to_string()).await {
                output::note(format!("hanging up: {}", CliError::from(e)));
            }
        }
    };
    let stopped_at = *stopped_at.get_or_insert_with(Instant::now);
    let recorded = audio.finish()?;
    if let Some(connected_at) = connected_at {
        summary(
            stopped_at - connected_at,
            quality.as_ref(),
            &listening,
            recorded,
        );
    }
    // Hanging up is what was asked for, whatever the call had become.
    if outcome == "ended" || hang_up_deadline.is_some() {
        Ok(())
    } else {
        Err(outcome_error(&outcome))
    }
}

/// Reads the call's quality and what the analyser heard.
async fn sample(
    ctx: &Ctx,
    id: &str,
    audio: &CallAudio,
    quality: &mut Option<CallQuality>,
    listening: &mut Listening,
) {
    // Gone once the media closed: the last figures stay.
    if let Ok(now) = ctx.client.call_quality(id.to_string()).await {
        *quality = Some(now);
    }
    listening.sample(&audio.heard);
}

/// Sleeps until `at`, or forever when there is no such time.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn phase(phase: &CallPhase) -> String {
    match phase {
        CallPhase::Ringing => "ringing".into(),
        CallPhase::Connecting => "connecting".into(),
        CallPhase::Connected => "connected".into(),
        CallPhase::Reconnecting => "reconnecting".into(),
        CallPhase::Ended { outcome } => format!("ended: {outcome}"),
    }
}

fn summary(
    connected: Duration,
    quality: Option<&CallQuality>,
    listening: &Listening,
    recorded: Option<String>,
) {
    out!("duration:  {:.1} s connected", connected.as_secs_f64());
    if let Some(q) = quality {
        out!(
            "packets:   {} sent, {} received, {} lost",
            q.packets_sent,
            q.packets_received,
            q.packets_lost
        );
        let ms = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.1} ms"));
        out!(
            "network:   rtt {}, jitter {}",
            ms(q.rtt_ms),
            ms(q.jitter_ms)
        );
        out!(
            "playout:   {:.0} ms buffered, {} frames concealed",
            q.playout_delay_ms,
            q.concealed_frames
        );
    }
    out!("heard:     {}", listening.describe());
    if let Some(recorded) = recorded {
        out!("recorded:  {recorded}");
    }
}
