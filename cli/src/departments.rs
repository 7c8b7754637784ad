//! `departments`: where tickets can be opened.

use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::{self, out};

pub async fn departments(ctx: &mut Ctx) -> CliResult {
    ctx.me()?;
    let (list, fresh) = ctx.departments().await?;
    if list.is_empty() {
        out!("no departments");
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|d| vec![d.name.clone(), d.id.clone()])
            .collect();
        out!("{}", output::table(&["NAME", "ID"], &rows));
    }
    if !fresh {
        output::note("offline: showing the departments cached at the last run online");
    }
    Ok(())
}
