//! Customers as staff meet them: found by email to open a ticket on their
//! behalf, or invited when they have no account yet (an account without a
//! password and a one-time sign-in link, emailed through the operator's relay
//! or shown to staff to pass on).

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{CustomerInvite, ErrorBody, InviteCustomer, Role, User};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{self, Caller};
use crate::db::{self, users::NewUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::{AppState, policy, validate};

/// How long a sign-in link works.
pub const LINK_VALID_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindCustomerParams {
    /// The customer's email, exactly (any case).
    email: String,
}

/// Finds a customer by email, for staff about to open a ticket for them.
#[utoipa::path(get, path = "/v1/customers", operation_id = "find_customer", tag = "customers",
    params(FindCustomerParams),
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no customer has this email", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn find(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<FindCustomerParams>,
) -> ApiResult<Json<User>> {
    policy::require_staff(&caller)?;
    let email = validate::email(&params.email)?;
    match db::users::by_email(state.db.reader(), &email).await? {
        Some((user, _)) if user.role == Role::Customer => Ok(Json(user)),
        _ => Err(customer_not_found()),
    }
}

/// Invites a customer who has no account: creates it without a password and
/// makes a one-time sign-in link, emailed when a relay is configured (else,
/// or when the relay refuses, given to staff to pass on).
#[utoipa::path(post, path = "/v1/customers", operation_id = "invite_customer", tag = "customers",
    request_body = InviteCustomer,
    responses(
        (status = 201, body = CustomerInvite),
        (status = 403, body = ErrorBody),
        (status = 409, description = "an account has this email", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<InviteCustomer>,
) -> ApiResult<(StatusCode, Json<CustomerInvite>)> {
    policy::require_staff(&caller)?;
    let email = validate::email(&req.email)?;
    let name = validate::text("name", &req.name, validate::MAX_NAME)?;
    let id = Uuid::now_v7();
    let created = db::users::insert(
        state.db.writer(),
        NewUser {
            id,
            email: &email,
            name: &name,
            // No password: `verify_password` refuses an empty hash, so only
            // the link signs in until the customer sets one.
            password_hash: "",
            role: Role::Customer,
            department_id: None,
        },
    )
    .await?;
    if !created {
        return Err(ApiError::conflict(
            "email_taken",
            "an account with this email exists: find the customer instead",
        ));
    }
    let customer = db::users::by_id(state.db.writer(), id)
        .await?
        .ok_or_else(|| ApiError::internal("invited customer vanished"))?;
    let link = new_sign_in_link(&state, id, caller.id()).await?;
    let mailed = match &state.mailer {
        Some(mailer) => Some(
            mailer
                .send_sign_in_link(&email, &name, &caller.user.name, &link)
                .await,
        ),
        None => None,
    };
    if let Some(Err(e)) = &mailed {
        tracing::warn!(error = %e, "the mail relay did not take a sign-in link");
    }
    let emailed = matches!(mailed, Some(Ok(())));
    Ok((
        StatusCode::CREATED,
        Json(CustomerInvite {
            customer,
            emailed,
            // Staff see the link only when it did not go by mail: they can
            // pass it on, but not sign in as a customer who got it by mail.
            sign_in_link: (!emailed).then_some(link),
            mail_error: mailed.and_then(Result::err),
        }),
    ))
}

/// Makes a one-time link that signs `customer` in: an app link carrying the
/// token (and the server's public address, when configured).
async fn new_sign_in_link(state: &AppState, customer: Uuid, by: Uuid) -> ApiResult<String> {
    let (token, token_hash) = auth::new_token();
    db::sign_in_links::insert(
        state.db.writer(),
        &token_hash,
        customer,
        by,
        db::now_micros() + LINK_VALID_MICROS,
    )
    .await?;
    Ok(sign_in_link(state.config.public_url.as_deref(), &token))
}

/// `customerservice://sign-in?token=…[&server=…]`: the apps open it.
pub fn sign_in_link(public_url: Option<&str>, token: &str) -> String {
    let mut link = format!("customerservice://sign-in?token={token}");
    if let Some(server) = public_url {
        link.push_str("&server=");
        link.extend(url_escaped(server));
    }
    link
}

/// Percent-escapes what a query value cannot hold as is.
fn url_escaped(text: &str) -> impl Iterator<Item = char> + '_ {
    text.bytes().flat_map(|b| {
        let plain = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let chars: Vec<char> = if plain {
            vec![b as char]
        } else {
            format!("%{b:02X}").chars().collect()
        };
        chars
    })
}

pub fn customer_not_found() -> ApiError {
    ApiError::not_found("customer_not_found", "no customer has this email or id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_carries_the_token_and_the_escaped_server() {
        assert_eq!(
            sign_in_link(None, "abc"),
            "customerservice://sign-in?token=abc"
        );
        assert_eq!(
            sign_in_link(Some("https://support.example.com:8443/cs"), "abc"),
            "customerservice://sign-in?token=abc&server=https%3A%2F%2Fsupport.example.com%3A8443%2Fcs"
        );
    }
}
