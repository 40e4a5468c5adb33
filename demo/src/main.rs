//! Calls the five seed APIs through the generated SDK and prints each result, signed URLs
//! redacted.
//!
//! ```text
//! cargo run -p demo                        # against the embedded loopback emulator
//! cargo run -p demo -- --endpoint real     # against the vendors, credentials from the environment
//! ```
//!
//! With `--endpoint real` the credentials come from `TENCENTCLOUD_SECRET_ID`/`_KEY`,
//! `UCLOUD_PUBLIC_KEY`/`_PRIVATE_KEY` and `HUAWEICLOUD_SDK_AK`/`_SK`/`_PROJECT_ID`; a missing
//! variable stops the demo with its name. The example inputs are the documents' (instance
//! ids that do not exist in your account), so expect typed "not found" errors there.

use std::process::ExitCode;

use demo::{Clients, Outcome};
use generated::runtime::{
    ClientConfig, HuaweiCredentials, REDACTED, TencentCredentials, UCloudCredentials,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let real = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--endpoint", "emulator"] => false,
        ["--endpoint", "real"] => true,
        _ => {
            eprintln!("usage: demo [--endpoint emulator|real]");
            return ExitCode::from(2);
        }
    };
    let (clients, _emulator) = if real {
        let keys = match (
            TencentCredentials::from_env(),
            UCloudCredentials::from_env(),
            HuaweiCredentials::from_env(),
        ) {
            (Ok(t), Ok(u), Ok(h)) => (t, u, h),
            (t, u, h) => {
                for e in [t.err(), u.err(), h.err()].into_iter().flatten() {
                    eprintln!("demo: {e}");
                }
                return ExitCode::FAILURE;
            }
        };
        let config = |region: &str| ClientConfig::new().region(region);
        let clients = Clients::new(
            config("ap-guangzhou"),
            config("cn-bj2"),
            config("cn-north-4"),
            keys,
        );
        println!("demo: calling the vendors' real endpoints");
        (clients, None)
    } else {
        let emulator = match emulator::Emulator::start(generated::catalog::hand_written()).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("demo: cannot start the emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        let k = emulator.keys().clone();
        let clients =
            Clients::for_endpoint(&emulator.endpoint(), (k.tencent, k.ucloud, k.huawei), |c| c);
        println!("demo: embedded emulator on {}", emulator.endpoint());
        (clients, Some(emulator))
    };
    let clients = match clients {
        Ok(c) => c,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut succeeded = 0;
    for op in Clients::operations() {
        let Some(outcome) = clients.call(op).await else {
            continue;
        };
        match outcome {
            Outcome::Ok(debug) => {
                succeeded += 1;
                println!("\n== {op}: ok\n{debug}");
            }
            Outcome::Service { display, debug, .. } => {
                let variant = debug.split('(').next().unwrap_or_default();
                println!("\n== {op}: service error {variant}: {display}");
            }
            Outcome::Build(e) => println!("\n== {op}: invalid request: {e}"),
            Outcome::Decode(e) => println!("\n== {op}: undecodable response: {e}"),
            Outcome::Transport(e) => println!("\n== {op}: transport error: {e}"),
            Outcome::Credentials(e) => println!("\n== {op}: no credentials: {e}"),
            Outcome::Pagination(e) => println!("\n== {op}: pagination stopped: {e}"),
            Outcome::Wait(e) => println!("\n== {op}: waiter stopped: {e}"),
        }
    }
    println!(
        "\ndemo: {succeeded} of {} calls succeeded (signed URLs print as {REDACTED})",
        Clients::operations().len()
    );
    if real || succeeded == Clients::operations().len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
