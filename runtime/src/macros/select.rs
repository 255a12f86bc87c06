//! `select!`: wait on several futures, run the handler of the first to complete.

/// Waits on several futures at once and runs the handler of the first one to complete;
/// the others are dropped (cancelled).
///
/// ```text
/// select! {
///     [biased;]
///     <pattern> = <future> [, if <condition>] => <handler>,
///     ...
///     [else => <handler>]
/// }
/// ```
///
/// - **Fair by default**: each poll starts at a randomly chosen branch, so a branch that
///   is always ready does not starve the others. Write `biased;` first to poll the
///   branches in the order written instead (cheaper, and useful when order matters,
///   e.g. "shutdown signal first").
/// - **Patterns**: when a future completes but its output does not match the pattern
///   (say `Some(v) = rx.recv()` receives `None`), that branch is disabled and `select!`
///   keeps waiting on the others.
///   The output is matched by value, so binding modifiers work anywhere in the pattern
///   (`Some(mut v) = rx.recv()`), also under edition 2024's rules, which reject them in
///   tokio's `select!` (it tests the pattern on `&output`).
/// - **Preconditions**: `, if cond` disables the branch up front when `cond` is false
///   (the future expression is still evaluated, but never polled).
/// - **`else`**: runs when every branch is disabled. Without an `else`, that situation
///   panics with a message saying so.
/// - **Limit**: at most **8 branches** (a declarative macro needs a fixed list of names
///   to give them; a ninth is a compile error that says so):
///
///   ```compile_fail
///   # async fn nine() {
///   use std::future::ready;
///   spindle::select! {
///       a = ready(1) => a, b = ready(2) => b, c = ready(3) => c,
///       d = ready(4) => d, e = ready(5) => e, f = ready(6) => f,
///       g = ready(7) => g, h = ready(8) => h, i = ready(9) => i,
///   };
///   # }
///   ```
/// - **Code size**: to match by value without wrapping handlers in a loop, the macro
///   unrolls one selection level per branch plus one (a mismatch disables a branch and
///   falls through to the next level), so each handler is expanded `n + 1` times.
///   Keep handlers short (call a function) in selects with many branches.
/// - Handlers run outside the polling closure, so `break`, `continue`, `return` and `?`
///   in a handler act on the code around the `select!`.
/// - Cancellation: the futures of the branches that did not win are dropped. Use only
///   cancel-safe operations as branches when losing must not lose data (see
///   `docs/sync-cancellation.md`), or poll a `&mut` to a future that lives outside the
///   loop.
///
/// ```no_run
/// use spindle::sync::{mpsc, oneshot};
/// # async fn demo() {
/// let (_tx, mut rx) = mpsc::channel::<u32>(8);
/// let (_stop_tx, mut stop) = oneshot::channel::<()>();
/// loop {
///     spindle::select! {
///         biased;
///         _ = &mut stop => break,
///         Some(job) = rx.recv() => println!("job {job}"),
///         else => break,
///     }
/// }
/// # }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($branches:tt)*) => {
        $crate::__select_internal!(
            @parse [true] [] [] [(0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7)]
            $($branches)*
        )
    };
    ($($branches:tt)*) => {
        $crate::__select_internal!(
            @parse [false] [] [] [(0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7)]
            $($branches)*
        )
    };
}

/// The machinery of `select!`. Not public API.
///
/// `@parse [biased] [branches] [else] [unused names] tokens...` munches one branch per
/// step, giving it the next `(index Name)` pair; `@expand` generates the code.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_internal {
    // `else => handler` (last).
    (@parse [$b:tt] [$($br:tt)*] [] [$($ids:tt)*] else => $h:expr $(,)?) => {
        $crate::__select_internal!(@expand [$b] [$($br)*] [$h])
    };
    // A branch with a block handler, with or without a trailing comma.
    (@parse [$b:tt] [$($br:tt)*] [] [($i:tt $n:ident) $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::__select_internal!(@parse [$b] [$($br)* ($i $n [$p] [$f] [true $(&& $c)?] [$h])] [] [$($ids)*] $($rest)*)
    };
    (@parse [$b:tt] [$($br:tt)*] [] [($i:tt $n:ident) $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_internal!(@parse [$b] [$($br)* ($i $n [$p] [$f] [true $(&& $c)?] [$h])] [] [$($ids)*] $($rest)*)
    };
    // A branch with an expression handler: the last one, or followed by a comma.
    (@parse [$b:tt] [$($br:tt)*] [] [($i:tt $n:ident) $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::__select_internal!(@parse [$b] [$($br)* ($i $n [$p] [$f] [true $(&& $c)?] [$h])] [] [$($ids)*])
    };
    (@parse [$b:tt] [$($br:tt)*] [] [($i:tt $n:ident) $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::__select_internal!(@parse [$b] [$($br)* ($i $n [$p] [$f] [true $(&& $c)?] [$h])] [] [$($ids)*] $($rest)*)
    };
    // Out of names: more than eight branches.
    (@parse [$b:tt] [$($br:tt)*] [] [] $p:pat = $($rest:tt)*) => {
        ::core::compile_error!("spindle::select! supports at most 8 branches; nest a second select! or join the extra futures")
    };
    (@parse [$b:tt] [] [] [$($ids:tt)*]) => {
        ::core::compile_error!("spindle::select! needs at least one `pattern = future => handler` branch")
    };
    // No `else`.
    (@parse [$b:tt] [$($br:tt)+] [] [$($ids:tt)*]) => {
        $crate::__select_internal!(@expand [$b] [$($br)+] [::core::panic!(
            "spindle::select!: every branch is disabled (its pattern did not match or its `if` was false) and there is no `else` branch; add `else => ...`"
        )])
    };

    (@expand [$biased:tt]
        [$(($i:tt $n:ident [$p:pat] [$f:expr] [$c:expr] [$h:expr]))+]
        [$else:expr]) => {{
        #[allow(non_camel_case_types, dead_code)]
        enum __SelectOut<$($n,)+> {
            $($n($n),)+
            Disabled,
        }
        let mut disabled: u32 = 0;
        $(
            if !($c) {
                disabled |= 1 << $i;
            }
        )+
        $(
            #[allow(unused_mut)]
            let mut $n = $crate::macros::support::pin!(
                $crate::macros::support::IntoFuture::into_future($f)
            );
        )+
        // One selection level per possible pattern mismatch, plus one: see `@level`.
        $crate::__select_internal!(@level [$biased] [disabled]
            [() $(($i))+]
            [$(($i $n [$p] [$h]))+]
            [$else])
    }};

    // One level: poll until a branch completes (or all are disabled), then match its
    // output *by value* against its pattern and run the handler. On a mismatch the
    // branch is already disabled; the `_` arm expands the next level, which polls the
    // rest. Unrolling (instead of a `loop`) keeps handlers outside any loop of ours, so
    // `break`/`continue` in a handler reach the caller's loop; matching by value (instead
    // of tokio's check on `&out`) lets patterns like `Some(mut v)` work under edition
    // 2024's binding rules. Each mismatch disables one branch, so `n + 1` levels suffice.
    (@level [$biased:tt] [$disabled:ident] [$lvl:tt $($lvls:tt)*]
        [$(($i:tt $n:ident [$p:pat] [$h:expr]))+]
        [$else:expr]) => {
        match $crate::__select_internal!(@poll [$biased] [$disabled] [$(($i $n))+]) {
            $(
                __SelectOut::$n($p) => $h,
            )+
            __SelectOut::Disabled => $else,
            #[allow(unreachable_patterns)]
            _ => $crate::__select_internal!(@level [$biased] [$disabled] [$($lvls)*]
                [$(($i $n [$p] [$h]))+]
                [$else]),
        }
    };
    (@level [$biased:tt] [$disabled:ident] []
        [$($br:tt)+]
        [$else:expr]) => {
        ::core::unreachable!("select!: each mismatch disables a branch, so this level is never reached")
    };

    // Polls the enabled branches once each, from a random start (or in order when
    // biased), until one completes: it is disabled (never polled again) and returned.
    (@poll [$biased:tt] [$disabled:ident] [$(($i:tt $n:ident))+]) => {
        $crate::macros::support::poll_fn(|cx| {
            const COUNT: usize = [$($i),+].len();
            let start = if $biased {
                0
            } else {
                $crate::macros::support::thread_rng_n(COUNT as u32) as usize
            };
            let mut pending = false;
            for offset in 0..COUNT {
                #[allow(clippy::modulo_one)]
                let branch = (start + offset) % COUNT;
                match branch {
                    $(
                        $i => {
                            if $disabled & (1 << $i) != 0 {
                                continue;
                            }
                            if let $crate::macros::support::Poll::Ready(out) =
                                $crate::macros::support::Future::poll($n.as_mut(), cx)
                            {
                                $disabled |= 1 << $i;
                                return $crate::macros::support::Poll::Ready(__SelectOut::$n(out));
                            }
                            pending = true;
                        }
                    )+
                    _ => ::core::unreachable!("select! branch index out of range"),
                }
            }
            if pending {
                $crate::macros::support::Poll::Pending
            } else {
                $crate::macros::support::Poll::Ready(__SelectOut::Disabled)
            }
        })
        .await
    };
}
