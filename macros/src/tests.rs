//! The expansion and its errors, checked on token streams (proc_macro2 works outside a
//! compiler invocation, so these are plain unit tests). The expansions that compile and
//! run are exercised by the `#[spindle::test]` tests in spindle-hyper and tests/.

use quote::quote;

use crate::entry::{Kind, expand};

fn errors_of(kind: Kind, attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
    let out = expand(kind, attr, item).to_string();
    assert!(
        out.contains("compile_error"),
        "expected an error, got {out}"
    );
    out
}

#[test]
fn main_expands_to_a_runtime_and_block_on() {
    let out = expand(
        Kind::Main,
        quote!(worker_threads = 3),
        quote!(
            async fn main() -> std::io::Result<()> {
                Ok(())
            }
        ),
    )
    .to_string();
    assert!(!out.contains("async fn"), "{out}");
    assert!(
        out.contains(":: spindle :: macros :: entry :: runtime"),
        "{out}"
    );
    assert!(out.contains("MultiThread"), "{out}");
    assert!(out.contains("Some (3usize)"), "{out}");
    assert!(out.contains("block_on (body)"), "{out}");
}

#[test]
fn test_defaults_to_current_thread_and_adds_the_test_attribute() {
    let out = expand(
        Kind::Test,
        quote!(),
        quote!(
            #[ignore]
            async fn t() {}
        ),
    )
    .to_string();
    assert!(out.contains("CurrentThread"), "{out}");
    assert!(out.contains(":: core :: prelude :: v1 :: test"), "{out}");
    assert!(out.contains("# [ignore]"), "{out}");
}

#[test]
fn a_function_without_async_is_an_error() {
    let out = errors_of(
        Kind::Main,
        quote!(),
        quote!(
            fn main() {}
        ),
    );
    assert!(out.contains("needs an `async fn`"), "{out}");
}

#[test]
fn unknown_arguments_and_flavors_are_errors() {
    let out = errors_of(
        Kind::Main,
        quote!(threads = 2),
        quote!(
            async fn main() {}
        ),
    );
    assert!(out.contains("unknown argument"), "{out}");
    let out = errors_of(
        Kind::Main,
        quote!(flavor = "fast"),
        quote!(
            async fn main() {}
        ),
    );
    assert!(out.contains("unknown flavor `fast`"), "{out}");
    let out = errors_of(
        Kind::Main,
        quote!(flavor = current_thread),
        quote!(
            async fn main() {}
        ),
    );
    assert!(out.contains("`flavor` takes a string"), "{out}");
}

#[test]
fn worker_threads_must_be_a_positive_integer_on_multi_thread() {
    let out = errors_of(
        Kind::Main,
        quote!(worker_threads = 0),
        quote!(
            async fn main() {}
        ),
    );
    assert!(out.contains("at least 1"), "{out}");
    let out = errors_of(
        Kind::Main,
        quote!(worker_threads = "2"),
        quote!(
            async fn main() {}
        ),
    );
    assert!(out.contains("integer literal"), "{out}");
    let out = errors_of(
        Kind::Test,
        quote!(worker_threads = 2),
        quote!(
            async fn t() {}
        ),
    );
    assert!(
        out.contains("needs `flavor = \\\"multi_thread\\\"`"),
        "{out}"
    );
}

#[test]
fn every_bad_argument_is_reported_at_once() {
    let out = errors_of(
        Kind::Main,
        quote!(flavor = "fast", worker_threads = 0),
        quote!(
            fn main() {}
        ),
    );
    assert_eq!(out.matches("compile_error").count(), 3, "{out}");
}

#[test]
fn a_test_takes_no_arguments_and_nothing_generic() {
    let out = errors_of(
        Kind::Test,
        quote!(),
        quote!(
            async fn t(x: u8) {}
        ),
    );
    assert!(out.contains("takes no arguments"), "{out}");
    let out = errors_of(
        Kind::Main,
        quote!(),
        quote!(
            async fn main<T>() {}
        ),
    );
    assert!(out.contains("cannot be generic"), "{out}");
}

#[test]
fn something_other_than_a_function_is_an_error() {
    let out = errors_of(
        Kind::Main,
        quote!(),
        quote!(
            struct S;
        ),
    );
    assert!(out.contains("goes on an `async fn`"), "{out}");
}

#[test]
fn start_paused_and_seed_reach_the_builder() {
    let out = expand(
        Kind::Test,
        quote!(start_paused = true, seed = 7),
        quote!(
            async fn t() {}
        ),
    )
    .to_string();
    assert!(out.contains("start_paused : true"), "{out}");
    assert!(
        out.contains("seed : :: core :: option :: Option :: Some (7u64)"),
        "{out}"
    );
}

#[test]
fn start_paused_on_multi_thread_and_unknown_keys_are_errors() {
    let out = errors_of(
        Kind::Test,
        quote!(flavor = "multi_thread", start_paused = true),
        quote!(
            async fn t() {}
        ),
    );
    assert!(out.contains("`start_paused = true` needs `flavor"), "{out}");
    let out = errors_of(
        Kind::Test,
        quote!(paused = true),
        quote!(
            async fn t() {}
        ),
    );
    assert!(out.contains("unknown argument"), "{out}");
    assert!(out.contains("`seed = N`"), "{out}");
    let out = errors_of(
        Kind::Test,
        quote!(seed = "7", start_paused = 1),
        quote!(
            async fn t() {}
        ),
    );
    assert!(out.contains("`seed` takes an integer literal"), "{out}");
    assert!(
        out.contains("`start_paused` takes `true` or `false`"),
        "{out}"
    );
}
