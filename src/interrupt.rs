//! Interrupts (Ctrl-C, SIGTERM, SIGHUP): the run stops at its next sample
//! time, its staging folder is removed, and the exit code says it was
//! interrupted (128 + the signal). A phase that does not look at the flag is
//! given a few seconds; then (or at a second signal) the staged files are
//! removed here and the process exits.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static FLAG: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Staging folders and files to remove if the process has to exit at once.
static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// How long the work may take to notice an interrupt before the process exits.
const GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// The error a command returns when it stops for an interrupt.
#[derive(Debug)]
pub(crate) struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted by {}: stopped, and nothing was written",
            signal_name(SIGNAL.load(Ordering::Relaxed))
        )
    }
}
impl std::error::Error for Interrupted {}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        1 => "SIGHUP",
        15 => "SIGTERM",
        _ => "SIGINT (Ctrl-C)",
    }
}

/// Listens for SIGINT, SIGTERM and SIGHUP on a thread of its own.
pub(crate) fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            for sig in signals.forever() {
                if FLAG.swap(true, Ordering::SeqCst) {
                    // A second signal: do not wait any longer.
                    exit_now();
                }
                SIGNAL.store(sig, Ordering::SeqCst);
                std::thread::spawn(|| {
                    std::thread::sleep(GRACE);
                    exit_now();
                });
            }
        });
    }
}

fn exit_now() -> ! {
    let staged = STAGED.lock().map(|v| v.clone()).unwrap_or_default();
    for p in staged {
        let _ = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("error: {Interrupted}\n").as_bytes(),
    );
    std::process::exit(exit_code());
}

/// The flag engines and loops look at.
pub(crate) fn flag() -> &'static AtomicBool {
    &FLAG
}

/// Whether an interrupt has arrived.
pub(crate) fn interrupted() -> bool {
    FLAG.load(Ordering::Relaxed)
}

/// Returns [`Interrupted`] once an interrupt has arrived.
pub(crate) fn check() -> Result<(), Interrupted> {
    if interrupted() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}

/// 128 + the signal, as shells report a process killed by it.
pub(crate) fn exit_code() -> i32 {
    128 + match SIGNAL.load(Ordering::Relaxed) {
        0 => 2,
        s => s,
    }
}

/// Remembers a staging path to remove if the process must exit at once.
pub(crate) fn register(p: &std::path::Path) {
    if let Ok(mut v) = STAGED.lock() {
        v.push(p.to_path_buf());
    }
}

/// Forgets a staging path (committed or removed).
pub(crate) fn unregister(p: &std::path::Path) {
    if let Ok(mut v) = STAGED.lock() {
        v.retain(|x| x != p);
    }
}
