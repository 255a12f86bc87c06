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
///   The check is made on a reference to the output (as tokio does), so under edition
///   2024's match-ergonomics rules a pattern cannot add binding modifiers inside an
///   implicitly borrowed part: write `Some(v) = ... => { let mut v = v; ... }`
///   rather than `Some(mut v)`. A plain `mut v = ...` at the top level is fine.
/// - **Preconditions**: `, if cond` disables the branch up front when `cond` is false
///   (the future expression is still evaluated, but never polled).
/// - **`else`**: runs when every branch is disabled. Without an `else`, that situation
///   panics with a message saying so.
/// - **Limit**: at most **8 branches** (a declarative macro needs a fixed list of names
///   to give them; more is a compile error).
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
        const COUNT: usize = [$($i),+].len();
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
        let output = $crate::macros::support::poll_fn(|cx| {
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
                            if disabled & (1 << $i) != 0 {
                                continue;
                            }
                            let out = match $crate::macros::support::Future::poll($n.as_mut(), cx) {
                                $crate::macros::support::Poll::Ready(out) => out,
                                $crate::macros::support::Poll::Pending => {
                                    pending = true;
                                    continue;
                                }
                            };
                            // A completed future is never polled again.
                            disabled |= 1 << $i;
                            #[allow(unused_variables, unused_mut)]
                            match &out {
                                $p => {}
                                #[allow(unreachable_patterns)]
                                _ => continue,
                            }
                            return $crate::macros::support::Poll::Ready(__SelectOut::$n(out));
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
        .await;
        match output {
            $(
                __SelectOut::$n($p) => $h,
            )+
            __SelectOut::Disabled => $else,
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select! output matched its pattern when polled"),
        }
    }};
}
