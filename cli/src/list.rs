//! `tickets` and `watch`: the ticket list from the cache, once or at every
//! change.

use std::io::IsTerminal;
use std::sync::Arc;

use clap::Args;
use cs_core::{SyncState, SyncStateListener, TicketFilter, TicketItem, TicketListListener};
use tokio::sync::mpsc;

use crate::context::{Ctx, Reach};
use crate::error::CliResult;
use crate::output::{self, out};
use crate::values::{self, PriorityArg, SlaArg, SortArg, StatusArg};

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only these statuses, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS,…")]
    pub status: Vec<StatusArg>,
    /// Only these priorities, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PRIORITY,…")]
    pub priority: Vec<PriorityArg>,
    /// Only tickets assigned to this person.
    #[arg(long, value_name = "me|unassigned|ID", value_parser = values::assignee_filter)]
    pub assignee: Option<String>,
    /// Only tickets of this department (id or name).
    #[arg(long, value_name = "ID|NAME")]
    pub department: Option<String>,
    /// Words the subject must contain.
    #[arg(long, value_name = "WORDS")]
    pub query: Option<String>,
    /// How to order the list.
    #[arg(long, value_enum, default_value = "updated")]
    pub sort: SortArg,
    /// Only tickets at risk of missing a service-level target, or that missed one.
    #[arg(long, value_enum)]
    pub sla: Option<SlaArg>,
    /// How many tickets to show at most.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
}

impl ListArgs {
    async fn filter(&self, ctx: &mut Ctx) -> CliResult<TicketFilter> {
        let department_id = match &self.department {
            Some(d) => Some(ctx.resolve_department(d).await?),
            None => None,
        };
        Ok(TicketFilter {
            statuses: self.status.iter().map(|s| (*s).into()).collect(),
            priorities: self.priority.iter().map(|p| (*p).into()).collect(),
            assignee: self.assignee.clone(),
            department_id,
            query: self.query.clone(),
            sort: Some(self.sort.into()),
            sla: self.sla.map(Into::into),
        })
    }
}

pub async fn tickets(ctx: &mut Ctx, args: ListArgs) -> CliResult {
    ctx.me()?;
    let reach = ctx.connect().await?;
    let filter = args.filter(ctx).await?;
    let list = ctx.client.tickets(filter, args.limit)?;
    out!("{}", output::ticket_table(&list));
    if reach == Reach::Offline {
        output::note("offline: showing the tickets cached at the last sync");
    }
    Ok(())
}

enum Event {
    List(Vec<TicketItem>),
    State(SyncState),
}

struct Updates(mpsc::UnboundedSender<Event>);

impl TicketListListener for Updates {
    fn on_update(&self, tickets: Vec<TicketItem>) {
        let _ = self.0.send(Event::List(tickets));
    }
}

impl SyncStateListener for Updates {
    fn on_state(&self, state: SyncState) {
        let _ = self.0.send(Event::State(state));
    }
}

/// Prints the list now and again at every change, until Ctrl-C. At a
/// terminal the screen is redrawn; into a pipe each version is appended
/// after a header line.
pub async fn watch(ctx: &mut Ctx, args: ListArgs) -> CliResult {
    ctx.me()?;
    // Start from a synced list when the server is there.
    ctx.connect().await?;
    let filter = args.filter(ctx).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let updates = Arc::new(Updates(tx));
    let _state_handle = ctx.client.observe_sync_state(updates.clone());
    let _list_handle = ctx.client.observe_tickets(filter, args.limit, updates);
    let terminal = std::io::stdout().is_terminal();
    let mut state = ctx.client.sync_state();
    let mut list: Option<Vec<TicketItem>> = None;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(Event::List(tickets)) => {
                    list = Some(tickets);
                    render(terminal, state, list.as_deref());
                }
                Some(Event::State(now)) if now != state => {
                    state = now;
                    if terminal {
                        render(terminal, state, list.as_deref());
                    } else {
                        out!("-- {}", output::sync_state(state));
                    }
                }
                Some(Event::State(_)) => {}
                None => break,
            },
            _ = &mut ctrl_c => break,
        }
    }
    Ok(())
}

fn render(terminal: bool, state: SyncState, list: Option<&[TicketItem]>) {
    let Some(list) = list else { return };
    let now = chrono::Local::now().format("%H:%M:%S");
    let state = output::sync_state(state);
    if terminal {
        // Clear the screen and go home.
        out!(
            "\x1b[2J\x1b[H{now}  {state}  {} ticket(s)  (Ctrl-C to stop)\n\n{}",
            list.len(),
            output::ticket_table(list)
        );
    } else {
        out!(
            "-- {now} {state}, {} ticket(s)\n{}",
            list.len(),
            output::ticket_table(list)
        );
    }
}
