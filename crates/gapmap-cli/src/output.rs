//! Writing to stdout and stderr without panicking when the reader has gone
//! (`gapmap check … 2>&1 | head -1`, `gapmap export --out - … | head -c 10`).
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with
//! `BrokenPipe`, and `println!`/`eprintln!` turn that into a panic (exit
//! 101). Every line the CLI prints goes through [`say!`] (stderr) or
//! [`out!`] (stdout) instead: a closed stream means nobody reads what
//! follows, so the line is dropped and the command carries on to its
//! normal exit status. Bulk output to stdout (`--out -`) stops at a closed
//! pipe and ends quietly ([`is_broken_pipe`]).

use std::fmt;
use std::io::Write;

/// Write one line to stderr; a closed stderr drops it.
pub fn stderr_line(args: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// Write one line to stdout and flush it; a closed stdout drops it.
pub fn stdout_line(args: fmt::Arguments<'_>) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{args}").and_then(|()| o.flush());
}

/// Whether an error is the reader of our output having gone away.
pub fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// `eprintln!` that cannot panic.
macro_rules! say {
    ($($t:tt)*) => { $crate::output::stderr_line(format_args!($($t)*)) };
}

/// `println!` that cannot panic.
macro_rules! out {
    ($($t:tt)*) => { $crate::output::stdout_line(format_args!($($t)*)) };
}

pub(crate) use {out, say};
