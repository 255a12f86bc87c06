//! Coroutines: an `async fn` beside the state machine the compiler makes of it, written
//! by hand, both polled step by step with a waker that logs each wake.
//!
//! ```text
//! cargo run --release --example coroutine [-- N1 N2 ...]
//! ```
//! The numbers (default `4 10 20 5 7`: a count, then that many values) are delivered to
//! the coroutine one per `Pending`. The logic, explained, is in
//! `examples/src/concepts/coroutine.rs`.

use spindle_examples::concepts::coroutine;

fn main() {
    let args: Result<Vec<u32>, _> = std::env::args().skip(1).map(|a| a.parse()).collect();
    let inputs = match args {
        Ok(v) if !v.is_empty() => v,
        Ok(_) => coroutine::DEMO_INPUTS.to_vec(),
        Err(e) => {
            eprintln!("coroutine: arguments must be numbers (a count, then the values): {e}");
            std::process::exit(2);
        }
    };
    if inputs.len() < 1 + inputs[0] as usize {
        eprintln!(
            "coroutine: the first number is a count ({}) and must be followed by that many values",
            inputs[0]
        );
        std::process::exit(2);
    }
    println!("{}", coroutine::run(&inputs));
}
