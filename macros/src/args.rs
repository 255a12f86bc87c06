//! The attribute's arguments: `flavor = "..."`, `worker_threads = N`, `start_paused = bool`
//! and `seed = N`, comma separated.
//!
//! Each argument is a `name = literal` pair ([`syn::MetaNameValue`]). Every mistake is a
//! [`syn::Error`] spanned on the offending token, and all of them are reported at once
//! (combined), so a user fixes every argument in one round.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, MetaNameValue, Token};

/// Which scheduler the generated runtime uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavor {
    /// `Builder::new_current_thread`: everything on the calling thread.
    CurrentThread,
    /// `Builder::new_multi_thread`: work-stealing workers.
    MultiThread,
}

/// What the arguments asked for.
#[derive(Debug)]
pub struct Config {
    /// The scheduler.
    pub flavor: Flavor,
    /// `worker_threads = N`, if given (then `flavor` is `MultiThread`).
    pub worker_threads: Option<usize>,
    /// `start_paused = true`: the clock starts paused (current-thread only).
    pub start_paused: bool,
    /// `seed = N`: `Builder::rng_seed(N)`.
    pub seed: Option<u64>,
}

/// Parses `attr` (the tokens inside `#[spindle::main(...)]`); `default` is the flavor
/// when none is named.
pub fn parse(attr: proc_macro2::TokenStream, default: Flavor) -> syn::Result<Config> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(attr)?;
    let mut flavor: Option<(Flavor, Span)> = None;
    let mut workers: Option<(usize, Span)> = None;
    let mut start_paused: Option<(bool, Span)> = None;
    let mut seed: Option<u64> = None;
    let mut errors: Option<syn::Error> = None;
    let mut fail = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };

    for pair in pairs {
        let name = pair
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "flavor" if flavor.is_some() => fail(err(&pair.path, "`flavor` is given twice")),
            "flavor" => match string_literal(&pair.value) {
                Some((s, span)) => match s.as_str() {
                    "current_thread" => flavor = Some((Flavor::CurrentThread, span)),
                    "multi_thread" => flavor = Some((Flavor::MultiThread, span)),
                    other => fail(syn::Error::new(
                        span,
                        format!(
                            "unknown flavor `{other}`: expected \"current_thread\" or \"multi_thread\""
                        ),
                    )),
                },
                None => fail(err(
                    &pair.value,
                    "`flavor` takes a string: \"current_thread\" or \"multi_thread\"",
                )),
            },
            "worker_threads" if workers.is_some() => {
                fail(err(&pair.path, "`worker_threads` is given twice"))
            }
            "worker_threads" => match integer_literal(&pair.value) {
                Some(Ok((0, span))) => {
                    fail(syn::Error::new(span, "`worker_threads` must be at least 1"))
                }
                Some(Ok((n, span))) => workers = Some((n, span)),
                Some(Err(e)) => fail(e),
                None => fail(err(
                    &pair.value,
                    "`worker_threads` takes an integer literal, e.g. `worker_threads = 2`",
                )),
            },
            "start_paused" if start_paused.is_some() => {
                fail(err(&pair.path, "`start_paused` is given twice"))
            }
            "start_paused" => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => start_paused = Some((b.value, b.span)),
                other => fail(err(
                    other,
                    "`start_paused` takes `true` or `false`, e.g. `start_paused = true`",
                )),
            },
            "seed" if seed.is_some() => fail(err(&pair.path, "`seed` is given twice")),
            "seed" => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Int(i), ..
                }) => match i.base10_parse::<u64>() {
                    Ok(n) => seed = Some(n),
                    Err(e) => fail(e),
                },
                other => fail(err(
                    other,
                    "`seed` takes an integer literal (a u64), e.g. `seed = 7`",
                )),
            },
            _ => fail(err(
                &pair.path,
                "unknown argument: expected `flavor = \"...\"`, `worker_threads = N`, \
                 `start_paused = true` or `seed = N`",
            )),
        }
    }

    let flavor_value = flavor.map(|(f, _)| f).unwrap_or(default);
    if let (Flavor::CurrentThread, Some((_, span))) = (flavor_value, workers) {
        fail(syn::Error::new(
            span,
            "`worker_threads` needs `flavor = \"multi_thread\"`: a current-thread runtime runs \
             everything on the calling thread",
        ));
    }
    if let (Flavor::MultiThread, Some((true, span))) = (flavor_value, start_paused) {
        fail(syn::Error::new(
            span,
            "`start_paused = true` needs `flavor = \"current_thread\"`: time can only be \
             paused where one thread runs every task",
        ));
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(Config {
            flavor: flavor_value,
            worker_threads: workers.map(|(n, _)| n),
            start_paused: start_paused.is_some_and(|(b, _)| b),
            seed,
        }),
    }
}

fn err(tokens: impl quote::ToTokens, message: &str) -> syn::Error {
    syn::Error::new_spanned(tokens, message)
}

fn string_literal(value: &Expr) -> Option<(String, Span)> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some((s.value(), s.span())),
        _ => None,
    }
}

fn integer_literal(value: &Expr) -> Option<syn::Result<(usize, Span)>> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => Some(i.base10_parse::<usize>().map(|n| (n, i.span()))),
        _ => None,
    }
}
