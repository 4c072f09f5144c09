//! What the listing commands share: `--page-size` / `--limit`, and printing the items as they
//! arrive (a JSON line or a table row each).

use crate::output::{Column, Out, Table};
use crate::Failure;
use clap::Args;
use futures::{Stream, StreamExt, TryStreamExt};
use maiagent::pagination::Page;
use maiagent::Listing;

/// How much of a listing to fetch.
#[derive(Debug, Args)]
pub struct Paging {
    /// How many items each page request asks for (the server's default otherwise)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
    /// Stop after this many items (default: every item of every page)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl Paging {
    /// The items of `listing`, fetched `--page-size` at a time, stopping after `--limit`.
    pub fn items<P: Page>(
        &self,
        listing: Listing<P>,
    ) -> impl Stream<Item = Result<P::Item, maiagent::Error>> {
        let listing = match self.page_size {
            Some(n) => listing.page_size(n),
            None => listing,
        };
        listing.items().take(self.limit.unwrap_or(usize::MAX))
    }
}

/// Prints a listing as it arrives: a JSON line per item, or a table row per item.
pub async fn print_listing<T, S, F>(
    out: Out,
    table: &Table,
    items: S,
    row: F,
) -> Result<(), Failure>
where
    T: serde::Serialize,
    S: Stream<Item = Result<T, maiagent::Error>>,
    F: Fn(&T) -> Vec<String>,
{
    futures::pin_mut!(items);
    // The heading comes with the first row (or alone for an empty listing), not before an error.
    let mut headed = out.json;
    while let Some(item) = items.try_next().await? {
        if out.json {
            out.json_line(&item)?;
        } else {
            if !headed {
                table.header(&out)?;
                headed = true;
            }
            table.row(&out, &row(&item))?;
        }
    }
    if !headed {
        table.header(&out)?;
    }
    Ok(())
}

/// The id column: UUID-wide, never cut.
pub fn id_column() -> Column {
    Column {
        title: "ID",
        width: 36,
        truncate: false,
    }
}

/// A text column cut to `width`.
pub fn text_column(title: &'static str, width: usize) -> Column {
    Column {
        title,
        width,
        truncate: true,
    }
}

/// The creation time column.
pub fn time_column() -> Column {
    Column {
        title: "CREATED",
        width: 23,
        truncate: false,
    }
}
