//! `sitrep serve` as the tests run it: on a port the system picks (read
//! from its "Serving" line, so two tests never race for a port), answering
//! before `start` returns, and killed when dropped, so a failing assertion
//! never leaks a server.

#![allow(dead_code)] // each test file uses some of these

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a test waits for the server to start or for a page to change.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running `sitrep serve`.
pub struct Server {
    child: Child,
    pub port: u16,
    /// What it printed on standard output up to its "Serving" line.
    pub stdout: String,
    /// Collects its standard error, so it never blocks on a full pipe.
    stderr: Option<JoinHandle<String>>,
}

/// One HTTP reply.
pub struct Reply {
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    pub body: String,
}

impl Server {
    /// Starts `sitrep --root <root> serve --port 0 <arguments>` with its
    /// build folder in `temp`, and waits until it answers `/`.
    pub fn start(root: &Path, temp: &Path, arguments: &[&str]) -> Server {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("sitrep"));
        command
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", "0"])
            .args(arguments)
            // The build folder goes inside the test's own temporary folder,
            // so a killed server leaves nothing behind.
            .env("TMPDIR", temp);
        Server::spawn(command)
    }

    /// Runs `command` (a whole `sitrep … serve` command line) and waits
    /// until it answers `/`.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut stdout = String::new();
        let port = loop {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap() == 0 {
                let _ = child.wait();
                panic!(
                    "serve ended before serving: {stdout}{}",
                    stderr.join().unwrap()
                );
            }
            stdout.push_str(&line);
            if let Some(rest) = line.strip_prefix("Serving http://") {
                let address = rest.split('/').next().unwrap();
                break address.rsplit(':').next().unwrap().parse().unwrap();
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while lines.read_line(&mut sink).is_ok_and(|read| read > 0) {
                sink.clear();
            }
        });
        let mut server = Server {
            child,
            port,
            stdout,
            stderr: Some(stderr),
        };
        server.wait_for("the home page", |server| server.page("/"));
        server
    }

    /// The process id, to look the server up in `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new connection to the server.
    pub fn connect(&self) -> TcpStream {
        TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).unwrap()
    }

    /// Sends `raw` as is and reads the whole reply; `None` when the server
    /// cannot be reached or closes without a reply.
    pub fn request(&self, raw: &str) -> Option<Reply> {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        stream.write_all(raw.as_bytes()).ok()?;
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        let (head, body) = text.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some(Reply {
            status,
            head: head.to_string(),
            body: body.to_string(),
        })
    }

    /// `GET path` naming the server's own address as the host; `None` when
    /// the server cannot be reached.
    pub fn get(&self, path: &str) -> Option<Reply> {
        self.ask(path, &format!("127.0.0.1:{}", self.port))
    }

    /// `GET path` with `Host: host`.
    pub fn get_for_host(&self, path: &str, host: &str) -> Reply {
        self.ask(path, host)
            .unwrap_or_else(|| panic!("no reply to GET {path} for Host: {host}"))
    }

    fn ask(&self, path: &str, host: &str) -> Option<Reply> {
        self.request(&format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ))
    }

    /// The status of `GET /` with `Host: host`.
    pub fn status_for_host(&self, host: &str) -> u16 {
        self.get_for_host("/", host).status
    }

    /// The body of `path` when it is answered 200.
    pub fn page(&self, path: &str) -> Option<String> {
        self.get(path)
            .filter(|reply| reply.status == 200)
            .map(|reply| reply.body)
    }

    /// Polls `check` every 100 ms until it gives a value; fails the test
    /// when the server exits or the wait grows too long.
    pub fn wait_for<T>(&mut self, what: &str, mut check: impl FnMut(&Server) -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(value) = check(self) {
                return value;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited ({status}) while waiting for {what}");
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server; how it ended and what it printed on standard error.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let _ = self.child.kill();
        let status = self.child.wait().unwrap();
        let stderr = self.stderr.take().unwrap().join().unwrap();
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
