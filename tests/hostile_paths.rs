//! Hostile file-system layouts: links and races that try to make sitrep
//! read or write outside the project, leftovers planted next to the
//! output, hidden and colliding inputs, and output folders among the
//! inputs.
//!
//! Layout of every fixture:
//!
//! ```text
//! <tmp>/site/        the site project (--root)
//! <tmp>/site/public/ its output
//! <tmp>/elsewhere/   outside the project: a secret, and a victim file
//! ```

#[path = "common/files.rs"]
mod files;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Planted outside the project; must never reach any output or message.
const SECRET: &str = "SECRET-41c0de-never-read";

const WEEK: &str = "2026-W47";

const PROGRAM: &str = "\
name: Operations
owner: A. Owner
metrics:
  tickets:
    name: Tickets
    column: tickets
    better: down
";

/// `tickets` is 100 a day from September to the end of week 47.
fn csv() -> String {
    let mut text = String::from("date,tickets\n");
    let mut day: jiff::civil::Date = "2026-09-01".parse().unwrap();
    let end: jiff::civil::Date = "2026-11-22".parse().unwrap();
    while day <= end {
        text.push_str(&format!("{day},100\n"));
        day = day.tomorrow().unwrap();
    }
    text
}

struct Fixture {
    outer: tempfile::TempDir,
    root: PathBuf,
}

/// A path's state in a snapshot.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
}

impl Fixture {
    /// A valid site, not yet built, and a secret outside it.
    fn new() -> Fixture {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("site");
        let fixture = Fixture { outer, root };
        fixture.write("site.yaml", "title: Paths\n");
        fixture.write("content/programs/ops.yaml", PROGRAM);
        fixture.write("data/ops.csv", &csv());
        fixture.write(
            &format!("content/reviews/{WEEK}/index.md"),
            "Tickets: {{ value(\"ops.tickets\") }}.\n",
        );
        fixture.write(
            &format!("content/reviews/{WEEK}/ops.md"),
            "Tickets {{ value(\"tickets\") }}.\n",
        );
        fs::create_dir_all(fixture.outside()).unwrap();
        fixture
    }

    fn built() -> Fixture {
        let fixture = Fixture::new();
        fixture.ok("build");
        fixture
    }

    fn outside(&self) -> PathBuf {
        self.outer.path().join("elsewhere")
    }

    fn output(&self) -> PathBuf {
        self.root.join("public")
    }

    fn write(&self, relative: &str, contents: &str) {
        files::write(&self.root, relative, contents);
    }

    fn link(&self, target: impl AsRef<Path>, relative: &str) {
        let path = self.root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
    }

    /// Everything under the temporary folder, links not followed.
    fn snapshot(&self) -> BTreeMap<PathBuf, Entry> {
        walkdir::WalkDir::new(self.outer.path())
            .follow_links(false)
            .into_iter()
            .map(Result::unwrap)
            .map(|entry| {
                let path = entry.path();
                let state = if entry.path_is_symlink() {
                    Entry::Link(fs::read_link(path).unwrap())
                } else if entry.file_type().is_dir() {
                    Entry::Dir
                } else {
                    Entry::File(fs::read(path).unwrap())
                };
                (
                    path.strip_prefix(self.outer.path()).unwrap().to_path_buf(),
                    state,
                )
            })
            .collect()
    }

    fn run(&self, args: &[&str]) -> Output {
        files::sitrep(&self.root).args(args).output().unwrap()
    }

    /// Runs a command that must succeed; returns stdout and stderr.
    fn ok(&self, command: &str) -> String {
        let output = self.run(&command.split(' ').collect::<Vec<_>>());
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "`{command}` failed:\n{text}");
        assert!(!text.contains(SECRET), "the secret leaked:\n{text}");
        text
    }

    /// Runs a command that must fail with status 1, changing nothing on
    /// disk, with an error naming each of `locations`; returns stderr.
    fn rejects(&self, args: &[&str], locations: &[&str]) -> String {
        let before = self.snapshot();
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(1),
            "`{args:?}` should fail:\n{stderr}{}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_unchanged(&before, &self.snapshot(), &format!("`{args:?}`: {stderr}"));
        for location in locations {
            assert!(
                stderr
                    .lines()
                    .any(|line| line.starts_with(&format!("error: {location}"))),
                "no error at {location}:\n{stderr}"
            );
        }
        assert!(!stderr.contains(SECRET), "the secret leaked:\n{stderr}");
        stderr
    }
}

/// Asserts that nothing changed between two snapshots, naming what did.
fn assert_unchanged(
    before: &BTreeMap<PathBuf, Entry>,
    after: &BTreeMap<PathBuf, Entry>,
    what: &str,
) {
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    assert!(
        changed.is_empty(),
        "changed although it failed: {changed:?}\n{what}"
    );
}

// ---------------------------------------------------------------------------
// Item 3: reads outside the project by a race

/// Swaps two entries of a folder atomically, over and over, until told
/// to stop.
struct Swapper {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Swapper {
    fn start(a: PathBuf, b: PathBuf) -> Swapper {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop_flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let a = CString::new(a.as_os_str().as_bytes()).unwrap();
            let b = CString::new(b.as_os_str().as_bytes()).unwrap();
            let mut swaps = 0;
            while !stop_flag.load(Ordering::Relaxed) {
                // SAFETY: two valid NUL-terminated paths.
                let result = unsafe {
                    libc::renameat2(
                        libc::AT_FDCWD,
                        a.as_ptr(),
                        libc::AT_FDCWD,
                        b.as_ptr(),
                        libc::RENAME_EXCHANGE,
                    )
                };
                assert_eq!(result, 0, "renameat2 failed");
                swaps += 1;
            }
            swaps
        });
        Swapper {
            stop,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

/// A data sub-folder swapped with a link to a folder outside, while
/// sitrep reads: the outside file, whose contents would show in an error
/// message, is never read.
#[test]
fn a_data_folder_swapped_for_a_link_while_reading_leaks_nothing() {
    let site = Fixture::new();
    site.write("data/sub/more.csv", "date,other\n2026-11-16,1\n");
    let planted = site.outside().join("planted");
    fs::create_dir_all(&planted).unwrap();
    fs::write(
        planted.join("more.csv"),
        format!("date,other\n2026-11-16,{SECRET}\n{SECRET},1\n"),
    )
    .unwrap();
    // `data/swap` is the link; it is itself reported (it leads outside),
    // but never read.
    site.link(&planted, "data/swap");
    let swapper = Swapper::start(site.root.join("data/sub"), site.root.join("data/swap"));
    let mut runs = 0;
    for _ in 0..40 {
        let output = site.run(&["check"]);
        runs += 1;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !text.contains(SECRET),
            "run {runs}: the outside file was read:\n{text}"
        );
    }
    let swaps = swapper.stop();
    assert!(swaps > 100, "the race ran: {swaps} swaps");
}

// ---------------------------------------------------------------------------
// Item 10: inputs the README says are ignored, and colliding ids

#[test]
fn files_in_hidden_folders_are_not_inputs() {
    let site = Fixture::new();
    site.write("data/.old/a.csv", "not,a\nvalid csv");
    site.write("content/programs/.trash/x.yaml", "name: [unclosed\n");
    site.write(
        &format!("content/reviews/{WEEK}/.drafts/ops.md"),
        "{{ value(\"nope\") }}\n",
    );
    site.ok("check");
    site.ok("build");
}

/// `stderr` has an error at `location` whose line also names `other`.
fn assert_error_names_both(stderr: &str, location: &str, other: &str) {
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with(&format!("error: {location}")) && line.contains(other)),
        "no error at {location} naming {other}:\n{stderr}"
    );
}

#[test]
fn two_programs_with_one_id_are_an_error_naming_both_files() {
    let site = Fixture::built();
    site.write("content/programs/a/extra.yaml", PROGRAM);
    site.write("content/programs/b/extra.yaml", PROGRAM);
    let stderr = site.rejects(&["build"], &["content/programs/b/extra.yaml"]);
    assert_error_names_both(
        &stderr,
        "content/programs/b/extra.yaml",
        "content/programs/a/extra.yaml",
    );
}

#[test]
fn program_ids_differing_only_in_case_are_an_error_naming_both_files() {
    let site = Fixture::built();
    site.write("content/programs/Inc.yaml", PROGRAM);
    site.write("content/programs/inc.yaml", PROGRAM);
    let stderr = site.rejects(&["build"], &["content/programs/inc.yaml"]);
    assert_error_names_both(
        &stderr,
        "content/programs/inc.yaml",
        "content/programs/Inc.yaml",
    );
}

#[test]
fn program_ids_the_output_layout_uses_are_errors() {
    let site = Fixture::built();
    let names = ["index", "assets", "archive", "print", "data", "Versions"];
    for name in names {
        site.write(&format!("content/programs/{name}.yaml"), PROGRAM);
    }
    let locations: Vec<String> = names
        .iter()
        .map(|name| format!("content/programs/{name}.yaml"))
        .collect();
    let locations: Vec<&str> = locations.iter().map(String::as_str).collect();
    let stderr = site.rejects(&["build"], &locations);
    assert_eq!(
        stderr.matches("is reserved").count(),
        names.len(),
        "{stderr}"
    );
}

#[test]
fn week_folders_differing_only_in_case_are_an_error_naming_both() {
    let site = Fixture::built();
    site.write("content/reviews/2026-W46/index.md", "Hello\n");
    site.write("content/reviews/2026-w46/index.md", "Hello\n");
    let stderr = site.rejects(&["build"], &["content/reviews/2026-w46"]);
    assert_error_names_both(
        &stderr,
        "content/reviews/2026-w46",
        "content/reviews/2026-W46",
    );
}

#[test]
fn two_narratives_of_one_program_in_a_week_are_an_error_naming_both() {
    let site = Fixture::built();
    site.write(
        &format!("content/reviews/{WEEK}/more/ops.md"),
        "Another page for ops.\n",
    );
    // Folders are read depth first, each by name: `more/` comes first.
    let first = format!("content/reviews/{WEEK}/more/ops.md");
    let second = format!("content/reviews/{WEEK}/ops.md");
    let stderr = site.rejects(&["build"], &[&second]);
    assert_error_names_both(&stderr, &second, &first);
}

// ---------------------------------------------------------------------------
// Item 2: leftovers next to the output, and failed writes

/// The issue's example: a planted staging folder marked complete, listing
/// a planted file for removal, and `.public.previous` a link to a folder
/// outside. The build refuses before moving anything.
#[test]
fn a_planted_previous_folder_link_is_never_written_through() {
    let site = Fixture::built();
    let victim = site.outside().join("victim");
    fs::create_dir_all(&victim).unwrap();
    fs::write(victim.join("target.txt"), "VICTIM").unwrap();
    site.write("public/target.txt", "ATTACKER");
    site.write(".public.staging/.sitrep-commit", "target.txt");
    site.link(&victim, ".public.previous");
    let stderr = site.rejects(&["build"], &[]);
    assert!(stderr.contains(".public.previous"), "{stderr}");
    assert_eq!(
        fs::read_to_string(victim.join("target.txt")).unwrap(),
        "VICTIM"
    );
}

/// A staging folder that is a link to a folder outside: its files are
/// neither moved into the site nor deleted.
#[test]
fn a_planted_staging_folder_link_is_never_followed() {
    let site = Fixture::built();
    let victim = site.outside().join("victim");
    fs::create_dir_all(&victim).unwrap();
    fs::write(victim.join("keep.txt"), "VICTIM").unwrap();
    fs::write(victim.join(".sitrep-commit"), "").unwrap();
    site.link(&victim, ".public.staging");
    let stderr = site.rejects(&["build"], &[]);
    assert!(stderr.contains(".public.staging"), "{stderr}");
    // Without a commit marker too.
    fs::remove_file(victim.join(".sitrep-commit")).unwrap();
    site.rejects(&["build"], &[]);
    assert_eq!(
        fs::read_to_string(victim.join("keep.txt")).unwrap(),
        "VICTIM"
    );
}

/// A real staging folder sitrep did not make (say, committed to the
/// repository) is not used either.
#[test]
fn a_planted_staging_folder_is_not_used() {
    let site = Fixture::built();
    site.write("public/target.txt", "ATTACKER");
    site.write(".public.staging/.sitrep-commit", "target.txt");
    site.write(".public.staging/index.html", "planted");
    let stderr = site.rejects(&["build"], &[]);
    assert!(stderr.contains(".public.staging"), "{stderr}");
}

/// `out` is a link to a folder outside and the output is `out/site`: the
/// build refuses before touching the leftovers out there.
#[test]
fn an_output_through_a_link_outside_is_refused_before_leftovers_are_touched() {
    let site = Fixture::built();
    let web = site.outside().join("web");
    fs::create_dir_all(web.join(".site.staging")).unwrap();
    fs::write(web.join(".site.staging/keep.txt"), "mine").unwrap();
    fs::create_dir_all(web.join(".site.previous")).unwrap();
    site.link(&web, "out");
    site.write("site.yaml", "title: Paths\noutput: out/site\n");
    site.rejects(&["build"], &["out"]);
    assert!(web.join(".site.staging/keep.txt").is_file());
    assert!(web.join(".site.previous").is_dir());
}

/// A full disk (simulated with a file size limit: writing a page fails as
/// on a full disk) fails the build, leaves the published site as it was,
/// and leaves no staging folder behind.
#[test]
fn a_failed_write_leaves_the_site_and_no_staging_folder() {
    use std::os::unix::process::CommandExt;
    let site = Fixture::built();
    let published = files::snapshot(&site.output());
    // A new title changes every page.
    site.write("site.yaml", "title: Paths renamed\n");
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("sitrep"));
    command
        .arg("--root")
        .arg(&site.root)
        .args(["build", "--drafts"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2048,
                rlim_max: 2048,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(files::snapshot(&site.output()), published);
    assert!(
        !site.root.join(".public.staging").exists(),
        "the staging folder was left behind"
    );
    // With room again, the build completes.
    site.ok("build");
    assert!(fs::read_to_string(site.output().join("index.html"))
        .unwrap()
        .contains("Paths renamed"));
}

// ---------------------------------------------------------------------------
// Item 11: output folders among the inputs

#[test]
fn an_output_folder_among_the_inputs_is_refused() {
    let site = Fixture::built();
    for output in [
        "content/reviews/2026-W50",
        "content",
        "data/out",
        "themes/x",
        "sources/x",
        ".",
        "",
    ] {
        let path = site.root.join(output);
        let stderr = site.rejects(&["build", "-o", path.to_str().unwrap()], &[]);
        assert!(
            stderr.contains("input folder") || stderr.contains("site project itself"),
            "{output}: {stderr}"
        );
    }
    // A link inside the project to an input folder counts as that folder.
    site.link("content/reviews", "public2");
    site.rejects(
        &[
            "build",
            "-o",
            site.root.join("public2/2026-W50").to_str().unwrap(),
        ],
        &[],
    );
    site.write("site.yaml", "title: Paths\noutput: public2/x\n");
    site.rejects(&["build"], &[]);
}

// ---------------------------------------------------------------------------
// Item 4: writing through planted links

#[test]
fn publishing_through_a_linked_temporary_file_spares_the_other_week() {
    let site = Fixture::new();
    site.write("content/reviews/2026-W46/index.md", "Week 46.\n");
    site.ok("publish 2026-W46");
    let numbers_46 = site.root.join("content/reviews/2026-W46/numbers.json");
    let published = fs::read(&numbers_46).unwrap();
    site.link(
        "../2026-W46/numbers.json",
        &format!("content/reviews/{WEEK}/numbers.json.tmp"),
    );
    site.ok(&format!("publish {WEEK}"));
    assert_eq!(
        fs::read(&numbers_46).unwrap(),
        published,
        "week 46's numbers were overwritten"
    );
    let numbers_47 = site
        .root
        .join(format!("content/reviews/{WEEK}/numbers.json"));
    assert!(fs::symlink_metadata(&numbers_47).unwrap().is_file());
    assert!(fs::read_to_string(&numbers_47).unwrap().contains(WEEK));
    site.ok("build");
}

/// `sitrep init <dir>` with a fresh fixture folder; returns the command's
/// output.
fn init(site: &Fixture, dir: &Path) -> Output {
    files::sitrep(&site.root)
        .arg("init")
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn init_never_writes_through_a_link_out_of_the_new_project() {
    let site = Fixture::new();
    let dir = site.outer.path().join("new");
    fs::create_dir_all(&dir).unwrap();
    let target = site.outside().join("linked-content");
    fs::create_dir_all(&target).unwrap();
    symlink(&target, dir.join("content")).unwrap();
    let before = site.snapshot();
    let output = init(&site, &dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("content"), "{stderr}");
    assert_unchanged(&before, &site.snapshot(), &stderr);
}

#[test]
fn init_checks_everything_before_writing_anything() {
    let site = Fixture::new();
    let dir = site.outer.path().join("new");
    files::write(&dir, "content/programs/broken.yaml", "name: [unclosed\n");
    let before = site.snapshot();
    let output = init(&site, &dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_unchanged(&before, &site.snapshot(), &stderr);
    // In a new folder it works, and builds.
    let fresh = site.outer.path().join("fresh");
    assert!(init(&site, &fresh).status.success());
    files::sitrep(&fresh).arg("build").assert().success();
}

#[test]
fn a_new_week_never_writes_through_a_dangling_link() {
    let site = Fixture::built();
    site.link(
        "../../../../elsewhere/planted.md",
        "content/reviews/2026-W48/ops.md",
    );
    let stderr = site.rejects(&["new", "week", "2026-W48"], &[]);
    assert!(stderr.contains("ops.md"), "{stderr}");
    assert!(!site.outside().join("planted.md").exists());
}
