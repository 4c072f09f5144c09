//! Reading standard input whole, with a bound.

use crate::Failure;

/// The most standard input read whole (a message or a webhook body): 16 MiB.
pub const MAX_STDIN: u64 = 16 << 20;

/// Standard input, whole, up to [`MAX_STDIN`] bytes (more is an error, not a cut).
pub async fn read_stdin() -> Result<Vec<u8>, Failure> {
    use tokio::io::AsyncReadExt;
    let mut body = Vec::new();
    tokio::io::stdin()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut body)
        .await
        .map_err(|e| Failure::Message(format!("cannot read standard input: {e}")))?;
    if body.len() as u64 > MAX_STDIN {
        return Err(Failure::Message(format!(
            "standard input is larger than {} MiB",
            MAX_STDIN >> 20
        )));
    }
    Ok(body)
}
