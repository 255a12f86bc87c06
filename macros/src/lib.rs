//! `#[spindle::main]` and `#[spindle::test]`: attribute macros that turn an `async fn`
//! into a plain `fn` running its body on a fresh spindle runtime.
//!
//! Use them through spindle (`features = ["macros"]`), never from this crate directly:
//!
//! ```ignore
//! #[spindle::main(flavor = "multi_thread", worker_threads = 2)]
//! async fn main() -> std::io::Result<()> {
//!     Ok(())
//! }
//! ```
//!
//! The expansion is small on purpose (the whole of it, for `main`):
//!
//! ```ignore
//! fn main() -> std::io::Result<()> {
//!     let body = async move { Ok(()) };
//!     ::spindle::macros::entry::runtime(::spindle::macros::entry::Flavor::MultiThread, Some(2))
//!         .block_on(body)
//! }
//! ```
//!
//! It names only `::spindle::macros::entry`, a `#[doc(hidden)]` module of spindle, so the
//! user needs no other import and the runtime's builder calls stay inside spindle, where
//! they are type-checked with the rest of it. The function's own attributes, visibility,
//! signature (minus `async`) and body are kept with their spans, so a type error inside
//! the body points at the user's line, not at the macro.
//!
//! Two steps, one file each: [`args`] parses the attribute's arguments into a
//! [`Config`](args::Config), [`entry`] checks the function and writes the expansion.
//! Learned from tokio-macros' `entry.rs` (the same two steps); the code is our own.

mod args;
mod entry;

use proc_macro::TokenStream;

/// Runs an `async fn main` on a spindle runtime.
///
/// Arguments (all optional): `flavor = "multi_thread"` (the default) or
/// `"current_thread"`, and `worker_threads = N` (multi-thread only; default: one per
/// core). The function keeps its return type, so `-> std::io::Result<()>` and `?` work.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, attr.into(), item.into()).into()
}

/// Runs an `async fn` test on a fresh spindle runtime, one per test.
///
/// Arguments as for [`main`]; the default flavor here is `"current_thread"`, as tokio's,
/// so a test is deterministic unless it asks for workers. Other attributes on the test
/// (`#[should_panic]`, `#[ignore]`) are kept.
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
