//! `sitrep serve`: builds the site into a temporary folder, serves it on
//! 127.0.0.1, rebuilds when an input changes, and reloads open pages. A
//! failed build keeps the last good pages and shows its errors in the
//! terminal and over the page until the next good save.
//!
//! It answers only requests addressed to a loopback name, or with a
//! non-loopback `--bind` to an IP address of it (so a page on another site
//! cannot read it through DNS rebinding), one request per
//! connection, at most 32 connections at once, each with 5 seconds
//! to send its request: idle clients cannot pin threads.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::SITE_FILE;
use crate::pipeline::{build_with, Silent};

/// The state pages poll: a build counter and the last build's error.
#[derive(Debug, Default)]
struct BuildState {
    generation: u64,
    error: Option<String>,
}

/// The script added to every served page: polls the build state, reloads
/// after a good build and shows errors over the page. Served from the same
/// origin, so it passes a `script-src 'self'` policy.
const LIVE_RELOAD: &str = r#"(function () {
  "use strict";
  var seen = null;
  var overlay = null;
  function show(error) {
    if (!error) { if (overlay) { overlay.remove(); overlay = null; } return; }
    if (!overlay) {
      overlay = document.createElement("pre");
      overlay.setAttribute("role", "alert");
      overlay.className = "sitrep-error-overlay";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "sitrep: the last build failed; showing the previous pages.\n\n" + error;
  }
  function poll() {
    fetch("/__sitrep/status", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (seen !== null && state.generation !== seen && !state.error) { location.reload(); return; }
        seen = state.generation;
        show(state.error);
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
"#;

const OVERLAY_STYLE: &str = ".sitrep-error-overlay{position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;margin:0;padding:1rem;background:#2b0b0b;color:#ffd7d7;border:2px solid #ff6b6b;border-radius:8px;font:13px/1.45 ui-monospace,monospace;white-space:pre-wrap;z-index:2147483647}";

/// Serves the site at `root` on `bind:port` (port 0: any free port) until
/// the process ends. `ready` is told the address to open once the server
/// listens (a loopback one when `bind` is every interface).
pub fn serve(root: &Path, bind: IpAddr, port: u16, ready: impl FnOnce(&str)) -> Result<(), Error> {
    // Fail at once, not with a server that has nothing to serve.
    if !root.join(SITE_FILE).is_file() {
        return Err(Diagnostics::from(
            Diagnostic::new(
                SITE_FILE,
                if root == Path::new(".") {
                    format!("no {SITE_FILE} in the current folder: nothing to serve")
                } else {
                    format!("no {SITE_FILE} in {}: nothing to serve", root.display())
                },
            )
            .with_help(
                "run `sitrep serve` in a site project folder, name one with `--root DIR`, or create one with `sitrep init DIR`",
            ),
        )
        .into());
    }
    // Listen before the first build, so a port in use fails at once.
    let listener =
        TcpListener::bind((bind, port)).map_err(|error| listen_error(bind, port, error))?;
    let address = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::new(bind, port));
    let open_address = if bind.is_unspecified() {
        let loopback = match bind {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        };
        SocketAddr::new(loopback, address.port())
    } else {
        address
    }
    .to_string();
    let output = tempfile::Builder::new()
        .prefix("sitrep-serve-")
        .tempdir()
        .map_err(|error| {
            Error::io(
                "cannot create a temporary folder in",
                std::env::temp_dir(),
                error,
            )
        })?;
    let site_folder = output.path().join("site");
    let state = Arc::new(Mutex::new(BuildState::default()));
    rebuild(root, &site_folder, &state);

    let (events, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading inputs is an event too (inotify reports opens and
        // closes); only changes may trigger a build, or builds loop.
        use notify::event::{EventKind, ModifyKind};
        if let Ok(event) = event {
            let changed = matches!(
                event.kind,
                EventKind::Create(_)
                    | EventKind::Remove(_)
                    | EventKind::Modify(
                        ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any
                    )
            );
            if changed {
                let _ = events.send(event.paths);
            }
        }
    })
    .map_err(|error| watch_error(root, error))?;
    for input in ["content", "data", "themes"] {
        let path = root.join(input);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|error| watch_error(&path, error))?;
        }
    }
    // Editors replace files by renaming: watch the folder, not the file.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|error| watch_error(root, error))?;

    {
        let root = root.to_path_buf();
        let site_folder = site_folder.clone();
        let state = state.clone();
        std::thread::spawn(move || watch_loop(&root, &site_folder, &state, &changes));
    }
    ready(&open_address);
    let served = Arc::new(Served {
        site_folder,
        state,
        address: open_address,
        bind,
    });
    let connections = Arc::new(Connections::default());
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of file descriptors, say: let connections end, go on.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let Some(id) = connections.admit(&stream) else {
            continue;
        };
        let served = served.clone();
        let shared = connections.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            handle(stream, id, &shared, &served);
            shared.release(id);
        });
        if spawned.is_err() {
            connections.release(id);
        }
    }
    drop(watcher);
    Ok(())
}

/// At most this many connections are served at once, each on its own
/// thread; a new connection beyond it closes the oldest one that has not
/// finished sending its request, or waits for a slot.
const MAX_CONNECTIONS: usize = 32;
/// A connection must send its whole request head within this time.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// A client that stops reading its reply is dropped after this time.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest request head (request line and headers) read.
const MAX_HEAD: usize = 16 * 1024;

/// The open connections, oldest first, so that idle ones can be closed to
/// make room: idle clients cannot pin threads or lock out the author.
#[derive(Default)]
struct Connections {
    open: Mutex<OpenConnections>,
    released: Condvar,
}

#[derive(Default)]
struct OpenConnections {
    next_id: u64,
    list: Vec<OpenConnection>,
}

struct OpenConnection {
    id: u64,
    /// A handle on the socket, to close it from the accepting thread.
    socket: TcpStream,
    /// Still waiting for (the rest of) its request head.
    waiting: bool,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, OpenConnections> {
        self.open
            .lock()
            .expect("the connection list lock is never poisoned")
    }

    /// Takes a slot for `stream` (closing the oldest waiting connection when
    /// all are taken, or waiting for one to end); `None` if the stream
    /// cannot be tracked.
    fn admit(&self, stream: &TcpStream) -> Option<u64> {
        let socket = stream.try_clone().ok()?;
        let mut open = self.lock();
        while open.list.len() >= MAX_CONNECTIONS {
            if let Some(oldest) = open.list.iter_mut().find(|connection| connection.waiting) {
                // Its thread's read ends at once, and it releases the slot.
                let _ = oldest.socket.shutdown(Shutdown::Both);
                oldest.waiting = false;
            }
            open = self
                .released
                .wait_timeout(open, Duration::from_millis(200))
                .expect("the connection list lock is never poisoned")
                .0;
        }
        let id = open.next_id;
        open.next_id += 1;
        open.list.push(OpenConnection {
            id,
            socket,
            waiting: true,
        });
        Some(id)
    }

    /// Marks connection `id` as being answered, so it is not closed to make
    /// room; false if it was closed already.
    fn answering(&self, id: u64) -> bool {
        let mut open = self.lock();
        match open.list.iter_mut().find(|connection| connection.id == id) {
            Some(connection) if connection.waiting => {
                connection.waiting = false;
                true
            }
            _ => false,
        }
    }

    fn release(&self, id: u64) {
        self.lock().list.retain(|connection| connection.id != id);
        self.released.notify_all();
    }
}

/// Why the server cannot listen, with what to do for the usual causes.
fn listen_error(bind: IpAddr, port: u16, error: std::io::Error) -> Error {
    use std::io::ErrorKind;
    let hint = match error.kind() {
        ErrorKind::AddrInUse => format!("port {port} is in use; try --port 0 to pick a free one"),
        ErrorKind::AddrNotAvailable => format!(
            "{bind} is not an address of this machine; give --bind one of its addresses, or 0.0.0.0 for all"
        ),
        ErrorKind::PermissionDenied => format!(
            "port {port} needs privileges; try --port 0 to pick a free one"
        ),
        _ => format!("{error}; try --port 0 to pick a free one"),
    };
    Error::io(
        "cannot listen on",
        SocketAddr::new(bind, port).to_string(),
        std::io::Error::new(error.kind(), hint),
    )
}

fn watch_error(path: &Path, error: notify::Error) -> Error {
    Error::io(
        "cannot watch",
        path,
        std::io::Error::other(error.to_string()),
    )
}

/// Whether a changed path is an input (not the output or editor litter).
fn is_input(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        // Watchers may report canonical paths.
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        return path
            .strip_prefix(&canonical_root)
            .is_ok_and(is_input_relative);
    };
    is_input_relative(relative)
}

fn is_input_relative(relative: &Path) -> bool {
    let hidden = relative
        .components()
        .any(|component| component.as_os_str().to_string_lossy().starts_with('.'));
    let first = relative
        .components()
        .next()
        .map(|component| component.as_os_str().to_string_lossy().into_owned());
    !hidden
        && matches!(
            first.as_deref(),
            Some("content" | "data" | "themes" | SITE_FILE)
        )
}

fn watch_loop(
    root: &Path,
    site_folder: &Path,
    state: &Mutex<BuildState>,
    changes: &mpsc::Receiver<Vec<PathBuf>>,
) {
    while let Ok(paths) = changes.recv() {
        if !paths.iter().any(|path| is_input(root, path)) {
            continue;
        }
        // Let a burst of saves settle into one build.
        let quiet_until = Instant::now() + Duration::from_millis(120);
        while let Ok(_more) =
            changes.recv_timeout(quiet_until.saturating_duration_since(Instant::now()))
        {}
        rebuild(root, site_folder, state);
    }
}

fn rebuild(root: &Path, site_folder: &Path, state: &Mutex<BuildState>) {
    let started = Instant::now();
    // Authors preview their drafts.
    let options = crate::pipeline::BuildOptions { drafts: true };
    let result = build_with(root, Some(site_folder), options, &Silent);
    let mut state = state
        .lock()
        .expect("the build state lock is never poisoned");
    match result {
        Ok(summary) => {
            state.generation += 1;
            state.error = None;
            eprintln!(
                "rebuilt: {} version{}, {} page{} in {} ms",
                summary.versions,
                if summary.versions == 1 { "" } else { "s" },
                summary.pages,
                if summary.pages == 1 { "" } else { "s" },
                started.elapsed().as_millis()
            );
            for warning in &summary.warnings {
                eprintln!("warning: {warning}");
            }
        }
        Err(error) => {
            let message = error.to_string();
            eprintln!("{message}\nbuild failed; still serving the last good pages");
            state.error = Some(message);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("txt") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file a URL path names inside `site_folder`, if any: `..`, absolute
/// paths and anything else that would leave the folder are refused.
fn resolve(site_folder: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let mut file = site_folder.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// What every connection thread needs.
struct Served {
    site_folder: PathBuf,
    state: Arc<Mutex<BuildState>>,
    /// Where the server listens, for the message refusing other hosts.
    address: String,
    /// The address given to `--bind`: when it is not loopback, requests
    /// naming it are answered too.
    bind: IpAddr,
}

/// An answer to one request.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
        }
    }

    fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply::new(status, "text/plain; charset=utf-8", body.into())
    }
}

/// Why no request head was read.
enum HeadError {
    /// Closed, reset, or silent past [`HEAD_TIMEOUT`]: nothing to answer.
    Gone,
    TooLong,
}

/// Answers the one request of `stream`, then closes it (no keep-alive, so
/// no connection stays open between requests).
fn handle(mut stream: TcpStream, id: u64, connections: &Connections, served: &Served) {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let reply = match read_head(&mut stream) {
        Err(HeadError::Gone) => return,
        Err(HeadError::TooLong) => (Reply::text(431, "request head too long\n"), false),
        Ok(head) => {
            if !connections.answering(id) {
                return;
            }
            answer(&head, served)
        }
    };
    let (reply, head_only) = reply;
    let _ = send(&mut stream, &reply, head_only);
    let _ = stream.shutdown(Shutdown::Write);
}

/// Reads up to the blank line ending the request head, within
/// [`HEAD_TIMEOUT`] in all (a byte now and then does not keep a
/// connection open) and [`MAX_HEAD`] bytes.
fn read_head(stream: &mut TcpStream) -> Result<String, HeadError> {
    let deadline = Instant::now() + HEAD_TIMEOUT;
    let mut head = Vec::new();
    let mut chunk = [0_u8; 2048];
    loop {
        if let Some(end) = head_end(&head) {
            head.truncate(end);
            return Ok(String::from_utf8_lossy(&head).into_owned());
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLong);
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            return Err(HeadError::Gone);
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(HeadError::Gone),
            Ok(read) => head.extend_from_slice(&chunk[..read]),
        }
    }
}

/// Where the head ends: at the first empty line (CRLF or bare LF).
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|window| window == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|window| window == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The reply to a request head, and whether to send its head only (HEAD).
fn answer(head: &str, served: &Served) -> (Reply, bool) {
    let mut lines = head.lines().map(|line| line.trim_end_matches('\r'));
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return (Reply::text(400, "bad request\n"), false);
    };
    if !version.starts_with("HTTP/1.") {
        return (Reply::text(400, "bad request\n"), false);
    }
    let mut hosts = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return (Reply::text(400, "bad request\n"), false);
        };
        if name.trim().eq_ignore_ascii_case("host") {
            hosts.push(value.trim());
        }
    }
    let head_only = method == "HEAD";
    // A page of another site whose name was made to point at 127.0.0.1 (DNS
    // rebinding) sends its own name: it must not read the site or its
    // build errors. Only loopback names are answered.
    if !matches!(hosts.as_slice(), [host] if is_loopback_host(host) || is_bound_host(host, served.bind))
    {
        let message = format!(
            "sitrep serve answers only requests for localhost, 127.0.0.1 or [::1]{}: open http://{}/\n",
            if served.bind.is_loopback() {
                ""
            } else {
                " and, with --bind, an IP address of the machine (not a name)"
            },
            served.address
        );
        return (Reply::text(403, message), head_only);
    }
    if !target.starts_with('/') {
        return (Reply::text(400, "bad request\n"), head_only);
    }
    if method != "GET" && !head_only {
        return (Reply::text(405, "only GET and HEAD are served\n"), false);
    }
    (respond(target, served), head_only)
}

/// Whether a `Host` header names this machine's loopback interface:
/// `localhost`, `127.0.0.1` or `[::1]`, with any port or none (an SSH
/// tunnel or a container may forward another port to this one).
fn is_loopback_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((name, "")) => (name, None),
            Some((name, rest)) => match rest.strip_prefix(':') {
                Some(port) => (name, Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port_ok = port.is_none_or(|port| {
        !port.is_empty()
            && port.bytes().all(|byte| byte.is_ascii_digit())
            && port.parse::<u16>().is_ok()
    });
    let bracketed = host.starts_with('[');
    port_ok
        && if bracketed {
            name == "::1"
        } else {
            name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1"
        }
}

/// Whether a `Host` header names the address given to `--bind` (any IP
/// address when it is every interface, 0.0.0.0 or ::), with any port or
/// none. Only IP literals: a page whose origin is an IP address of this
/// machine is this server's own page, while a name could be made to point
/// here by another site (DNS rebinding).
fn is_bound_host(host: &str, bind: IpAddr) -> bool {
    if bind.is_loopback() {
        return false;
    }
    let ip = if let Ok(socket) = host.parse::<SocketAddr>() {
        socket.ip()
    } else if let Ok(ip) = host.parse::<Ipv4Addr>() {
        IpAddr::V4(ip)
    } else if let Some(Ok(ip)) = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .map(str::parse::<Ipv6Addr>)
    {
        IpAddr::V6(ip)
    } else {
        return false;
    };
    bind.is_unspecified() || ip == bind
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

fn send(stream: &mut TcpStream, reply: &Reply, head_only: bool) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    );
    if reply.status == 405 {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&reply.body)?;
    }
    stream.flush()
}

/// The reply to a GET of `url` (a path, maybe with a query).
fn respond(url: &str, served: &Served) -> Reply {
    match url {
        "/__sitrep/status" => {
            let state = served
                .state
                .lock()
                .expect("the build state lock is never poisoned");
            let body = serde_json::json!({ "generation": state.generation, "error": state.error })
                .to_string();
            Reply::new(200, "application/json", body)
        }
        "/__sitrep/live.js" => Reply::new(200, "text/javascript; charset=utf-8", LIVE_RELOAD),
        "/__sitrep/live.css" => Reply::new(200, "text/css; charset=utf-8", OVERLAY_STYLE),
        _ => match resolve(&served.site_folder, url) {
            Some(file) => match std::fs::read(&file) {
                Ok(mut bytes) => {
                    if file
                        .extension()
                        .is_some_and(|extension| extension == "html")
                    {
                        bytes = inject_live_reload(&bytes);
                    }
                    Reply::new(200, content_type(&file), bytes)
                }
                Err(_) => Reply::text(404, "not found\n"),
            },
            None => {
                let page = "<!DOCTYPE html><meta charset=utf-8><title>Not found</title><link rel=stylesheet href=/__sitrep/live.css><p>No page at this address. <a href=\"/\">Go to the newest week</a>.</p><script src=/__sitrep/live.js></script>";
                Reply::new(404, "text/html; charset=utf-8", page)
            }
        },
    }
}

/// Adds the live-reload script and overlay style before `</body>`.
fn inject_live_reload(html: &[u8]) -> Vec<u8> {
    let tag = b"<link rel=\"stylesheet\" href=\"/__sitrep/live.css\"><script src=\"/__sitrep/live.js\"></script>";
    let position = html
        .windows(7)
        .rposition(|window| window == b"</body>")
        .unwrap_or(html.len());
    let mut injected = Vec::with_capacity(html.len() + tag.len());
    injected.extend_from_slice(&html[..position]);
    injected.extend_from_slice(tag);
    injected.extend_from_slice(&html[position..]);
    injected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_cannot_leave_the_site() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(folder.path().join("w")).unwrap();
        std::fs::write(folder.path().join("w/index.html"), "x").unwrap();
        assert_eq!(
            resolve(folder.path(), "/w/"),
            Some(folder.path().join("w/index.html"))
        );
        assert_eq!(
            resolve(folder.path(), "/w/index.html?x=1#y"),
            Some(folder.path().join("w/index.html"))
        );
        assert_eq!(resolve(folder.path(), "/../etc/passwd"), None);
        assert_eq!(resolve(folder.path(), "/w/%2e%2e/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(folder.path(), "/missing.html"), None);
    }

    #[test]
    fn inputs_are_told_from_other_files() {
        let root = Path::new("/site");
        assert!(is_input(
            root,
            Path::new("/site/content/reviews/2026-W47/index.md")
        ));
        assert!(is_input(root, Path::new("/site/site.yaml")));
        assert!(is_input(root, Path::new("/site/data/a.csv")));
        assert!(!is_input(root, Path::new("/site/public/index.html")));
        assert!(!is_input(root, Path::new("/site/content/.index.md.swp")));
        assert!(!is_input(root, Path::new("/site/target/debug/x")));
    }

    #[test]
    fn only_loopback_hosts_are_answered() {
        for host in [
            "localhost",
            "LOCALHOST:4000",
            "127.0.0.1",
            "127.0.0.1:65535",
            "[::1]",
            "[::1]:4000",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "attacker.example",
            "attacker.example:4000",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "127.0.0.2",
            "0.0.0.0",
            "::1",
            "[::1",
            "[::1]x",
            "[::1]:",
            "[::2]:4000",
            "[localhost]",
            "localhost:",
            "localhost:65536",
            "localhost:+80",
            "localhost:80:80",
            "user@localhost",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn a_non_loopback_bind_address_is_answered_by_ip_only() {
        let lan: IpAddr = "192.168.1.20".parse().unwrap();
        for host in ["192.168.1.20", "192.168.1.20:4000"] {
            assert!(is_bound_host(host, lan), "{host}");
        }
        for host in [
            "192.168.1.21",
            "192.168.1.20.nip.io",
            "mybox.local",
            "mybox.local:4000",
            "192.168.1.20:",
            "192.168.1.20:x",
        ] {
            assert!(!is_bound_host(host, lan), "{host}");
        }
        // Every interface: any IP literal, never a name.
        let every: IpAddr = "0.0.0.0".parse().unwrap();
        assert!(is_bound_host("10.0.0.5:4000", every));
        assert!(is_bound_host("[fe80::1]:4000", every));
        assert!(!is_bound_host("attacker.example", every));
        // A loopback bind answers loopback names only (see above).
        assert!(!is_bound_host("10.0.0.5", Ipv4Addr::LOCALHOST.into()));
    }

    #[test]
    fn a_request_head_ends_at_the_first_empty_line() {
        // "GET / HTTP/1.1" is 14 bytes, CRLF 2, "Host: a" 7: 23.
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), Some(23));
        assert_eq!(head_end(b"GET / HTTP/1.0\n\n"), Some(14));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
    }

    #[test]
    fn the_script_goes_before_the_body_ends() {
        let html = inject_live_reload(b"<html><body><p>x</p></body></html>");
        let html = String::from_utf8(html).unwrap();
        assert!(
            html.ends_with("<script src=\"/__sitrep/live.js\"></script></body></html>"),
            "{html}"
        );
    }
}
