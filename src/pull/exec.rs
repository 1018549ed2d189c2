//! Running an executable source: the Observable Framework "data loader"
//! pattern. Its standard output is the CSV.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The variables an executable source sees from sitrep's environment;
/// every other one is left out (see the README's security model).
pub const PASSED_VARIABLES: [&str; 9] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
];

/// Why an executable source failed.
#[derive(Debug)]
pub enum Failure {
    Start(std::io::Error),
    Exit { status: String, stderr: String },
    TimedOut { stderr: String },
    Write(std::io::Error),
}

/// Runs `program` in `root` with a clean environment (the usual variables,
/// `extra`, the ones named in `pass`), copying its standard output to `out`;
/// past `limit` it and every process it started are killed.
pub fn run(
    program: &Path,
    root: &Path,
    extra: &[(&str, String)],
    pass: &[String],
    limit: Duration,
    out: &mut (dyn Write + Send),
) -> Result<(), Failure> {
    let mut command = Command::new(program);
    command
        .current_dir(root)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in PASSED_VARIABLES
        .iter()
        .copied()
        .chain(pass.iter().map(String::as_str))
    {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    for (name, value) in extra {
        command.env(name, value);
    }
    // Its own process group, so that a time limit stops the whole
    // pipeline a script starts (`duckdb … | sed …`), not just the shell.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(Failure::Start)?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let started = Instant::now();
    std::thread::scope(|scope| {
        let errors = scope.spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        });
        let copy = scope.spawn(move || std::io::copy(&mut stdout, out).map(|_| ()));
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() >= limit => {
                    timed_out = true;
                    kill(&mut child);
                    break child.wait().ok();
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break None,
            }
        };
        if timed_out {
            // The group is gone: its pipes close and the readers end.
            let stderr = errors.join().unwrap_or_default();
            let _ = copy.join();
            return Err(Failure::TimedOut {
                stderr: tail(&stderr),
            });
        }
        let copied = copy.join().unwrap_or(Ok(()));
        let stderr = errors.join().unwrap_or_default();
        match status {
            Some(status) if status.success() => copied.map_err(Failure::Write),
            Some(status) => Err(Failure::Exit {
                status: status.to_string(),
                stderr: tail(&stderr),
            }),
            None => Err(Failure::Exit {
                status: "an unknown status".to_string(),
                stderr: tail(&stderr),
            }),
        }
    })
}

fn kill(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (it was started with process_group(0)).
        unsafe {
            libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

/// The last lines of a program's error output, for a message.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(10);
    lines[start..].join("\n")
}
