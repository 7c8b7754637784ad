//! Tickets on a customer's behalf (staff): find the customer by email or
//! invite them, then open the ticket for them (queued like any new ticket,
//! offline too). And, for the invited customer, signing in with the
//! one-time link staff made.

use protocol as wire;
use reqwest::Method;
use uuid::Uuid;

use crate::client::{Client, authed};
use crate::error::CoreError;
use crate::runtime;
use crate::types::{CustomerInfo, CustomerInviteInfo, TicketItem, UserInfo};

fn customer_info(user: &wire::User) -> CustomerInfo {
    CustomerInfo {
        id: user.id.to_string(),
        name: user.name.clone(),
        email: user.email.clone(),
    }
}

fn summary(user: &wire::User) -> wire::UserSummary {
    wire::UserSummary {
        id: user.id,
        name: user.name.clone(),
        role: user.role,
    }
}

/// The token of a sign-in link (`customerservice://sign-in?token=…`), or
/// the text itself when it is the bare token.
pub fn link_token(link: &str) -> Result<String, CoreError> {
    let link = link.trim();
    let token = match link.split_once('?') {
        Some((_, query)) => query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .ok_or_else(|| CoreError::invalid("the sign-in link has no token"))?,
        None => link,
    };
    let valid = !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(token.to_string())
    } else {
        Err(CoreError::invalid("that is not a sign-in link"))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Staff: the customer with this email (`NotFound` when there is none:
    /// invite them). Needs the server.
    pub async fn find_customer(&self, email: String) -> Result<CustomerInfo, CoreError> {
        let path = format!(
            "/v1/customers?email={}",
            crate::push::urlencode(email.trim())
        );
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, user): (_, wire::User) = inner
                .api
                .send(Method::GET, &path, Some(&token), None::<&()>)
                .await?;
            inner.store.put_users(&[summary(&user)])?;
            Ok(customer_info(&user))
        }))
        .await
    }

    /// Staff: creates an account for a customer who has none, with a
    /// one-time sign-in link (mailed by the server's relay, or returned to
    /// pass on). Needs the server.
    pub async fn invite_customer(
        &self,
        email: String,
        name: String,
    ) -> Result<CustomerInviteInfo, CoreError> {
        let request = wire::InviteCustomer { email, name };
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, invite): (_, wire::CustomerInvite) = inner
                .api
                .send(Method::POST, "/v1/customers", Some(&token), Some(&request))
                .await?;
            inner.store.put_users(&[summary(&invite.customer)])?;
            Ok(CustomerInviteInfo {
                customer: customer_info(&invite.customer),
                emailed: invite.emailed,
                sign_in_link: invite.sign_in_link,
                mail_error: invite.mail_error,
            })
        }))
        .await
    }

    /// Staff: opens a ticket for a customer (found or invited) in a
    /// department, the first message written by the staff member. It shows
    /// at once as pending and is sent when the server is reachable.
    pub fn create_ticket_for(
        &self,
        customer_id: String,
        department_id: String,
        subject: String,
        body: String,
    ) -> Result<TicketItem, CoreError> {
        let customer = Uuid::parse_str(customer_id.trim())
            .map_err(|_| CoreError::invalid("not a customer id"))?;
        self.open_ticket(Some(customer), department_id, subject, body)
    }

    /// Signs in with a one-time link (or its token) from support.
    pub async fn sign_in_with_link(&self, link: String) -> Result<UserInfo, CoreError> {
        let body = wire::LinkSignIn {
            token: link_token(&link)?,
        };
        let inner = self.inner().clone();
        runtime::run(async move {
            let (_, auth): (_, wire::AuthResponse) = inner
                .api
                .send(Method::POST, "/v1/auth/link", None, Some(&body))
                .await?;
            crate::client::start_session(&inner, auth)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_a_link_or_taken_as_it_is() {
        let link = "customerservice://sign-in?token=Ab-c_9&server=https%3A%2F%2Fx";
        assert_eq!(link_token(link).unwrap(), "Ab-c_9");
        assert_eq!(link_token(" Ab-c_9 ").unwrap(), "Ab-c_9");
        assert!(link_token("customerservice://sign-in?server=x").is_err());
        assert!(link_token("not a token").is_err());
    }
}
