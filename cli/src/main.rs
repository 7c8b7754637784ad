//! `cs`: the terminal client of Customer Service, for operators, demos and
//! end-to-end tests. It is a thin shell over the shared client core, like
//! the mobile apps: reads come from the offline cache after a short wait for
//! sync, changes go through the outbox (sent at once when online, queued
//! when not and sent by the next run online).
//!
//! | module | commands |
//! |---|---|
//! | `account` | `register`, `login`, `link`, `logout`, `whoami`, `status` |
//! | `departments` | `departments` |
//! | `list` | `tickets`, `watch` |
//! | `ticket` | `show`, `open`, `send`, `close`, `set` |
//! | `canned` | `canned list`, `add`, `edit`, `rm`, `fill` |
//! | `sla` | `sla show`, `sla set` |
//! | `outbox` | `outbox` |
//! | `call` | `call`, `answer`, `decline` |
//! | `call_audio` | a call's WAV/tone source, recording and analyser; `tone` |
//! | `context` | one run: the `Client`, the wait for the server, lookups |
//! | `output` | tables, labels, stdout that survives a closed pipe |
//!
//! Exit codes: 0 done (or queued offline), 1 failed, 2 usage error.

mod account;
mod call;
mod call_audio;
mod canned;
mod context;
mod departments;
mod error;
mod list;
mod outbox;
mod output;
mod report;
mod sla;
mod ticket;
mod values;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::context::Ctx;
use crate::error::{CliError, CliResult};

#[derive(Debug, Parser)]
#[command(
    name = "cs",
    version,
    about = "Customer Service from the terminal: tickets, messages, calls and the offline outbox",
    after_help = "Changes made while the server is unreachable are queued in the data \
                  directory and sent by the next command run online.\n\
                  Exit codes: 0 done (or queued), 1 failed, 2 usage error."
)]
struct Cli {
    /// The server's URL.
    #[arg(
        long,
        global = true,
        env = "CS_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// Where the session token, the cache and the outbox live
    /// [default: ~/.local/share/cs].
    #[arg(long, global = true, env = "CS_CLI_DATA", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Where call audio binds, comma-separated (`127.0.0.1:0` on a machine
    /// with loopback only) [default: every interface].
    #[arg(
        long,
        global = true,
        env = "CS_CALL_BIND",
        value_name = "IP:PORT,…",
        value_delimiter = ',',
        value_parser = values::bind_address
    )]
    call_bind: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a customer account and sign in.
    Register {
        email: String,
        name: String,
        /// The password (visible to other local users in the process list:
        /// prefer CS_PASSWORD or the prompt).
        #[arg(long, env = "CS_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Sign in.
    Login {
        email: String,
        /// The password (prefer CS_PASSWORD or the prompt).
        #[arg(long, env = "CS_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Sign in with the one-time link support sent you.
    Link { link: String },
    /// Sign out and forget the cache.
    Logout {
        /// Sign out even if changes still wait to be sent (they are lost).
        #[arg(long)]
        force: bool,
    },
    /// Show who is signed in.
    Whoami,
    /// List the departments.
    Departments,
    /// List tickets (from the cache, after a short wait for sync).
    Tickets(list::ListArgs),
    /// List tickets again at every change, until Ctrl-C.
    Watch(list::ListArgs),
    /// Show a ticket with its messages and timeline.
    Show {
        /// The ticket: its number or its id.
        ticket: String,
    },
    /// Open a ticket (staff: for a customer, with --for).
    Open {
        /// The department: its id or its name.
        department: String,
        subject: String,
        body: String,
        /// Staff: open it on behalf of the customer with this email.
        #[arg(long = "for", value_name = "EMAIL")]
        for_email: Option<String>,
        /// With --for: invite the customer under this name when they have
        /// no account (they get a one-time sign-in link).
        #[arg(long, requires = "for_email")]
        name: Option<String>,
    },
    /// Send a message on a ticket, with attachments.
    Send {
        /// The ticket: its number or its id.
        ticket: String,
        /// The message (optional when attaching files).
        body: Option<String>,
        /// Files to attach (uploaded first; needs the server).
        #[arg(long, value_name = "FILE", num_args = 1..)]
        attach: Vec<PathBuf>,
        /// A note for staff only.
        #[arg(long)]
        internal: bool,
        /// Send this canned reply (its id or title), filled in for the
        /// ticket, instead of a BODY.
        #[arg(long, value_name = "REPLY", conflicts_with = "body")]
        canned: Option<String>,
    },
    /// The department's canned replies (staff).
    Canned {
        #[command(subcommand)]
        command: canned::CannedCommand,
    },
    /// The department's service-level targets (staff; supervisors set them).
    Sla {
        #[command(subcommand)]
        command: sla::SlaCommand,
    },
    /// The department's daily report (supervisors, admins).
    Report(report::ReportArgs),
    /// Close a ticket.
    Close {
        /// The ticket: its number or its id.
        ticket: String,
    },
    /// Rate your resolved ticket, 1 (very unhappy) to 5 (very happy), once.
    Rate {
        /// The ticket: its number or its id.
        ticket: String,
        #[arg(value_parser = clap::value_parser!(u8).range(1..=5))]
        score: u8,
        /// What went well, or did not.
        comment: Option<String>,
    },
    /// Change a ticket's status, priority, assignee or department (staff).
    Set(ticket::SetArgs),
    /// Switch yourself active (taking new tickets) or off (staff).
    Status {
        #[arg(value_enum)]
        status: values::StaffStatusArg,
    },
    /// Show what waits for the server and what it refused.
    Outbox {
        /// Queue the refused changes again: all of them, or the one with this ID.
        #[arg(long, value_name = "ID", num_args = 0..=1, conflicts_with = "discard")]
        retry: Option<Option<i64>>,
        /// Drop the refused changes (a refused new ticket or message is
        /// removed): all of them, or the one with this ID.
        #[arg(long, value_name = "ID", num_args = 0..=1)]
        discard: Option<Option<i64>>,
    },
    /// Call about a ticket: staff call its customer, a customer calls
    /// support. Prints the call's phases, then a summary.
    Call {
        /// The ticket: its number or its id.
        ticket: String,
        #[command(flatten)]
        talk: call::TalkArgs,
    },
    /// Answer a call ringing this device: the given one, or the next.
    Answer {
        #[command(flatten)]
        incoming: call::IncomingArgs,
        #[command(flatten)]
        talk: call::TalkArgs,
    },
    /// Decline a call ringing this device: the given one, or the next.
    Decline {
        #[command(flatten)]
        incoming: call::IncomingArgs,
    },
    /// Write a test tone to a WAV file (48 kHz mono 16-bit), for --play.
    Tone {
        #[arg(value_parser = values::tone_hz)]
        hz: f64,
        /// Its length.
        #[arg(long, value_name = "N", value_parser = values::seconds)]
        seconds: std::time::Duration,
        /// The WAV file to write.
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output::note(format!("cannot start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::note(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Help and version as clap prints them; any other parse error as one line
/// on stderr, exit 2.
fn clap_exit(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            output::note(one_line(&e.render().to_string()));
            ExitCode::from(2)
        }
    }
}

/// clap's first line, with the possible values or tip that follow it.
fn one_line(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut text = lines
        .next()
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ")
        .to_string();
    for extra in lines {
        if extra.starts_with("[possible values") || extra.starts_with("tip:") {
            text.push(' ');
            text.push_str(extra);
        }
    }
    text.push_str(" (see `cs --help`)");
    text
}

fn default_data_dir() -> CliResult<PathBuf> {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => Ok(PathBuf::from(home).join(".local/share/cs")),
        _ => Err(CliError::usage(
            "no data directory: give --data-dir DIR or set CS_CLI_DATA (HOME is not set)",
        )),
    }
}

async fn run(cli: Cli) -> CliResult {
    // Needs neither the data directory nor the server.
    if let Command::Tone { hz, seconds, out } = &cli.command {
        return call_audio::write_tone(*hz, *seconds, out);
    }
    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    let mut ctx = Ctx::open(&cli.server, &data_dir)?;
    let c = &mut ctx;
    match cli.command {
        Command::Register {
            email,
            name,
            password,
        } => account::register(c, email, name, password).await?,
        Command::Login { email, password } => account::login(c, email, password).await?,
        Command::Link { link } => account::link(c, link).await?,
        Command::Logout { force } => {
            // Signed out: nothing left to drain.
            return account::logout(c, force).await;
        }
        Command::Whoami => account::whoami(c)?,
        Command::Departments => departments::departments(c).await?,
        Command::Tickets(args) => list::tickets(c, args).await?,
        Command::Watch(args) => list::watch(c, args).await?,
        Command::Show { ticket } => ticket::show(c, ticket).await?,
        Command::Open {
            department,
            subject,
            body,
            for_email,
            name,
        } => {
            let on_behalf = ticket::OpenFor {
                email: for_email,
                name,
            };
            ticket::open(c, department, subject, body, on_behalf).await?
        }
        Command::Send {
            ticket,
            body,
            attach,
            internal,
            canned,
        } => {
            let body = match canned {
                Some(reply) => Some(canned::filled(c, &reply, &ticket).await?),
                None => body,
            };
            ticket::send(c, ticket, body, attach, internal).await?
        }
        Command::Canned { command } => canned::canned(c, command).await?,
        Command::Sla { command } => sla::sla(c, command).await?,
        Command::Report(args) => report::report(c, args).await?,
        Command::Close { ticket } => ticket::close(c, ticket).await?,
        Command::Rate {
            ticket,
            score,
            comment,
        } => ticket::rate(c, ticket, score, comment).await?,
        Command::Set(args) => ticket::set(c, args).await?,
        Command::Status { status } => account::status(c, status).await?,
        Command::Call { ticket, talk } => call::call(c, ticket, talk, &cli.call_bind).await?,
        Command::Answer { incoming, talk } => {
            call::answer(c, incoming, talk, &cli.call_bind).await?
        }
        Command::Decline { incoming } => call::decline(c, incoming, &cli.call_bind).await?,
        Command::Tone { .. } => unreachable!("handled above"),
        Command::Outbox { retry, discard } => {
            outbox::outbox(
                c,
                outbox::Which::from_arg(retry),
                outbox::Which::from_arg(discard),
            )
            .await?
        }
    }
    ctx.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parse_errors_fit_on_one_line() {
        let e = Cli::try_parse_from(["cs", "tickets", "--status", "opened"]).unwrap_err();
        let line = one_line(&e.render().to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("opened"), "{line}");
        assert!(line.contains("in_progress"), "{line}");
    }

    #[test]
    fn statuses_are_comma_separated() {
        let cli = Cli::try_parse_from(["cs", "tickets", "--status", "open,in-progress"]).unwrap();
        let Command::Tickets(args) = cli.command else {
            panic!("{:?}", cli.command)
        };
        assert_eq!(
            args.status,
            [values::StatusArg::Open, values::StatusArg::InProgress]
        );
    }
}
