//! The pages around the numbers, end to end with the real binary: drafts
//! left out of a production build, the ranked exceptions, restatement
//! notices, the print view of a whole week, the e-mail digest, and each
//! page's title, description and favicon.

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::{Path, PathBuf};

use files::sitrep;
use tempfile::TempDir;

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run(root: &Path, args: &[&str]) -> Output {
    let output = sitrep(root).args(args).output().unwrap();
    Output {
        success: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn ok(root: &Path, args: &[&str]) -> Output {
    let output = run(root, args);
    assert!(
        output.success,
        "`sitrep {}` failed:\n{}{}",
        args.join(" "),
        output.stdout,
        output.stderr
    );
    output
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A fresh `sitrep init` project (one program, 65 weeks of daily data) and
/// its review week, a draft.
struct Site {
    _temp: TempDir,
    root: PathBuf,
    week: String,
}

impl Site {
    fn init() -> Site {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("site");
        let output = assert_cmd::Command::cargo_bin("sitrep")
            .unwrap()
            .arg("init")
            .arg(&root)
            .output()
            .unwrap();
        assert!(output.status.success());
        let week = fs::read_dir(root.join("content/reviews"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .next()
            .unwrap();
        Site {
            _temp: temp,
            root,
            week,
        }
    }

    fn public(&self, relative: &str) -> PathBuf {
        self.root.join("public").join(relative)
    }

    fn page(&self, relative: &str) -> String {
        read(&self.public(relative))
    }

    /// The week before the review week, created with `new week` (a draft).
    fn earlier_week(&self) -> String {
        let number: u32 = self.week[6..].parse().unwrap();
        let week = format!("{}-W{:02}", &self.week[..4], number - 1);
        ok(&self.root, &["new", "week", &week]);
        week
    }
}

#[test]
fn a_build_leaves_drafts_out_unless_asked() {
    let site = Site::init();
    let week = &site.week;
    let earlier = site.earlier_week();
    ok(&site.root, &["publish", &earlier]);

    let built = ok(&site.root, &["build"]);
    assert!(
        built
            .stdout
            .contains("1 draft week left out; build with --drafts to include it"),
        "{}",
        built.stdout
    );
    assert!(!site.public(week).exists(), "the draft is not built");
    assert!(site.public(&format!("{earlier}/index.html")).is_file());
    // The landing page goes to the newest week that is there.
    let landing = site.page("index.html");
    assert!(landing.contains(&format!("url={earlier}")), "{landing}");
    assert!(!landing.contains(week.as_str()), "{landing}");
    let archive = site.page("archive/index.html");
    assert!(archive.contains("Every published week, newest first."));
    assert!(!archive.contains(week.as_str()), "{archive}");
    let versions = site.page("versions.json");
    assert!(!versions.contains(week.as_str()), "{versions}");

    // With --drafts the draft is there, newest, and the archive says what
    // it lists.
    let built = ok(&site.root, &["build", "--drafts"]);
    assert!(!built.stdout.contains("left out"), "{}", built.stdout);
    assert!(site.public(&format!("{week}/index.html")).is_file());
    assert!(site.page("index.html").contains(&format!("url={week}")));
    let archive = site.page("archive/index.html");
    assert!(
        archive.contains("Every week of this build, newest first, drafts included"),
        "{archive}"
    );
    assert!(archive.contains(week.as_str()));

    // A build without drafts removes the draft's folder it left, and is
    // the site a fresh build gives.
    ok(&site.root, &["build"]);
    assert!(!site.public(week).exists(), "the draft's folder is removed");
    let incremental = files::snapshot(&site.root.join("public"));
    let fresh = site.root.join("fresh");
    ok(&site.root, &["build", "--output", fresh.to_str().unwrap()]);
    assert_eq!(
        incremental.keys().collect::<Vec<_>>(),
        files::snapshot(&fresh).keys().collect::<Vec<_>>()
    );
    assert!(incremental == files::snapshot(&fresh), "byte-identical");
}

#[test]
fn with_only_drafts_the_landing_page_says_how_to_see_them() {
    let site = Site::init();
    let built = ok(&site.root, &["build"]);
    assert!(
        built.stdout.contains("1 draft week left out"),
        "{}",
        built.stdout
    );
    let landing = site.page("index.html");
    assert!(!landing.contains("http-equiv=\"refresh\""), "{landing}");
    assert!(
        landing.contains("No week is published yet"),
        "the landing page speaks of what is there: {landing}"
    );
    assert!(landing.contains("--drafts"), "{landing}");
}

#[test]
fn every_page_has_one_clean_title_a_description_and_the_favicon() {
    let site = Site::init();
    ok(&site.root, &["build", "--drafts"]);
    let week = &site.week;
    let title = "Trust &amp; Safety — Weekly Business Review";
    for page in [
        "index.html".to_string(),
        "archive/index.html".to_string(),
        format!("{week}/index.html"),
        format!("{week}/incident_resolutions/index.html"),
        format!("{week}/print/index.html"),
    ] {
        let html = site.page(&page);
        assert_eq!(html.matches("<title>").count(), 1, "{page}");
        let shown = html
            .split("<title>")
            .nth(1)
            .and_then(|rest| rest.split("</title>").next())
            .unwrap();
        assert_eq!(
            shown.matches(title).count(),
            1,
            "{page}: the site title once in {shown:?}"
        );
        assert!(
            html.contains("<meta name=\"description\" content=\""),
            "{page}"
        );
        assert!(
            html.contains("<meta property=\"og:title\" content=\""),
            "{page}"
        );
        assert!(html.contains("<meta property=\"og:description\""), "{page}");
        assert!(
            html.contains("<meta property=\"og:type\" content=\"website\">"),
            "{page}"
        );
        assert!(!html.contains("og:url"), "{page}: no base URL configured");
        assert!(html.contains("assets/favicon.svg\""), "{page}");
    }
    assert_eq!(
        site.page("index.html")
            .split("<title>")
            .nth(1)
            .unwrap()
            .split("</title>")
            .next()
            .unwrap(),
        title
    );
    let favicon = site.page("assets/favicon.svg");
    assert!(favicon.starts_with("<svg"), "{favicon}");
}

/// `sitrep serve` on a free port; killed when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(root: &Path, temp: &Path) -> Server {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sitrep"))
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", &port.to_string()])
            .env("TMPDIR", temp)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Server { child, port }
    }

    /// The body of a page answered 200, waiting up to 10 s for the server.
    fn page(&self, path: &str) -> String {
        use std::io::{Read, Write};
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
                let mut text = String::new();
                stream.read_to_string(&mut text).unwrap();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    if head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200") {
                        return body.to_string();
                    }
                }
            }
            assert!(std::time::Instant::now() < deadline, "no 200 for {path}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

#[test]
fn serve_shows_drafts() {
    let site = Site::init();
    let server = Server::start(&site.root, site._temp.path());
    let page = server.page(&format!("/{}/index.html", site.week));
    assert!(
        page.contains("Draft: this review is not published yet"),
        "{page}"
    );
}
