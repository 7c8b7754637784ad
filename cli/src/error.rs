//! The one error a command ends with: one line on stderr and an exit code.
//!
//! - `Usage` (exit 2): what was typed is wrong: an unknown status or
//!   department, a ticket that is not there, a file that does not exist, a
//!   field the core refuses (an empty subject).
//! - `Failed` (exit 1): the command was fine but could not be done: not
//!   signed in, the server refused or cannot be reached when it is needed,
//!   the local cache failed.

use std::fmt;

use cs_core::CoreError;

#[derive(Debug)]
pub enum CliError {
    Usage(String),
    Failed(String),
}

pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    pub fn failed(message: impl Into<String>) -> Self {
        CliError::Failed(message.into())
    }

    /// The same kind of error, its message rewritten.
    pub fn map(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            CliError::Usage(m) => CliError::Usage(f(m)),
            CliError::Failed(m) => CliError::Failed(f(m)),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Failed(m) => f.write_str(m),
        }
    }
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid { message } => CliError::Usage(message),
            CoreError::Unauthorized { message } => CliError::Failed(format!(
                "not signed in: {message} (run `cs login EMAIL` or `cs register EMAIL NAME`)"
            )),
            CoreError::SignedOut { message } => {
                CliError::Failed(format!("signed out: {message} (run `cs login EMAIL`)"))
            }
            other => CliError::Failed(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Failed(e.to_string())
    }
}
