//! Atomic publishing: a build killed part-way leaves the published site
//! exactly as it was, and the next build completes it.

#[path = "common/large_site.rs"]
mod large_site;

#[path = "common/files.rs"]
mod files;

use files::snapshot;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sitrep(root: &Path) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("sitrep"));
    command
        .arg("--root")
        .arg(root)
        .args(["build", "--quiet", "--drafts"]);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

#[test]
fn a_build_killed_part_way_leaves_the_published_site_intact() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    large_site::write_large_site(root, 4, 40);
    let output = root.join("public");
    let staging = root.join(".public.staging");

    let started = Instant::now();
    assert!(sitrep(root).status().unwrap().success());
    let full_build = started.elapsed();
    let mut published = snapshot(&output);
    assert!(
        published.len() > 200,
        "a large enough site: {} files",
        published.len()
    );

    // A new title changes every page, so the next build rewrites them all.
    fs::write(
        root.join("site.yaml"),
        "title: Renamed WBR\nweek_ends_on: sunday\n",
    )
    .unwrap();

    // Kill one build while it computes, before it writes anything.
    let mut child = sitrep(root).spawn().unwrap();
    std::thread::sleep(full_build.mul_f64(0.3));
    let _ = child.kill();
    child.wait().unwrap();
    assert_eq!(
        snapshot(&output),
        published,
        "a build killed early changed the published site"
    );

    // Kill builds while they write: watch for the staging folder to fill
    // up, then kill at once. Bounded: at most 5 attempts of 60 s each.
    let mut killed_while_writing = 0;
    for attempt in 0..5 {
        let mut child = sitrep(root).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut caught = false;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let staged = fs::read_dir(&staging)
                .map(|entries| entries.count())
                .unwrap_or(0);
            if staged >= 2 {
                caught = child.kill().is_ok();
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let status = child.wait().unwrap();
        if caught && !status.success() {
            killed_while_writing += 1;
            assert!(staging.exists(), "attempt {attempt}: killed before writing");
            assert_eq!(
                snapshot(&output),
                published,
                "attempt {attempt}: the published site changed"
            );
        } else {
            // The build won the race and completed: publish the old site
            // again so the next attempt starts from it.
            fs::write(
                root.join("site.yaml"),
                "title: Large synthetic WBR\nweek_ends_on: sunday\n",
            )
            .unwrap();
            assert!(sitrep(root).status().unwrap().success());
            let republished = snapshot(&output);
            assert_eq!(
                republished.keys().collect::<Vec<_>>(),
                published.keys().collect::<Vec<_>>()
            );
            published = republished;
            fs::write(
                root.join("site.yaml"),
                "title: Renamed WBR\nweek_ends_on: sunday\n",
            )
            .unwrap();
        }
        if killed_while_writing >= 2 {
            break;
        }
    }
    assert!(
        killed_while_writing > 0,
        "no build could be killed while writing"
    );

    // The next build completes the site: every page has the new title and
    // nothing is left over.
    assert!(sitrep(root).status().unwrap().success());
    assert!(!staging.exists());
    let rebuilt = snapshot(&output);
    assert_eq!(
        rebuilt.keys().collect::<Vec<_>>(),
        published.keys().collect::<Vec<_>>()
    );
    let week_page = rebuilt
        .get(Path::new(&format!(
            "{}/index.html",
            large_site::newest_week_id()
        )))
        .unwrap();
    assert!(String::from_utf8_lossy(week_page).contains("Renamed WBR"));
}

#[test]
fn a_failing_build_leaves_the_published_site_intact_and_stale_pages_go() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    large_site::write_large_site(root, 2, 3);
    let output = root.join("public");
    assert!(sitrep(root).status().unwrap().success());
    let published = snapshot(&output);

    // A broken narrative: the build fails and writes nothing.
    let narrative = root
        .join("content/reviews")
        .join(large_site::newest_week_id())
        .join("program_00.md");
    let original = fs::read_to_string(&narrative).unwrap();
    fs::write(
        &narrative,
        format!("{original}\n{{{{ value(\"no_such_metric\") }}}}\n"),
    )
    .unwrap();
    assert!(!sitrep(root).status().unwrap().success());
    assert_eq!(snapshot(&output), published);

    // Removing a program removes its pages on the next good build.
    fs::write(&narrative, original).unwrap();
    for week in fs::read_dir(root.join("content/reviews")).unwrap() {
        let _ = fs::remove_file(week.unwrap().path().join("program_01.md"));
    }
    fs::remove_file(root.join("content/programs/program_01.yaml")).unwrap();
    fs::remove_file(root.join("data/program_01.csv")).unwrap();
    let index = root
        .join("content/reviews")
        .join(large_site::newest_week_id())
        .join("index.md");
    let summary = fs::read_to_string(&index).unwrap();
    let kept: Vec<&str> = summary
        .lines()
        .filter(|line| !line.contains("program_01"))
        .collect();
    fs::write(&index, kept.join("\n")).unwrap();
    for week in fs::read_dir(root.join("content/reviews")).unwrap() {
        let path = week.unwrap().path().join("index.md");
        let text = fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|line| !line.contains("program_01"))
            .collect();
        fs::write(&path, kept.join("\n")).unwrap();
    }
    assert!(sitrep(root).status().unwrap().success());
    let rebuilt = snapshot(&output);
    assert!(published
        .keys()
        .any(|path| path.to_string_lossy().contains("program_01")));
    assert!(
        !rebuilt
            .keys()
            .any(|path| path.to_string_lossy().contains("program_01")),
        "stale pages survived"
    );
}
