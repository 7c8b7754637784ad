//! Call pushes: an incoming-call push to every device of everyone rung that
//! has no live socket (or to all their devices, when so configured), and a
//! stop-ringing push to those devices once the call stops ringing them.
//! An iPhone with a VoIP token is rung through APNs (PushKit raises
//! CallKit's screen) instead of through its FCM token; its stop-ringing
//! goes to the FCM token, never as a VoIP push.

use protocol::{Call, CallState, DevicePlatform, Ticket};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::Push;
use super::live::LiveSessions;
use super::message;
use crate::db::push::{NewPush, Service};
use crate::db::{self, now_micros};

impl Push {
    /// The incoming-call pushes of a call about to be placed, for
    /// [`Push::queue_in`] to queue in the call's own transaction, so that
    /// a crash cannot commit the call without them. Failures are logged and
    /// give none: the call rings on the sockets regardless.
    pub async fn ringing_pushes(
        &self,
        call: &Call,
        caller_name: &str,
        ticket: &Ticket,
        ring_deadline: i64,
    ) -> Vec<NewPush> {
        if !self.enabled() {
            return Vec::new();
        }
        match self
            .build_ringing(call, caller_name, ticket, ring_deadline)
            .await
        {
            Ok(pushes) => pushes,
            Err(e) => {
                tracing::warn!(error = %e, call_id = %call.id, "could not address incoming-call pushes");
                Vec::new()
            }
        }
    }

    async fn build_ringing(
        &self,
        call: &Call,
        caller_name: &str,
        ticket: &Ticket,
        ring_deadline: i64,
    ) -> Result<Vec<NewPush>, sqlx::Error> {
        let skip_live = !self.calls_to_all_devices;
        let voip = self.sends_through(Service::Apns);
        let targets = db::devices::push_targets(
            self.db.reader(),
            &call.ringing,
            voip,
            skip_live,
            LiveSessions::live_since(),
        )
        .await?;
        let now = now_micros();
        let deadline = db::from_micros(ring_deadline);
        Ok(targets
            .into_iter()
            .filter_map(|target| {
                let id = Uuid::now_v7();
                let (service, message) = if target.platform == DevicePlatform::IosVoip.as_str() {
                    let message =
                        message::voip_incoming_call(id, call, caller_name, ticket, deadline);
                    (Service::Apns, message)
                } else {
                    let timeout = self.ring_timeout_secs;
                    let message =
                        message::incoming_call(id, call, caller_name, ticket, timeout, deadline);
                    (Service::Fcm, message)
                };
                self.sends_through(service).then_some(NewPush {
                    id,
                    service,
                    message,
                    device_token: target.token,
                    user_id: target.user_id,
                    kind: "incoming_call",
                    call_id: Some(call.id),
                    due_at: now,
                    expires_at: Some(ring_deadline),
                })
            })
            .collect())
    }

    /// Queues `pushes` in the caller's transaction; call [`Push::queued`]
    /// once it commits.
    pub async fn queue_in(
        &self,
        conn: &mut AnyConnection,
        pushes: &[NewPush],
    ) -> Result<(), sqlx::Error> {
        db::push::enqueue(conn, pushes, now_micros()).await
    }

    /// After a call changed state: devices that were pushed the call and
    /// are no longer rung by it are told to stop ringing (and pushes not
    /// sent yet are cancelled).
    pub async fn call_changed(&self, call: &Call) {
        if !self.enabled() {
            return;
        }
        if let Err(e) = self.enqueue_stop_ringing(call).await {
            tracing::warn!(error = %e, call_id = %call.id, "could not queue stop-ringing pushes");
        }
    }

    async fn enqueue_stop_ringing(&self, call: &Call) -> Result<(), sqlx::Error> {
        let still_ringing: &[Uuid] = match call.state {
            CallState::Ringing => &call.ringing,
            _ => &[],
        };
        let reason = message::stop_reason(call);
        let now = now_micros();
        let mut tx = self.db.writer().begin().await?;
        // Cancels the incoming-call pushes not sent yet, whatever the service.
        let rung = db::push::stop_ringing_targets(&mut tx, call.id, still_ringing).await?;
        let pushes: Vec<NewPush> = rung
            .into_iter()
            .filter(|_| self.sends_through(Service::Fcm))
            .map(|device| {
                let id = Uuid::now_v7();
                NewPush {
                    id,
                    service: Service::Fcm,
                    message: message::stop_ringing(id, call.id, reason, self.ring_timeout_secs),
                    device_token: device.device_token,
                    user_id: device.user_id,
                    kind: "stop_ringing",
                    call_id: Some(call.id),
                    due_at: now,
                    expires_at: None,
                }
            })
            .collect();
        db::push::enqueue(&mut tx, &pushes, now).await?;
        tx.commit().await?;
        self.queued(&pushes);
        Ok(())
    }
}
