//! `canned`: the department's canned replies. Everyone on staff lists them
//! and fills one in for a ticket (`cs send TICKET --canned TITLE` sends it);
//! supervisors and admins add, edit and remove them.

use clap::Subcommand;
use cs_core::CannedReplyItem;

use crate::context::{Ctx, Reach};
use crate::error::{CliError, CliResult};
use crate::output::{self, out};

#[derive(Debug, Subcommand)]
pub enum CannedCommand {
    /// List the replies whose title contains QUERY (all without one).
    List { query: Option<String> },
    /// Add a reply. Its body may hold {customer_name}, {ticket_number} and
    /// {agent_name}, filled in for the ticket it is sent to.
    Add {
        title: String,
        body: String,
        /// The department (admins): its id or its name.
        #[arg(long)]
        department: Option<String>,
    },
    /// Change a reply's title or body.
    Edit {
        /// The reply: its id or its title.
        reply: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        body: Option<String>,
    },
    /// Remove a reply.
    Rm {
        /// The reply: its id or its title.
        reply: String,
    },
    /// Print a reply filled in for a ticket, to edit before sending.
    Fill {
        /// The reply: its id or its title.
        reply: String,
        /// The ticket: its number or its id.
        ticket: String,
    },
}

pub async fn canned(ctx: &mut Ctx, command: CannedCommand) -> CliResult {
    ctx.me()?;
    match command {
        CannedCommand::List { query } => list(ctx, query.unwrap_or_default()).await,
        CannedCommand::Add {
            title,
            body,
            department,
        } => {
            let department = match department {
                Some(d) => Some(ctx.resolve_department(&d).await?),
                None => None,
            };
            online(ctx, "adding a canned reply").await?;
            let reply = ctx
                .client
                .create_canned_reply(department, title, body)
                .await?;
            out!("added {:?} ({})", reply.title, reply.id);
            Ok(())
        }
        CannedCommand::Edit { reply, title, body } => {
            if title.is_none() && body.is_none() {
                return Err(CliError::usage("nothing to change: give --title or --body"));
            }
            online(ctx, "editing a canned reply").await?;
            let reply = find(ctx, &reply)?;
            let edited = ctx
                .client
                .update_canned_reply(reply.id, title, body)
                .await?;
            out!("edited {:?}", edited.title);
            Ok(())
        }
        CannedCommand::Rm { reply } => {
            online(ctx, "removing a canned reply").await?;
            let reply = find(ctx, &reply)?;
            ctx.client.delete_canned_reply(reply.id).await?;
            out!("removed {:?}", reply.title);
            Ok(())
        }
        CannedCommand::Fill { reply, ticket } => {
            out!("{}", filled(ctx, &reply, &ticket).await?);
            Ok(())
        }
    }
}

/// A reply's text filled in for a ticket (from the cache: works offline).
pub async fn filled(ctx: &mut Ctx, reply: &str, ticket: &str) -> CliResult<String> {
    ctx.connect().await?;
    let ticket = ctx.resolve_ticket(ticket).await?;
    let reply = find(ctx, reply)?;
    Ok(ctx.client.fill_canned_reply(reply.id, ticket.id)?)
}

async fn list(ctx: &mut Ctx, query: String) -> CliResult {
    let reach = ctx.connect().await?;
    let replies = ctx.client.canned_replies(None, query.clone())?;
    if replies.is_empty() {
        if query.is_empty() {
            out!("no canned replies");
        } else {
            out!("no canned reply's title contains {query:?}");
        }
    } else {
        let rows: Vec<Vec<String>> = replies
            .iter()
            .map(|r| {
                vec![
                    r.title.clone(),
                    ctx.department_name(&r.department_id),
                    output::truncate(&r.body.replace('\n', " "), 50),
                    r.id.clone(),
                ]
            })
            .collect();
        out!(
            "{}",
            output::table(&["TITLE", "DEPARTMENT", "BODY", "ID"], &rows)
        );
    }
    if reach == Reach::Offline {
        output::note("offline: showing the canned replies cached at the last run online");
    }
    Ok(())
}

/// Managing replies needs the server: say so plainly when it is away.
pub async fn online(ctx: &mut Ctx, what: &str) -> CliResult {
    match ctx.connect().await? {
        Reach::Online => Ok(()),
        Reach::Offline => Err(CliError::failed(format!(
            "offline: {what} needs the server, which cannot be reached; nothing was changed"
        ))),
    }
}

/// A cached reply by id, exact title (any case), or the one title that
/// contains `arg`.
fn find(ctx: &Ctx, arg: &str) -> CliResult<CannedReplyItem> {
    let arg = arg.trim();
    let all = ctx.client.canned_replies(None, String::new())?;
    if let Some(r) = all
        .iter()
        .find(|r| r.id == arg || r.title.to_lowercase() == arg.to_lowercase())
    {
        return Ok(r.clone());
    }
    let mut matching = ctx.client.canned_replies(None, arg.to_string())?;
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => Err(CliError::usage(format!(
            "no canned reply {arg:?} (see `cs canned list`)"
        ))),
        _ => {
            let titles: Vec<String> = matching.iter().map(|r| format!("{:?}", r.title)).collect();
            Err(CliError::usage(format!(
                "{arg:?} names several canned replies: {}",
                titles.join(", ")
            )))
        }
    }
}
