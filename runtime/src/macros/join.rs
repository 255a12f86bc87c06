//! `join!` and `try_join!`: await several futures concurrently, in one task.

/// Polls several futures concurrently and waits for all of them; evaluates to a tuple
/// of their outputs, in argument order.
///
/// The futures run *concurrently* in the current task (interleaved at their `.await`
/// points), not in parallel; for parallelism, spawn tasks. Each poll starts at a
/// different future, so none can starve the others.
///
/// ```no_run
/// async fn fetch(id: u32) -> u32 { id * 10 }
/// # async fn demo() {
/// let (a, b, c) = spindle::join!(fetch(1), fetch(2), async { "done" });
/// assert_eq!((a, b, c), (10, 20, "done"));
/// # }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! join {
    ($($fut:expr),+ $(,)?) => {
        $crate::__join_internal!(@munch [join] [] [] $($fut,)+)
    };
}

/// Polls several futures returning `Result` concurrently; evaluates to `Ok` of a tuple
/// of their values once all succeed, or to the first `Err` as soon as one fails (the
/// other futures are then dropped, i.e. cancelled). All must share one error type.
///
/// ```no_run
/// async fn parse(s: &str) -> Result<i32, std::num::ParseIntError> { s.parse() }
/// # async fn demo() {
/// let sum = spindle::try_join!(parse("1"), parse("2")).map(|(a, b)| a + b);
/// assert_eq!(sum, Ok(3));
/// assert!(spindle::try_join!(parse("1"), parse("x")).is_err());
/// # }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! try_join {
    ($($fut:expr),+ $(,)?) => {
        $crate::__join_internal!(@munch [try_join] [] [] $($fut,)+)
    };
}

/// The machinery of `join!` / `try_join!`. Not public API.
///
/// `@munch` takes one future per step and records `(fut out [index tokens] expr)`; the
/// `fut`/`out` identifiers are written fresh in each recursive expansion, so hygiene
/// makes them distinct variables. The index of branch `k` is `0` followed by `k` copies
/// of `+ 1`.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_internal {
    (@munch [$kind:ident] [$($done:tt)*] [$($count:tt)*] $head:expr, $($rest:expr,)*) => {
        $crate::__join_internal!(
            @munch [$kind] [$($done)* (fut out [0 $($count)*] $head)] [$($count)* + 1] $($rest,)*
        )
    };
    (@munch [$kind:ident] [$(($fut:ident $out:ident [$($idx:tt)*] $e:expr))*] [$($count:tt)*]) => {{
        $(
            let mut $fut = $crate::macros::support::pin!(
                $crate::macros::support::IntoFuture::into_future($e)
            );
            let mut $out = $crate::macros::support::None;
        )*
        const COUNT: usize = 0 $($count)*;
        let mut start: usize = 0;
        $crate::macros::support::poll_fn(|cx| {
            let mut pending = false;
            for i in 0..COUNT {
                // `(start + i) % COUNT` without a `%` (clippy flags `% 1`).
                let branch = if start + i >= COUNT { start + i - COUNT } else { start + i };
                $(
                    if branch == $($idx)* && $out.is_none() {
                        match $crate::macros::support::Future::poll($fut.as_mut(), cx) {
                            $crate::macros::support::Poll::Ready(value) => {
                                $crate::__join_internal!(@store [$kind] $out value)
                            }
                            $crate::macros::support::Poll::Pending => pending = true,
                        }
                    }
                )*
            }
            // Start one branch later next time (fairness).
            start = if start + 1 == COUNT { 0 } else { start + 1 };
            if pending {
                return $crate::macros::support::Poll::Pending;
            }
            $crate::__join_internal!(@finish [$kind] $($out)*)
        })
        .await
    }};
    (@store [join] $out:ident $value:ident) => {
        $out = $crate::macros::support::Some($value)
    };
    (@store [try_join] $out:ident $value:ident) => {
        match $value {
            $crate::macros::support::Ok(v) => $out = $crate::macros::support::Some(v),
            $crate::macros::support::Err(e) => {
                return $crate::macros::support::Poll::Ready($crate::macros::support::Err(e));
            }
        }
    };
    (@finish [join] $($out:ident)*) => {
        $crate::macros::support::Poll::Ready(($(
            $out.take().expect("join! output taken once"),
        )*))
    };
    (@finish [try_join] $($out:ident)*) => {
        $crate::macros::support::Poll::Ready($crate::macros::support::Ok(($(
            $out.take().expect("try_join! output taken once"),
        )*)))
    };
}
