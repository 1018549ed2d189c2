//! `sitrep serve`: builds the site into a temporary folder, serves it on
//! 127.0.0.1, rebuilds when an input changes, and reloads open pages. A
//! failed build keeps the last good pages and shows its errors in the
//! terminal and over the page until the next good save.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};
use tiny_http::{Header, Response, Server};

use crate::error::Error;
use crate::load::SITE_FILE;
use crate::pipeline::{build, Silent};

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

/// Serves the site at `root` on `127.0.0.1:port` (0: any free port) until
/// the process ends. `ready` is told the address once the server listens.
pub fn serve(root: &Path, port: u16, ready: impl FnOnce(&str)) -> Result<(), Error> {
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

    let server = Server::http(("127.0.0.1", port)).map_err(|error| {
        Error::io(
            "cannot listen on",
            format!("127.0.0.1:{port}"),
            std::io::Error::other(error.to_string()),
        )
    })?;
    let address = server.server_addr().to_ip().map_or_else(
        || format!("127.0.0.1:{port}"),
        |address| address.to_string(),
    );

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
    ready(&address);
    for request in server.incoming_requests() {
        let site_folder = site_folder.clone();
        let state = state.clone();
        std::thread::spawn(move || respond(request, &site_folder, &state));
    }
    drop(watcher);
    Ok(())
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
    let result = build(root, Some(site_folder), &Silent);
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

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names and values are valid")
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

fn respond(request: tiny_http::Request, site_folder: &Path, state: &Mutex<BuildState>) {
    let url = request.url().to_string();
    let no_store = header("Cache-Control", "no-store");
    let result = match url.as_str() {
        "/__sitrep/status" => {
            let body = {
                let state = state
                    .lock()
                    .expect("the build state lock is never poisoned");
                serde_json::json!({ "generation": state.generation, "error": state.error })
                    .to_string()
            };
            request.respond(
                Response::from_string(body)
                    .with_header(header("Content-Type", "application/json"))
                    .with_header(no_store),
            )
        }
        "/__sitrep/live.js" => request.respond(
            Response::from_string(LIVE_RELOAD)
                .with_header(header("Content-Type", "text/javascript; charset=utf-8"))
                .with_header(no_store),
        ),
        "/__sitrep/live.css" => request.respond(
            Response::from_string(OVERLAY_STYLE)
                .with_header(header("Content-Type", "text/css; charset=utf-8"))
                .with_header(no_store),
        ),
        _ => match resolve(site_folder, &url) {
            Some(file) => {
                let mut bytes = Vec::new();
                let read = std::fs::File::open(&file)
                    .and_then(|mut opened| opened.read_to_end(&mut bytes));
                match read {
                    Ok(_) => {
                        if file
                            .extension()
                            .is_some_and(|extension| extension == "html")
                        {
                            bytes = inject_live_reload(&bytes);
                        }
                        request.respond(
                            Response::from_data(bytes)
                                .with_header(header("Content-Type", content_type(&file)))
                                .with_header(no_store),
                        )
                    }
                    Err(_) => {
                        request.respond(Response::from_string("not found").with_status_code(404))
                    }
                }
            }
            None => {
                let page = "<!DOCTYPE html><meta charset=utf-8><title>Not found</title><link rel=stylesheet href=/__sitrep/live.css><p>No page at this address. <a href=\"/\">Go to the newest week</a>.</p><script src=/__sitrep/live.js></script>";
                request.respond(
                    Response::from_string(page)
                        .with_status_code(404)
                        .with_header(header("Content-Type", "text/html; charset=utf-8")),
                )
            }
        },
    };
    let _ = result;
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
    fn the_script_goes_before_the_body_ends() {
        let html = inject_live_reload(b"<html><body><p>x</p></body></html>");
        let html = String::from_utf8(html).unwrap();
        assert!(
            html.ends_with("<script src=\"/__sitrep/live.js\"></script></body></html>"),
            "{html}"
        );
    }
}
