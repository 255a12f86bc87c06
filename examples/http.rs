//! An HTTP/1.1 server on spindle-hyper that curl and wrk can use for real.
//!
//! ```sh
//! cargo run --release --example http                        # http://127.0.0.1:8080
//! cargo run --release --example http -- --addr 127.0.0.1:9000 --workers 2
//! curl http://127.0.0.1:8080/
//! curl --data 'hello' http://127.0.0.1:8080/echo
//! curl http://127.0.0.1:8080/stats
//! wrk -t2 -c64 -d10s http://127.0.0.1:8080/                 # then open /timeline.svg
//! ```
//!
//! Routes (`examples/src/http`): `/` a short text, `/echo` the POSTed body, `/stats` the
//! runtime's per-worker counters, `/timeline.svg` the last second of this server's own
//! schedule drawn by spindle's tracer (tracing is on unless `--no-trace`). Keep-alive is
//! on; a malformed request gets hyper's 400 and only that connection closes.
//!
//! Ctrl-C (SIGINT) or SIGTERM: stop accepting, give in-flight requests 5 s, close the
//! rest, drop the runtime (so `SPINDLE_TRACE=trace.json` writes its files), exit 0.

use std::process::ExitCode;
use std::time::Duration;

use spindle::signal::unix::{SignalKind, signal};
use spindle_examples::http::route;

const USAGE: &str =
    "usage: http [--addr HOST:PORT (127.0.0.1:8080)] [--workers N (cores)] [--no-trace]";
const GRACE: Duration = Duration::from_secs(5);

struct Options {
    addr: String,
    workers: Option<usize>,
    trace: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:8080".into(),
        workers: None,
        trace: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => options.addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--workers" => {
                let n = args.next().ok_or("--workers needs a number")?;
                let n: usize = n
                    .parse()
                    .map_err(|_| format!("--workers {n}: not a number"))?;
                options.workers = Some(n);
            }
            "--no-trace" => options.trace = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("http: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let mut builder = spindle::runtime::Builder::new_multi_thread();
    builder.trace(options.trace);
    if let Some(n) = options.workers {
        builder.worker_threads(n);
    }
    let rt = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("http: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(serve(&options.addr));
    // Dropping the runtime stops its workers; with SPINDLE_TRACE set it writes the trace.
    drop(rt);
    match result {
        Ok(report) => {
            println!(
                "stopped: {} connections served, {} ended in an error, {} closed after the grace period",
                report.accepted, report.failed, report.aborted
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("http: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: &str) -> std::io::Result<spindle_hyper::ServeReport> {
    let listener = spindle::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    // Registered before the first request, so a signal that comes early is not missed.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    println!("serving on http://{addr}  (Ctrl-C or SIGTERM stops)");
    println!(
        "  curl http://{addr}/   curl --data hi http://{addr}/echo   curl http://{addr}/stats"
    );
    println!("  wrk -t2 -c64 -d10s http://{addr}/   then open http://{addr}/timeline.svg");
    let stop = async move {
        let name = spindle::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        println!(
            "{name}: no new connections; {}s for the requests in flight",
            GRACE.as_secs()
        );
    };
    spindle_hyper::serve(listener, hyper::service::service_fn(route))
        .grace_period(GRACE)
        .with_graceful_shutdown(stop)
        .await
}
