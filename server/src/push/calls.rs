//! Call pushes: an incoming-call push to every device of everyone rung that
//! has no live socket (or to all their devices, when so configured), and a
//! stop-ringing push to those devices once the call stops ringing them.
//! An iPhone with a VoIP token is rung through APNs (PushKit raises
//! CallKit's screen) instead of through its FCM token; its stop-ringing
//! goes to the FCM token, never as a VoIP push.

use protocol::{Call, CallState, DevicePlatform, Ticket};
use uuid::Uuid;

use super::Push;
use super::live::LiveSessions;
use super::message;
use crate::db::push::{NewPush, Service};
use crate::db::{self, now_micros};

impl Push {
    /// Queues the incoming-call pushes of a call just placed. Failures are
    /// logged: the call rings on the sockets regardless.
    pub async fn call_ringing(
        &self,
        call: &Call,
        caller_name: &str,
        ticket: &Ticket,
        ring_deadline: i64,
    ) {
        if !self.enabled() {
            return;
        }
        if let Err(e) = self
            .enqueue_ringing(call, caller_name, ticket, ring_deadline)
            .await
        {
            tracing::warn!(error = %e, call_id = %call.id, "could not queue incoming-call pushes");
        }
    }

    async fn enqueue_ringing(
        &self,
        call: &Call,
        caller_name: &str,
        ticket: &Ticket,
        ring_deadline: i64,
    ) -> Result<(), sqlx::Error> {
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
        if targets.is_empty() {
            return Ok(());
        }
        let now = now_micros();
        let deadline = db::from_micros(ring_deadline);
        let pushes: Vec<NewPush> = targets
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
            .collect();
        let mut tx = self.db.writer().begin().await?;
        db::push::enqueue(&mut tx, &pushes, now).await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(())
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
        if !pushes.is_empty() {
            self.wake.notify_one();
        }
        Ok(())
    }
}
