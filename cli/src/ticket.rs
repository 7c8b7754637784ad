//! One ticket: `show`, `open`, `send`, `close`, `set`. Changes go through
//! the core's outbox: confirmed at once when online, queued when not.

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;
use cs_core::{
    CoreError, ProgressListener, Role, SendState, TicketChanges, TicketDetail, TicketStatus,
};

use crate::context::{Ctx, Reach};
use crate::error::{CliError, CliResult};
use crate::output::{self, out};
use crate::values::{self, PriorityArg, StatusArg};

/// The ticket's targets: when each is due and how it stands.
fn sla_lines(sla: &cs_core::TicketSlaInfo) {
    let line = |label: &str, due: Option<i64>, met: Option<i64>, missed: bool| {
        let Some(due) = due else { return };
        let standing = match (met, missed) {
            (Some(at), false) => format!("met {}", output::time(at)),
            (Some(at), true) => format!("missed, met late {}", output::time(at)),
            (None, true) => "missed".into(),
            (None, false) => "open".into(),
        };
        out!("{label}{} ({standing})", output::time(due));
    };
    line(
        "respond by: ",
        sla.first_response_due_ms,
        sla.first_responded_at_ms,
        sla.first_response_breached,
    );
    line(
        "resolve by: ",
        sla.resolution_due_ms,
        sla.resolved_at_ms,
        sla.resolution_breached,
    );
}

pub async fn show(ctx: &mut Ctx, ticket: String) -> CliResult {
    let me = ctx.me()?;
    let reach = ctx.connect().await?;
    let ticket = ctx.resolve_ticket(&ticket).await?;
    if reach == Reach::Online && ticket.number.is_some() {
        // The whole history, in case the ticket became visible after its
        // first messages were synced (best effort: the cache is shown).
        let _ = ctx.client.refresh_ticket(ticket.id.clone()).await;
    }
    let detail = ctx
        .client
        .ticket_detail(ticket.id.clone())?
        .ok_or_else(|| CliError::failed(format!("{} left the cache", ticket.id)))?;
    print_detail(ctx, &me.id, &detail);
    if reach == Reach::Offline {
        output::note("offline: showing the ticket as cached at the last sync");
    }
    Ok(())
}

fn print_detail(ctx: &Ctx, me: &str, detail: &TicketDetail) {
    let t = &detail.ticket;
    // Names as the core knows them (they come with sync); the id otherwise.
    let mut names: HashMap<&str, &str> = HashMap::new();
    let known = [
        (Some(&t.customer_id), &t.customer_name),
        (t.assignee_id.as_ref(), &t.assignee_name),
    ];
    for (id, name) in known {
        if let (Some(id), Some(name)) = (id, name) {
            names.insert(id, name);
        }
    }
    for m in &detail.messages {
        if let Some(name) = &m.author_name {
            names.insert(&m.author_id, name);
        }
    }
    let who = |id: &str| {
        let role = if id == t.customer_id {
            "customer"
        } else {
            "staff"
        };
        if id == me {
            "you".to_string()
        } else if let Some(name) = names.get(id) {
            format!("{name} ({role})")
        } else {
            format!("{role} …{}", output::short_id(id))
        }
    };
    out!("{}  {}", output::number(t), t.subject);
    out!("status:     {}", output::status(t.status));
    out!("priority:   {}", output::priority(t.priority));
    out!("department: {}", ctx.department_name(&t.department_id));
    out!(
        "assignee:   {}",
        t.assignee_id.as_deref().map_or("nobody".into(), who)
    );
    out!("customer:   {}", who(&t.customer_id));
    if let Some(r) = &t.rating {
        match &r.comment {
            Some(comment) => out!("rating:     {}/5 “{comment}”", r.score),
            None => out!("rating:     {}/5", r.score),
        }
    }
    sla_lines(&t.sla);
    out!("created:    {}", output::time(t.created_at_ms));
    out!("updated:    {}", output::time(t.updated_at_ms));
    out!("id:         {}", t.id);
    let marker = output::marker(&t.send_state);
    if !marker.is_empty() {
        out!("state:      {marker}");
    }

    out!("");
    out!("Messages");
    if detail.messages.is_empty() {
        out!("  none");
    }
    for m in &detail.messages {
        let mut head = format!("  {}  {}", output::time(m.created_at_ms), who(&m.author_id));
        if m.internal {
            head.push_str("  (internal note)");
        }
        let marker = output::marker(&m.send_state);
        if !marker.is_empty() {
            head.push_str(&format!("  [{marker}]"));
        }
        out!("{head}");
        for line in m.body.lines() {
            out!("      {line}");
        }
        for a in &m.attachments {
            out!(
                "      attachment: {} ({}, {})",
                a.name,
                output::size(a.size),
                a.content_type
            );
        }
    }

    out!("");
    out!("Timeline");
    if detail.timeline.is_empty() {
        out!("  none");
    }
    // The core describes changes with ids: name what can be named.
    let departments = ctx.client.departments().unwrap_or_default();
    let name = |word: &str| {
        if uuid::Uuid::parse_str(word).is_err() {
            return word.to_string();
        }
        departments
            .iter()
            .find(|d| d.id == word)
            .map_or_else(|| who(word), |d| d.name.clone())
    };
    for e in &detail.timeline {
        let actor = e.actor_id.as_deref().map_or("routing".into(), who);
        let description: Vec<String> = e.description.split(' ').map(name).collect();
        out!(
            "  {}  {actor}: {}",
            output::time(e.created_at_ms),
            description.join(" ")
        );
    }
}

/// Who a ticket is opened for: the user, or (staff) a customer by email,
/// invited with `name` when they have no account.
pub struct OpenFor {
    pub email: Option<String>,
    pub name: Option<String>,
}

pub async fn open(
    ctx: &mut Ctx,
    department: String,
    subject: String,
    body: String,
    on_behalf: OpenFor,
) -> CliResult {
    ctx.me()?;
    ctx.connect().await?;
    let department_id = ctx.resolve_department(&department).await?;
    let ticket = match on_behalf.email {
        None => ctx.client.create_ticket(department_id, subject, body)?,
        Some(email) => {
            let customer = customer(ctx, email, on_behalf.name).await?;
            ctx.client
                .create_ticket_for(customer, department_id, subject, body)?
        }
    };
    let id = ticket.id.clone();
    let settled = ctx
        .settle(|c| Ok(c.ticket_detail(id.clone())?.map(|d| d.ticket.send_state)))
        .await?;
    let confirmed = ctx.client.ticket_detail(id.clone())?.map(|d| d.ticket);
    ctx.report(
        settled,
        &format!("the ticket {:?} (id {id})", ticket.subject),
        || {
            let t = confirmed.as_ref().unwrap_or(&ticket);
            format!("opened {}: {}", output::ticket_ref(t), t.subject)
        },
    )
}

/// The customer with `email`, invited (with `name`) when there is none;
/// says how the invitation's sign-in link reaches them. Needs the server.
async fn customer(ctx: &mut Ctx, email: String, name: Option<String>) -> CliResult<String> {
    match ctx.client.find_customer(email.clone()).await {
        Ok(found) => Ok(found.id),
        Err(CoreError::NotFound { .. }) => {
            let Some(name) = name else {
                return Err(CliError::usage(format!(
                    "no customer has the email {email}: give --name to invite them"
                )));
            };
            let invite = ctx.client.invite_customer(email, name).await?;
            let who = format!("{} <{}>", invite.customer.name, invite.customer.email);
            match (invite.emailed, invite.sign_in_link) {
                (true, _) => out!("invited {who}: their sign-in link was emailed"),
                (false, Some(link)) => {
                    if let Some(e) = invite.mail_error {
                        output::note(format!("the mail relay did not take the link: {e}"));
                    }
                    out!("invited {who}: pass on their one-time sign-in link: {link}");
                }
                (false, None) => out!("invited {who}"),
            }
            Ok(invite.customer.id)
        }
        Err(e) if e.is_retryable() => Err(CliError::failed(
            "offline: finding or inviting the customer needs the server; nothing was opened",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A file to attach, checked before anything is sent.
struct Upload {
    path: String,
    name: String,
    content_type: &'static str,
}

/// What the server accepts, by file extension.
const TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("heic", "image/heic"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
    ("ogg", "audio/ogg"),
    ("wav", "audio/wav"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("csv", "text/csv"),
];

fn check_file(path: &Path) -> CliResult<Upload> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CliError::usage(format!("no such file: {shown}")),
        _ => CliError::usage(format!("cannot read {shown}: {e}")),
    })?;
    if !meta.is_file() {
        return Err(CliError::usage(format!("{shown} is not a file")));
    }
    if meta.len() == 0 {
        return Err(CliError::usage(format!("{shown} is empty")));
    }
    let text = path
        .to_str()
        .ok_or_else(|| CliError::usage(format!("{shown}: the path must be UTF-8")))?;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let known = TYPES
        .iter()
        .find(|(ext, _)| *ext == extension)
        .map(|(_, t)| *t);
    let content_type = match known {
        Some(t) => t,
        None if looks_like_text(path)? => "text/plain",
        None => {
            let accepted: Vec<&str> = TYPES.iter().map(|(ext, _)| *ext).collect();
            return Err(CliError::usage(format!(
                "cannot attach {shown}: the server accepts text and {} files",
                accepted.join(", ")
            )));
        }
    };
    Ok(Upload {
        path: text.to_string(),
        name,
        content_type,
    })
}

/// UTF-8 without NUL bytes in its first 8 KiB.
fn looks_like_text(path: &Path) -> CliResult<bool> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(8192).read_to_end(&mut head))
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    if head.contains(&0) {
        return Ok(false);
    }
    Ok(match std::str::from_utf8(&head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the sample is fine.
        Err(e) => e.error_len().is_none(),
    })
}

/// Upload progress on stderr: redrawn in place at a terminal, else only
/// the final line.
struct Progress {
    name: String,
    terminal: bool,
    shown_percent: AtomicU64,
}

impl ProgressListener for Progress {
    fn on_progress(&self, sent_bytes: u64, total_bytes: u64) {
        if !self.terminal {
            return;
        }
        let percent = sent_bytes
            .saturating_mul(100)
            .checked_div(total_bytes)
            .unwrap_or(100);
        if self.shown_percent.swap(percent, Ordering::Relaxed) == percent {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[Kcs: uploading {}: {percent}% ({} of {})",
            self.name,
            output::size(sent_bytes as i64),
            output::size(total_bytes as i64)
        );
        let _ = err.flush();
    }
}

pub async fn send(
    ctx: &mut Ctx,
    ticket: String,
    body: Option<String>,
    attach: Vec<PathBuf>,
    internal: bool,
) -> CliResult {
    let uploads = attach
        .iter()
        .map(|p| check_file(p))
        .collect::<CliResult<Vec<_>>>()?;
    let body = body.unwrap_or_default();
    if body.trim().is_empty() && uploads.is_empty() {
        return Err(CliError::usage(
            "nothing to send: give a BODY, or files with --attach",
        ));
    }
    ctx.me()?;
    let reach = ctx.connect().await?;
    let ticket = ctx.resolve_ticket(&ticket).await?;
    let mut attachment_ids = Vec::new();
    if !uploads.is_empty() && reach == Reach::Offline {
        return Err(CliError::failed(
            "offline: attachments are uploaded at once and the server cannot be reached; \
             nothing was sent",
        ));
    }
    let terminal = std::io::stderr().is_terminal();
    for upload in uploads {
        let progress = Arc::new(Progress {
            name: upload.name.clone(),
            terminal,
            shown_percent: AtomicU64::new(u64::MAX),
        });
        let result = ctx
            .client
            .upload_file(
                upload.path.clone(),
                upload.content_type.to_string(),
                Some(progress),
            )
            .await;
        if terminal {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
        let file = result.map_err(|e| {
            CliError::from(e).map(|m| format!("uploading {}: {m}; nothing was sent", upload.path))
        })?;
        output::note(format!(
            "uploaded {} ({})",
            file.name,
            output::size(file.size)
        ));
        attachment_ids.push(file.id);
    }
    let message = ctx
        .client
        .send_message(ticket.id.clone(), body, attachment_ids, internal)?;
    let (ticket_id, message_id) = (ticket.id.clone(), message.id.clone());
    let settled = ctx
        .settle(|c| {
            Ok(c.ticket_detail(ticket_id.clone())?.and_then(|d| {
                d.messages
                    .into_iter()
                    .find(|m| m.id == message_id)
                    .map(|m| m.send_state)
            }))
        })
        .await?;
    let what = if internal {
        "the internal note"
    } else {
        "the message"
    };
    ctx.report(settled, what, || {
        format!("sent to {}", output::ticket_ref(&ticket))
    })
}

pub async fn close(ctx: &mut Ctx, ticket: String) -> CliResult {
    ctx.me()?;
    ctx.connect().await?;
    let ticket = ctx.resolve_ticket(&ticket).await?;
    if ticket.status == TicketStatus::Closed && ticket.send_state == SendState::Sent {
        out!("{} is already closed", output::ticket_ref(&ticket));
        return Ok(());
    }
    ctx.client.close_ticket(ticket.id.clone())?;
    let settled = ticket_settled(ctx, &ticket.id).await?;
    let what = format!("closing {}", output::ticket_ref(&ticket));
    ctx.report(settled, &what, || {
        format!("closed {}", output::ticket_ref(&ticket))
    })
}

/// The customer rates their resolved ticket, once.
pub async fn rate(ctx: &mut Ctx, ticket: String, score: u8, comment: Option<String>) -> CliResult {
    ctx.me()?;
    ctx.connect().await?;
    let ticket = ctx.resolve_ticket(&ticket).await?;
    ctx.client.rate_ticket(ticket.id.clone(), score, comment)?;
    let settled = ticket_settled(ctx, &ticket.id).await?;
    let what = format!("rating {}", output::ticket_ref(&ticket));
    ctx.report(settled, &what, || {
        format!("rated {} {score}/5", output::ticket_ref(&ticket))
    })
}

#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    /// The ticket: its number or its id.
    pub ticket: String,
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    #[arg(long, value_enum)]
    pub priority: Option<PriorityArg>,
    /// Assign to a colleague (or yourself).
    #[arg(long, value_name = "ID|me", value_parser = values::assignee, conflicts_with = "unassign")]
    pub assign: Option<String>,
    /// Remove the assignee.
    #[arg(long)]
    pub unassign: bool,
    /// Transfer to another department (id or name); this unassigns it.
    #[arg(long, value_name = "ID|NAME")]
    pub department: Option<String>,
}

pub async fn set(ctx: &mut Ctx, args: SetArgs) -> CliResult {
    if args.status.is_none()
        && args.priority.is_none()
        && args.assign.is_none()
        && !args.unassign
        && args.department.is_none()
    {
        return Err(CliError::usage(
            "nothing to change: give --status, --priority, --assign, --unassign or --department",
        ));
    }
    let me = ctx.me()?;
    let only_closing = args.status == Some(StatusArg::Closed)
        && args.priority.is_none()
        && args.assign.is_none()
        && !args.unassign
        && args.department.is_none();
    if me.role == Role::Customer && !only_closing {
        return Err(CliError::usage(
            "only staff change tickets this way; customers can `cs close TICKET`",
        ));
    }
    ctx.connect().await?;
    let ticket = ctx.resolve_ticket(&args.ticket).await?;
    let department_id = match &args.department {
        Some(d) => Some(ctx.resolve_department(d).await?),
        None => None,
    };
    let assignee_id = args
        .assign
        .map(|a| if a == "me" { me.id.clone() } else { a });
    let changes = TicketChanges {
        status: args.status.map(Into::into),
        priority: args.priority.map(Into::into),
        assignee_id,
        unassign: args.unassign,
        department_id,
    };
    ctx.client.update_ticket(ticket.id.clone(), changes)?;
    let settled = ticket_settled(ctx, &ticket.id).await?;
    let what = format!("the change to {}", output::ticket_ref(&ticket));
    ctx.report(settled, &what, || {
        format!("updated {}", output::ticket_ref(&ticket))
    })
}

async fn ticket_settled(ctx: &mut Ctx, id: &str) -> CliResult<crate::context::Settled> {
    let id = id.to_string();
    ctx.settle(|c| Ok(c.ticket_detail(id.clone())?.map(|d| d.ticket.send_state)))
        .await
}
