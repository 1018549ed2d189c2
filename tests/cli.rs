//! The command line itself, end to end with the real binary: getting it
//! (`--version`, completions, man pages), the small traps of `serve`, `init`
//! and week ids, and `serve --open` / `--bind`.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

#[path = "common/files.rs"]
mod files;
#[path = "common/serve.rs"]
mod server;

use files::sitrep;
use server::Server;

/// `sitrep` with no `--root`.
fn bare_sitrep() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("sitrep").unwrap()
}

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run(command: &mut assert_cmd::Command) -> Output {
    let output = command.timeout(Duration::from_secs(120)).output().unwrap();
    Output {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A `sitrep init` project in `<temp>/site`.
fn init_site() -> (TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let site = temp.path().join("site");
    let output = run(bare_sitrep().arg("init").arg(&site));
    assert!(output.success, "init failed: {}", output.stderr);
    (temp, site)
}

/// The review weeks of a project, by folder name.
fn review_weeks(site: &Path) -> Vec<String> {
    let mut weeks: Vec<String> = std::fs::read_dir(site.join("content/reviews"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    weeks.sort();
    weeks
}

#[test]
fn version_names_the_package_version() {
    let output = run(bare_sitrep().arg("--version"));
    assert!(output.success);
    assert_eq!(
        output.stdout,
        format!("sitrep {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn serve_outside_a_site_fails_at_once() {
    let empty = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = run(sitrep(empty.path()).args(["serve", "--port", "0"]));
    assert!(!output.success);
    assert!(!output.stdout.contains("Serving"), "{}", output.stdout);
    let expected = format!(
        "error: site.yaml: no site.yaml in {}: nothing to serve\n  help: run `sitrep serve` in a site project folder, name one with `--root DIR`, or create one with `sitrep init DIR`\n",
        empty.path().display()
    );
    assert!(output.stderr.starts_with(&expected), "{}", output.stderr);
    assert!(started.elapsed() < Duration::from_secs(60));

    // In the current folder, the message says so rather than `.`.
    let output = run(bare_sitrep()
        .current_dir(empty.path())
        .args(["serve", "--port", "0"]));
    assert!(!output.success);
    assert!(
        output.stderr.starts_with(
            "error: site.yaml: no site.yaml in the current folder: nothing to serve\n"
        ),
        "{}",
        output.stderr
    );
    // Nothing was created while failing.
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn serve_on_a_port_in_use_says_to_try_port_0() {
    let (_temp, site) = init_site();
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = run(sitrep(&site).args(["serve", "--port", &port.to_string()]));
    assert!(!output.success);
    assert!(!output.stdout.contains("Serving"), "{}", output.stdout);
    assert_eq!(
        output.stderr,
        format!("error: cannot listen on 127.0.0.1:{port}: port {port} is in use; try --port 0 to pick a free one\n")
    );
}

#[test]
fn init_creates_its_folder_relative_to_root() {
    let temp = tempfile::tempdir().unwrap();
    let output = run(sitrep(temp.path()).args(["init", "wbr"]));
    assert!(output.success, "{}", output.stderr);
    assert!(temp.path().join("wbr/site.yaml").is_file());
    let project = temp.path().join("wbr");
    assert!(
        output
            .stdout
            .contains(&format!("Created a site project in {}", project.display())),
        "{}",
        output.stdout
    );
    assert!(output
        .stdout
        .contains(&format!("  cd {}\n", project.display())));

    // --root alone names the project folder.
    let output = run(sitrep(&temp.path().join("other")).arg("init"));
    assert!(output.success, "{}", output.stderr);
    assert!(temp.path().join("other/site.yaml").is_file());

    // Without --root, DIR is relative to the current folder, as before.
    let output = run(bare_sitrep()
        .current_dir(temp.path())
        .args(["init", "third"]));
    assert!(output.success, "{}", output.stderr);
    assert!(output.stdout.contains("Created a site project in third"));
    assert!(temp.path().join("third/site.yaml").is_file());
    assert!(!temp.path().join("third/third").exists());
}

#[test]
fn lower_case_week_ids_are_read_as_iso_week_ids() {
    let (_temp, site) = init_site();
    let week = review_weeks(&site).pop().unwrap();
    assert!(week.contains("-W"), "{week}");
    let typed = week.to_lowercase();

    // new week: recreate the week init made, typed in lower case.
    std::fs::remove_dir_all(site.join("content/reviews").join(&week)).unwrap();
    let output = run(sitrep(&site).args(["new", "week", &typed]));
    assert!(output.success, "{}", output.stderr);
    assert!(
        output
            .stderr
            .starts_with(&format!("note: {typed} read as {week}\n")),
        "{}",
        output.stderr
    );
    assert!(output
        .stdout
        .contains(&format!("Created review week {week}")));
    assert_eq!(review_weeks(&site), vec![week.clone()]);

    let output = run(sitrep(&site).args(["publish", &typed]));
    assert!(output.success, "{}", output.stderr);
    assert!(
        output
            .stderr
            .starts_with(&format!("note: {typed} read as {week}\n")),
        "{}",
        output.stderr
    );
    assert!(output.stdout.contains(&format!("Published week {week}")));
    assert!(site
        .join("content/reviews")
        .join(&week)
        .join("numbers.json")
        .is_file());

    // Anything else still gets the calendar's own error, with no note.
    let output = run(sitrep(&site).args(["publish", "2026-w5x"]));
    assert!(!output.success);
    assert!(!output.stderr.contains("note:"), "{}", output.stderr);
    assert!(output.stderr.contains("is not an ISO week id"));
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _sitrep"),
        ("zsh", "#compdef sitrep"),
        ("fish", "complete -c sitrep"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[sitrep]"),
    ] {
        let output = run(bare_sitrep().args(["completions", shell]));
        assert!(output.success, "{shell}: {}", output.stderr);
        assert!(output.stdout.contains(marker), "{shell}: {}", output.stdout);
        // Built from the same definitions as --help: subcommands and flags.
        for word in ["serve", "publish", "bind", "root"] {
            assert!(output.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let output = run(bare_sitrep().args(["completions", "tcsh"]));
    assert!(!output.success);
    assert!(
        output
            .stderr
            .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{}",
        output.stderr
    );
}

#[test]
fn man_pages_on_stdout_or_one_per_command() {
    let output = run(bare_sitrep().arg("man"));
    assert!(output.success, "{}", output.stderr);
    assert!(output.stdout.contains(".TH sitrep 1"), "{}", output.stdout);
    assert!(output.stdout.contains("\\-\\-root"));
    assert!(output.stdout.contains("sitrep\\-serve(1)"));

    let temp = tempfile::tempdir().unwrap();
    let folder = temp.path().join("man");
    let output = run(bare_sitrep().arg("man").arg("-o").arg(&folder));
    assert!(output.success, "{}", output.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for page in [
        "sitrep.1",
        "sitrep-build.1",
        "sitrep-init.1",
        "sitrep-new.1",
        "sitrep-new-week.1",
        "sitrep-publish.1",
        "sitrep-serve.1",
    ] {
        assert!(pages.contains(&page.to_string()), "{pages:?}");
    }
    assert!(output.stdout.ends_with(&format!(
        "Wrote {} man pages; read one with `man {}`\n",
        pages.len(),
        folder.join("sitrep.1").display()
    )));
    let serve = std::fs::read_to_string(folder.join("sitrep-serve.1")).unwrap();
    assert!(serve.contains("\\-\\-bind") && serve.contains("\\-\\-open"));
}

/// Starts `sitrep serve` on `site` with `arguments`, with `path` first on
/// PATH.
fn serve(site: &Path, arguments: &[&str], path: Option<&Path>) -> Server {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("sitrep"));
    command
        .arg("--root")
        .arg(site)
        .args(["serve", "--port", "0"])
        .args(arguments);
    if let Some(path) = path {
        let old = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![path.to_path_buf()];
        paths.extend(std::env::split_paths(&old));
        command.env("PATH", std::env::join_paths(paths).unwrap());
    }
    Server::spawn(command)
}

/// Waits up to 30 s for `path` to exist with content.
fn wait_for_file(path: &Path) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.ends_with('\n') {
                return Some(text);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Writes an executable shell script `bin/<name>`.
#[cfg(unix)]
fn fake_program(bin: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).unwrap();
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn serve_open_opens_the_served_address_and_a_failure_is_a_warning() {
    let (temp, site) = init_site();
    let bin = temp.path().join("bin");
    let opened = temp.path().join("opened.txt");
    fake_program(
        &bin,
        "xdg-open",
        &format!("echo \"$@\" > '{}'", opened.display()),
    );
    let server = serve(&site, &["--open"], Some(&bin));
    let url = format!("http://127.0.0.1:{}/", server.port);
    assert!(server.stdout.contains(&format!("Serving {url}")));
    assert_eq!(
        wait_for_file(&opened).as_deref(),
        Some(&*format!("{url}\n"))
    );
    let (_, stderr) = server.stop();
    assert!(!stderr.contains("warning"), "{stderr}");

    // An opener that fails: a warning, and the server goes on.
    fake_program(&bin, "xdg-open", "exit 3");
    let server = serve(&site, &["--open"], Some(&bin));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.status_for_host("localhost"), 200);
    let url = format!("http://127.0.0.1:{}/", server.port);
    let (_, stderr) = server.stop();
    assert!(
        stderr.contains(&format!(
            "warning: could not open a browser (xdg-open failed: exit status: 3); open {url} yourself"
        )),
        "{stderr}"
    );
}

#[test]
fn serve_without_open_runs_no_opener() {
    let (temp, site) = init_site();
    let bin = temp.path().join("bin");
    let opened = temp.path().join("opened.txt");
    #[cfg(unix)]
    fake_program(
        &bin,
        "xdg-open",
        &format!("echo \"$@\" > '{}'", opened.display()),
    );
    let server = serve(&site, &[], Some(&bin));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.status_for_host("localhost"), 200);
    drop(server);
    assert!(!opened.exists());
}

#[test]
fn serve_on_loopback_answers_loopback_hosts_only_and_warns_of_nothing() {
    let (_temp, site) = init_site();
    let server = serve(&site, &[], None);
    assert_eq!(server.status_for_host("127.0.0.1"), 200);
    assert_eq!(server.status_for_host("192.0.2.7"), 403);
    let (_, stderr) = server.stop();
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn serve_bind_beyond_loopback_warns_and_answers_ip_addresses() {
    let (_temp, site) = init_site();
    let server = serve(&site, &["--bind", "0.0.0.0"], None);
    // Served, and opened, on loopback all the same.
    assert!(server
        .stdout
        .contains(&format!("Serving http://127.0.0.1:{}/", server.port)));
    assert_eq!(server.status_for_host("localhost"), 200);
    // Another machine reaches it by one of this machine's addresses.
    assert_eq!(server.status_for_host("192.0.2.7"), 200);
    assert_eq!(
        server.status_for_host(&format!("192.0.2.7:{}", server.port)),
        200
    );
    // Never by a name: that could be a DNS-rebinding page.
    assert_eq!(server.status_for_host("attacker.example"), 403);
    assert_eq!(server.status_for_host("192.0.2.7.nip.io"), 403);
    let (_, stderr) = server.stop();
    assert!(
        stderr.starts_with("warning: --bind 0.0.0.0: the site and its build errors are visible on the network to anyone who can reach this machine; requests naming any of its IP addresses are answered\n"),
        "{stderr}"
    );
}

#[test]
fn serve_bind_to_an_address_not_of_this_machine_says_so() {
    let (_temp, site) = init_site();
    // 192.0.2.0/24 is reserved for documentation: never a local address.
    let output = run(sitrep(&site).args(["serve", "--port", "0", "--bind", "192.0.2.1"]));
    assert!(!output.success);
    assert!(
        output.stderr.contains("error: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine; give --bind one of its addresses, or 0.0.0.0 for all"),
        "{}",
        output.stderr
    );
    let output = run(sitrep(&site).args(["serve", "--bind", "localhost"]));
    assert!(!output.success);
    assert!(
        output
            .stderr
            .contains("invalid value 'localhost' for '--bind <ADDR>'"),
        "{}",
        output.stderr
    );
}
