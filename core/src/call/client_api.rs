//! What the apps call for voice calls: place, accept, decline, hang up,
//! mute, quality, and a listener for the call screen. Ringing arrives on the
//! WebSocket (or through a push notification that opens the app, then
//! `accept_call` with its call id).

use std::sync::Arc;

use uuid::Uuid;

use super::audio::AudioDevice;
use super::manager::{CallInfo, CallListener, CallQuality};
use crate::client::{Client, authed};
use crate::error::CoreError;
use crate::observe::TaskHandle;
use crate::runtime;

fn call_id(id: &str) -> Result<Uuid, CoreError> {
    Uuid::parse_str(id).map_err(|_| CoreError::invalid(format!("call id {id:?} is not an id")))
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Calls about a ticket: staff call its customer, a customer calls
    /// support. `audio` is the microphone and speaker for the call.
    pub async fn place_call(
        &self,
        ticket_id: String,
        audio: Arc<dyn AudioDevice>,
    ) -> Result<CallInfo, CoreError> {
        let ticket_id = Uuid::parse_str(&ticket_id)
            .map_err(|_| CoreError::invalid(format!("ticket id {ticket_id:?} is not an id")))?;
        // On the core's runtime: the call's media tasks outlive this call.
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let calls = inner.calls.clone();
            calls.place(&inner, &token, ticket_id, audio).await
        }))
        .await
    }

    /// Answers a call ringing this device (first answer wins).
    pub async fn accept_call(
        &self,
        call_id: String,
        audio: Arc<dyn AudioDevice>,
    ) -> Result<CallInfo, CoreError> {
        let id = self::call_id(&call_id)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let calls = inner.calls.clone();
            calls.accept(&inner, &token, id, audio).await
        }))
        .await
    }

    pub async fn decline_call(&self, call_id: String) -> Result<(), CoreError> {
        let id = self::call_id(&call_id)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let calls = inner.calls.clone();
            calls.decline(&inner, &token, id).await
        }))
        .await
    }

    /// Cancels a call still ringing, ends one under way, or declines one
    /// ringing this device.
    pub async fn hang_up(&self, call_id: String) -> Result<(), CoreError> {
        let id = self::call_id(&call_id)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let calls = inner.calls.clone();
            calls.hang_up(&inner, &token, id).await
        }))
        .await
    }

    pub fn set_call_muted(&self, call_id: String, muted: bool) -> Result<(), CoreError> {
        self.inner()
            .calls
            .set_muted(self::call_id(&call_id)?, muted)
    }

    /// Round-trip time, jitter and packet counts of a call's audio.
    pub async fn call_quality(&self, call_id: String) -> Result<CallQuality, CoreError> {
        let id = self::call_id(&call_id)?;
        let calls = self.inner().calls.clone();
        runtime::run(async move { calls.quality(id).await }).await
    }

    /// The calls of this device now.
    pub fn calls(&self) -> Vec<CallInfo> {
        self.inner().calls.snapshot()
    }

    /// Calls as they change (incoming ringing, connecting, connected, ended).
    pub fn observe_calls(&self, listener: Arc<dyn CallListener>) -> Arc<TaskHandle> {
        let calls = self.inner().calls.clone();
        let id = calls.add_listener(listener);
        TaskHandle::with_cancel(move || calls.remove_listener(id))
    }

    /// Where call media binds (`127.0.0.1:0` on a machine with loopback
    /// only; empty for every interface) and whether it may use TURN relays
    /// only (hides this device's addresses from the other party).
    pub fn configure_call_media(&self, bind_addresses: Vec<String>, relay_only: bool) {
        self.inner()
            .calls
            .configure_media(bind_addresses, relay_only);
    }
}
