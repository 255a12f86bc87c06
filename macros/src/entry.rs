//! Checks the function the attribute sits on and writes the expansion.
//!
//! Checks, each a compile error spanned on the culprit: the function must be `async`
//! (the body runs as a future); a test takes no arguments and no generic parameters
//! (the test harness calls it with none). The expansion keeps the user's attributes,
//! visibility, name, arguments, return type and body with their spans; it only drops
//! `async` and wraps the body in `async move { .. }` handed to `block_on`.
//!
//! If the arguments or the function are wrong, the expansion still contains the
//! function (its body replaced by `unimplemented!()`) next to the error, so the user sees
//! the one real error rather than a cascade of "cannot find function `main`".

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use crate::args::{self, Flavor};

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[spindle::main]`.
    Main,
    /// `#[spindle::test]`.
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "spindle::main",
            Kind::Test => "spindle::test",
        }
    }

    fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// The whole expansion: the rewritten function, or the errors beside the function.
pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        // Not a function at all: say so, and give the tokens back untouched.
        Err(_) => {
            let message = format!("#[{}] goes on an `async fn`", kind.name());
            let error = syn::Error::new_spanned(&item, message).to_compile_error();
            return quote! { #error #item };
        }
    };
    let mut errors = check(kind, &function).err();
    let config = match args::parse(attr, kind.default_flavor()) {
        Ok(c) => Some(c),
        Err(e) => {
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
            None
        }
    };
    match (errors, config) {
        (None, Some(config)) => rewrite(kind, function, &config),
        (Some(error), _) => {
            let error = error.to_compile_error();
            let mut function = function;
            function.sig.asyncness = None;
            function.block = syn::parse_quote!({ ::core::unimplemented!() });
            quote! { #error #function }
        }
        // `args::parse` returns `Err` whenever it gives no config, so `errors` is set.
        (None, None) => unreachable!("argument errors are collected above"),
    }
}

fn check(kind: Kind, function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            format!(
                "#[{}] needs an `async fn`: add `async` before `fn`",
                kind.name()
            ),
        ));
    }
    if kind == Kind::Test && !sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.inputs,
            "a #[spindle::test] function takes no arguments",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            format!("a #[{}] function cannot be generic", kind.name()),
        ));
    }
    Ok(())
}

fn rewrite(kind: Kind, mut function: ItemFn, config: &args::Config) -> TokenStream {
    function.sig.asyncness = None;
    let body = &function.block;
    let flavor = match config.flavor {
        Flavor::CurrentThread => quote! { CurrentThread },
        Flavor::MultiThread => quote! { MultiThread },
    };
    let workers = match config.worker_threads {
        Some(n) => quote! { ::core::option::Option::Some(#n) },
        None => quote! { ::core::option::Option::None },
    };
    let start_paused = config.start_paused;
    let seed = match config.seed {
        Some(n) => quote! { ::core::option::Option::Some(#n) },
        None => quote! { ::core::option::Option::None },
    };
    let name = kind.name();
    // The call carries the body's span, so "mismatched types" between the body's value
    // and the declared return type points into the user's function.
    let run = quote_spanned! {body.span()=>
        ::spindle::macros::entry::runtime_with(
            ::spindle::macros::entry::Flavor::#flavor,
            #workers,
            ::spindle::macros::entry::Determinism { start_paused: #start_paused, seed: #seed },
            #name,
        )
            .block_on(body)
    };
    let test_attr = match kind {
        Kind::Test => quote! { #[::core::prelude::v1::test] },
        Kind::Main => quote! {},
    };
    let attrs = &function.attrs;
    let vis = &function.vis;
    let sig = &function.sig;
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            let body = async move #body;
            #run
        }
    }
}
