//! `register`, `login`, `logout`, `whoami`, `status`: the session kept in
//! the data directory.

use std::io::{BufRead, IsTerminal};

use cs_core::{CoreError, UserInfo};

use crate::context::{Ctx, Reach};
use crate::error::{CliError, CliResult};
use crate::output::{self, out};
use crate::values::StaffStatusArg;

/// The password from `--password`/`CS_PASSWORD`, else asked for: hidden at
/// a terminal (twice when `confirm`), else one line read from stdin.
fn password(given: Option<String>, confirm: bool) -> CliResult<String> {
    let password = match given {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            let first = rpassword::prompt_password("Password: ")
                .map_err(|e| CliError::failed(format!("cannot read the password: {e}")))?;
            if confirm && !first.is_empty() {
                let again = rpassword::prompt_password("Password again: ")
                    .map_err(|e| CliError::failed(format!("cannot read the password: {e}")))?;
                if again != first {
                    return Err(CliError::usage("the two passwords differ"));
                }
            }
            first
        }
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| CliError::failed(format!("cannot read the password: {e}")))?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    if password.is_empty() {
        return Err(CliError::usage(
            "no password given (use --password, CS_PASSWORD, or type it when asked)",
        ));
    }
    Ok(password)
}

/// Signing in as someone else empties the cache, outbox included: refuse
/// while the current user's changes still wait.
fn check_switch(ctx: &Ctx, email: &str) -> CliResult {
    let Some(current) = ctx.client.current_user() else {
        return Ok(());
    };
    let pending = ctx.client.pending_count()?;
    if pending > 0 && !current.email.eq_ignore_ascii_case(email.trim()) {
        return Err(CliError::failed(format!(
            "{pending} change(s) by {} still wait for the server and would be lost: \
             run `cs outbox` online first, or `cs logout --force`",
            current.email
        )));
    }
    Ok(())
}

pub async fn register(
    ctx: &mut Ctx,
    email: String,
    name: String,
    given: Option<String>,
) -> CliResult {
    check_switch(ctx, &email)?;
    let password = password(given, true)?;
    let me = ctx.client.register(email, password, name).await?;
    // Cached for `open DEPARTMENT-NAME` offline (best effort).
    let _ = ctx.client.refresh_departments().await;
    out!(
        "registered and signed in as {} <{}> ({})",
        me.name,
        me.email,
        output::role(me.role)
    );
    Ok(())
}

pub async fn login(ctx: &mut Ctx, email: String, given: Option<String>) -> CliResult {
    check_switch(ctx, &email)?;
    let password = password(given, false)?;
    let signed_in = ctx.client.sign_in(email, password).await;
    report_sign_in(ctx, signed_in).await
}

/// Signs in with a one-time link from support (an invited customer).
pub async fn link(ctx: &mut Ctx, link: String) -> CliResult {
    let signed_in = ctx.client.sign_in_with_link(link).await;
    report_sign_in(ctx, signed_in).await
}

/// Says who is signed in, or why the server refused.
async fn report_sign_in(ctx: &mut Ctx, signed_in: Result<UserInfo, CoreError>) -> CliResult {
    let me = signed_in.map_err(|e| match e {
        CoreError::Unauthorized { message } => {
            CliError::failed(format!("sign-in refused: {message}"))
        }
        other => other.into(),
    })?;
    let _ = ctx.client.refresh_departments().await;
    out!(
        "signed in as {} <{}> ({})",
        me.name,
        me.email,
        output::role(me.role)
    );
    Ok(())
}

pub async fn logout(ctx: &mut Ctx, force: bool) -> CliResult {
    let Some(me) = ctx.client.current_user() else {
        out!("not signed in");
        return Ok(());
    };
    if !force {
        let left = ctx.drain().await?;
        if left > 0 {
            return Err(CliError::failed(format!(
                "{left} change(s) still wait for the server and would be lost: \
                 run `cs outbox` online first, or `cs logout --force`"
            )));
        }
    }
    ctx.client.sign_out().await?;
    out!("signed out {}", me.email);
    Ok(())
}

pub fn whoami(ctx: &Ctx) -> CliResult {
    let me = ctx.me()?;
    out!("{} <{}>", me.name, me.email);
    out!("role:       {}", output::role(me.role));
    if let Some(dept) = &me.department_id {
        out!("department: {}", ctx.department_name(dept));
    }
    if let Some(status) = me.status {
        out!("status:     {}", output::staff_status(status));
    }
    out!("id:         {}", me.id);
    out!("server:     {}", ctx.server);
    out!("data:       {}", ctx.data_dir);
    Ok(())
}

pub async fn status(ctx: &mut Ctx, status: StaffStatusArg) -> CliResult {
    ctx.me()?;
    if ctx.connect().await? == Reach::Offline {
        return Err(CliError::failed(
            "offline: the server cannot be reached (the status is set on the server at once, \
             it is not queued)",
        ));
    }
    let me = ctx.client.set_status(status.into()).await?;
    let now = me.status.map_or("unknown", output::staff_status);
    out!("{} is now {now}", me.name);
    Ok(())
}
