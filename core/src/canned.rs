//! Canned replies for staff: read from the cache (offline too), kept fresh
//! at every connect and at each change event, managed by supervisors and
//! admins, and filled in for a ticket before staff edit and send them.

use std::sync::Arc;

use protocol::{self as wire, canned};
use reqwest::Method;

use crate::client::{Client, Inner, authed};
use crate::error::CoreError;
use crate::observe::{CannedRepliesListener, TaskHandle};
use crate::runtime;
use crate::types::CannedReplyItem;

/// Reads the replies the user may see from the server into the cache:
/// their department's, every department's for admins.
pub(crate) async fn refresh(inner: &Inner, token: &str) -> Result<(), CoreError> {
    let (_, replies): (_, Vec<wire::CannedReply>) = inner
        .api
        .send(Method::GET, "/v1/canned-replies", Some(token), None::<&()>)
        .await?;
    inner.store.set_canned_replies(&replies)?;
    Ok(())
}

/// `body` with each known placeholder replaced by its value; a placeholder
/// whose value is not known yet stays as written, for staff to see and edit.
pub fn fill(
    body: &str,
    customer_name: Option<&str>,
    ticket_number: Option<i64>,
    agent_name: Option<&str>,
) -> String {
    let number = ticket_number.map(|n| n.to_string());
    canned::body_parts(body)
        .into_iter()
        .map(|part| match part {
            canned::BodyPart::Text(text) => text.to_string(),
            canned::BodyPart::Placeholder(name) => {
                let value = match name {
                    "customer_name" => customer_name,
                    "ticket_number" => number.as_deref(),
                    "agent_name" => agent_name,
                    _ => None,
                };
                value.map_or_else(|| format!("{{{name}}}"), str::to_string)
            }
        })
        .collect()
}

fn item(reply: &wire::CannedReply) -> CannedReplyItem {
    CannedReplyItem {
        id: reply.id.to_string(),
        department_id: reply.department_id.to_string(),
        title: reply.title.clone(),
        body: reply.body.clone(),
        updated_at_ms: reply.updated_at.timestamp_millis(),
    }
}

fn reply_path(id: &str) -> Result<String, CoreError> {
    let id = uuid::Uuid::parse_str(id.trim())
        .map_err(|_| CoreError::invalid("not a canned reply id"))?;
    Ok(format!("/v1/canned-replies/{id}"))
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// The cached replies of a department (`None`: every one cached) whose
    /// title contains `query` in any case, by title. Works offline.
    pub fn canned_replies(
        &self,
        department_id: Option<String>,
        query: String,
    ) -> Result<Vec<CannedReplyItem>, CoreError> {
        self.inner()
            .store
            .canned_replies(department_id.as_deref(), &query)
    }

    /// Every cached reply now and after each change (a colleague's edit
    /// included): a list or a picker reads its search again at each.
    pub fn observe_canned_replies(
        &self,
        listener: Arc<dyn CannedRepliesListener>,
    ) -> Arc<TaskHandle> {
        let inner = self.inner();
        inner.observers.subscribe_canned(&inner.store, listener)
    }

    /// Reads the replies from the server again (the core also does at every
    /// connect and when a colleague changes one).
    pub async fn refresh_canned_replies(&self) -> Result<(), CoreError> {
        let inner = self.inner().clone();
        runtime::run(authed(inner, |inner, token| async move {
            refresh(&inner, &token).await?;
            inner.changed();
            Ok(())
        }))
        .await
    }

    /// A reply's body filled in for a cached ticket: the customer's name, the
    /// ticket's number and the signed-in user's name. A value not known yet
    /// (a ticket the server has not numbered) leaves its placeholder.
    pub fn fill_canned_reply(
        &self,
        reply_id: String,
        ticket_id: String,
    ) -> Result<String, CoreError> {
        let inner = self.inner();
        let not_found = |what: &str| CoreError::NotFound {
            message: format!("no such {what} in the cache"),
        };
        let reply = inner
            .store
            .canned_reply(&reply_id)?
            .ok_or_else(|| not_found("canned reply"))?;
        let me = inner.me_id();
        let ticket = inner
            .store
            .ticket(&ticket_id, me.as_deref())?
            .ok_or_else(|| not_found("ticket"))?;
        let agent = self.current_user().map(|u| u.name);
        Ok(fill(
            &reply.body,
            ticket.customer_name.as_deref(),
            ticket.number,
            agent.as_deref(),
        ))
    }

    /// Writes a new reply (supervisors: in their department; admins name
    /// one). Needs the server; the cache has it once it answers.
    pub async fn create_canned_reply(
        &self,
        department_id: Option<String>,
        title: String,
        body: String,
    ) -> Result<CannedReplyItem, CoreError> {
        let department_id = department_id
            .map(|d| uuid::Uuid::parse_str(d.trim()))
            .transpose()
            .map_err(|_| CoreError::invalid("not a department id"))?;
        let request = wire::CreateCannedReply {
            department_id,
            title,
            body,
        };
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, reply): (_, wire::CannedReply) = inner
                .api
                .send(
                    Method::POST,
                    "/v1/canned-replies",
                    Some(&token),
                    Some(&request),
                )
                .await?;
            inner.store.put_canned_reply(&reply)?;
            inner.changed();
            Ok(item(&reply))
        }))
        .await
    }

    /// Changes a reply's title, body or both (`None` keeps it).
    pub async fn update_canned_reply(
        &self,
        id: String,
        title: Option<String>,
        body: Option<String>,
    ) -> Result<CannedReplyItem, CoreError> {
        let path = reply_path(&id)?;
        let request = wire::UpdateCannedReply { title, body };
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, reply): (_, wire::CannedReply) = inner
                .api
                .send(Method::PATCH, &path, Some(&token), Some(&request))
                .await?;
            inner.store.put_canned_reply(&reply)?;
            inner.changed();
            Ok(item(&reply))
        }))
        .await
    }

    pub async fn delete_canned_reply(&self, id: String) -> Result<(), CoreError> {
        let path = reply_path(&id)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            inner
                .api
                .send_empty(Method::DELETE, &path, Some(&token), None::<&()>)
                .await?;
            inner.store.remove_canned_reply(&id)?;
            inner.changed();
            Ok(())
        }))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_values_stay_visible() {
        let body = "Hi {customer_name}, ticket #{ticket_number} is with {agent_name}. {other}";
        assert_eq!(
            fill(body, Some("Ann"), Some(1042), Some("Bea")),
            "Hi Ann, ticket #1042 is with Bea. {other}"
        );
        assert_eq!(
            fill(body, None, None, Some("Bea")),
            "Hi {customer_name}, ticket #{ticket_number} is with Bea. {other}"
        );
    }
}
