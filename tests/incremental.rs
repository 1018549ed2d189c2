//! Incremental builds: after every kind of edit, a rebuild of an existing
//! output folder gives byte for byte the site a full build into an empty
//! folder gives, and renders and writes only what the edit affects.

#[path = "common/large_site.rs"]
mod large_site;

#[path = "common/files.rs"]
mod files;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use files::{sitrep, snapshot};

/// The fixtures' weeks are drafts: builds include them.
const DRAFTS: sitrep::pipeline::BuildOptions = sitrep::pipeline::BuildOptions { drafts: true };

/// Builds of one site project: an output folder that every step rebuilds,
/// and a fresh folder per step for the full build to compare with.
struct Builds {
    site: tempfile::TempDir,
    outputs: tempfile::TempDir,
    step: usize,
}

impl Builds {
    fn new(programs: usize, weeks: usize) -> Builds {
        let site = tempfile::tempdir().unwrap();
        large_site::write_large_site(site.path(), programs, weeks);
        Builds {
            site,
            outputs: tempfile::tempdir().unwrap(),
            step: 0,
        }
    }

    fn root(&self) -> &Path {
        self.site.path()
    }

    fn incremental(&self) -> PathBuf {
        self.outputs.path().join("incremental")
    }

    fn run(&self, arguments: &[&str], output: &Path) -> assert_cmd::assert::Assert {
        sitrep(self.root())
            .args(arguments)
            .arg("--output")
            .arg(output)
            .env("SOURCE_DATE_EPOCH", "1764000000")
            .assert()
    }

    /// Rebuilds the incremental folder and builds the same inputs into an
    /// empty one; asserts both are identical and returns the rebuild's
    /// summary line.
    fn rebuild_and_compare(&mut self) -> String {
        self.step += 1;
        let rebuilt = self.run(&["build"], &self.incremental()).success();
        let summary = String::from_utf8_lossy(&rebuilt.get_output().stdout).into_owned();
        let full = self.outputs.path().join(format!("full-{}", self.step));
        self.run(&["build"], &full).success();
        let (incremental, full) = (snapshot(&self.incremental()), snapshot(&full));
        assert_eq!(
            incremental.keys().collect::<Vec<_>>(),
            full.keys().collect::<Vec<_>>(),
            "step {}: the incremental build has other files",
            self.step
        );
        for (path, bytes) in &incremental {
            assert!(
                *bytes == full[path],
                "step {}: {} differs from a full build",
                self.step,
                path.display()
            );
        }
        summary
    }

    fn edit(&self, relative: &str, edit: impl FnOnce(String) -> String) {
        let path = self.root().join(relative);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, edit(text)).unwrap();
    }

    /// The inode of every file of the incremental output: a file that
    /// keeps its inode was not written again.
    fn inodes(&self) -> BTreeMap<PathBuf, u64> {
        let output = self.incremental();
        walkdir::WalkDir::new(&output)
            .into_iter()
            .map(Result::unwrap)
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                let relative = entry.path().strip_prefix(&output).unwrap().to_path_buf();
                (relative, entry.metadata().unwrap().ino())
            })
            .collect()
    }
}

/// The `N files written` of a build's summary line.
fn written(summary: &str) -> usize {
    let (before, _) = summary
        .split_once(" file")
        .unwrap_or_else(|| panic!("no file count in {summary:?}"));
    before.rsplit('(').next().unwrap().trim().parse().unwrap()
}

/// The files of the site whose inode changed between two listings, and
/// new files (the build cache is bookkeeping, rewritten by every build
/// that does something).
fn rewritten(before: &BTreeMap<PathBuf, u64>, after: &BTreeMap<PathBuf, u64>) -> Vec<String> {
    after
        .iter()
        .filter(|(path, _)| *path != Path::new(".sitrep-cache.json"))
        .filter(|(path, inode)| before.get(*path) != Some(inode))
        .map(|(path, _)| path.display().to_string())
        .collect()
}

#[test]
fn incremental_builds_equal_full_builds_and_touch_only_what_changed() {
    let mut builds = Builds::new(3, 10);
    let weeks: Vec<String> = fs::read_dir(builds.root().join("content/reviews"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let middle = weeks[5].clone();
    let newest = large_site::newest_week_id();

    let first = builds.rebuild_and_compare();
    assert!(first.contains("10 versions"), "{first}");

    // Nothing changed: nothing is written.
    let before = builds.inodes();
    let summary = builds.rebuild_and_compare();
    assert_eq!(written(&summary), 0, "{summary}");
    assert!(rewritten(&before, &builds.inodes()).is_empty());

    // One narrative edited: its page alone is written, and the week's
    // print view, which holds every narrative of the week.
    builds.edit(&format!("content/reviews/{middle}/program_01.md"), |text| {
        text + "\nOne more sentence.\n"
    });
    let before = builds.inodes();
    let summary = builds.rebuild_and_compare();
    assert_eq!(written(&summary), 2, "{summary}");
    assert_eq!(
        rewritten(&before, &builds.inodes()),
        vec![
            format!("{middle}/print/index.html"),
            format!("{middle}/program_01/index.html")
        ]
    );

    // A new week: its pages and the lists of weeks, nothing of the others.
    let next = large_site::week_id_after_newest();
    files::write(
        builds.root(),
        &format!("content/reviews/{next}/index.md"),
        "# Next week\n\nCases {{ value(\"program_00.cases\") }}.\n",
    );
    let before = builds.inodes();
    builds.rebuild_and_compare();
    let changed = rewritten(&before, &builds.inodes());
    assert!(
        changed.iter().all(|path| path.starts_with(&next)
            || [
                "index.html",
                "archive/index.html",
                "versions.json",
                "assets/versions.js"
            ]
            .contains(&path.as_str())),
        "{changed:?}"
    );
    assert!(changed.iter().any(|path| path.starts_with(&next)));

    // Publishing a week re-renders it (no draft banner) and only it.
    sitrep(builds.root())
        .args(["publish", &newest])
        .assert()
        .success();
    let before = builds.inodes();
    builds.rebuild_and_compare();
    let changed = rewritten(&before, &builds.inodes());
    assert!(
        changed
            .iter()
            .any(|path| path == &format!("{newest}/index.html")),
        "{changed:?}"
    );
    assert!(
        !changed.iter().any(|path| path.starts_with(&middle)),
        "{changed:?}"
    );

    // New data for the published week: drafts are computed afresh, the
    // published week keeps its numbers (its pages are rendered again to
    // list the restatement), and both builds report the restatement.
    let frozen = fs::read(builds.incremental().join(&newest).join("data.json")).unwrap();
    builds.edit("data/program_00.csv", |text| {
        let last = text.lines().last().unwrap().to_string();
        let mut cells: Vec<String> = last.split(',').map(str::to_string).collect();
        cells[1] = (cells[1].parse::<u64>().unwrap() + 1000).to_string();
        text.replace(&last, &cells.join(","))
    });
    let before = builds.inodes();
    let summary = builds.rebuild_and_compare();
    let changed = rewritten(&before, &builds.inodes());
    assert!(
        changed.contains(&format!("{newest}/index.html")),
        "{changed:?}"
    );
    assert_eq!(
        fs::read(builds.incremental().join(&newest).join("data.json")).unwrap(),
        frozen,
        "the published week keeps its numbers"
    );
    assert!(
        fs::read_to_string(builds.incremental().join(&newest).join("index.html"))
            .unwrap()
            .contains("restatement-notice"),
        "the published week lists its restatement"
    );
    let restated = builds
        .run(&["build"], &builds.incremental())
        .success()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&restated).contains(&newest),
        "the restatement is reported again by a build with nothing to do: {}",
        String::from_utf8_lossy(&restated)
    );
    assert!(summary.contains("Built"), "{summary}");

    // A program renamed: every page shows it.
    builds.edit("content/programs/program_02.yaml", |text| {
        text.replace("name: Program 2", "name: Trust operations")
    });
    let summary = builds.rebuild_and_compare();
    assert!(written(&summary) > 30, "{summary}");

    // A week removed: its folder goes.
    fs::remove_dir_all(builds.root().join("content/reviews").join(&weeks[0])).unwrap();
    builds.rebuild_and_compare();
    assert!(!builds.incremental().join(&weeks[0]).exists());

    // A kept page whose link loses its target fails the build, with the
    // narrative's line, as a full build does.
    builds.edit(&format!("content/reviews/{middle}/index.md"), |text| {
        format!(
            "{text}\nSee [the week before](../{}/index.html).\n",
            weeks[4]
        )
    });
    builds.rebuild_and_compare();
    let published = snapshot(&builds.incremental());
    fs::remove_dir_all(builds.root().join("content/reviews").join(&weeks[4])).unwrap();
    let failed = builds.run(&["build"], &builds.incremental()).failure();
    let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("content/reviews/{middle}/index.md:")),
        "{stderr}"
    );
    assert_eq!(snapshot(&builds.incremental()), published);
}

#[test]
fn pages_made_by_another_sitrep_are_made_again() {
    let builds = Builds::new(2, 3);
    let output = builds.incremental();
    let build = || {
        sitrep::pipeline::build_with(
            builds.root(),
            Some(&output),
            DRAFTS,
            &sitrep::pipeline::Silent,
        )
    };
    assert_eq!(build().unwrap().rendered, 3);
    assert_eq!(build().unwrap().rendered, 0);

    let cache = output.join(".sitrep-cache.json");
    let text = fs::read_to_string(&cache).unwrap();
    assert!(text.contains(sitrep::BUILD_IDENTITY));
    fs::write(
        &cache,
        text.replace(sitrep::BUILD_IDENTITY, "0.0.1+0123456789abcdef"),
    )
    .unwrap();
    let rebuilt = build().unwrap();
    assert_eq!(rebuilt.rendered, 3, "an older sitrep's pages were kept");
    // The same bytes: nothing is rewritten on disk.
    assert_eq!(rebuilt.files.written, 0);
}

#[test]
fn concurrent_builds_into_one_folder_wait_for_each_other() {
    let mut builds = Builds::new(2, 4);
    builds.rebuild_and_compare();
    let week = large_site::newest_week_id();
    for round in 0..4 {
        builds.edit(&format!("content/reviews/{week}/program_00.md"), |text| {
            format!("{text}\nRound {round}.\n")
        });
        builds.edit(&format!("content/reviews/{week}/index.md"), |text| {
            format!("{text}\nRound {round}.\n")
        });
        let children: Vec<std::process::Child> = (0..3)
            .map(|_| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("sitrep"))
                    .arg("--root")
                    .arg(builds.root())
                    .args(["build", "--drafts", "--quiet", "--output"])
                    .arg(builds.incremental())
                    .env("SOURCE_DATE_EPOCH", "1764000000")
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success(), "round {round}");
        }
        // Every page whole and current: the same as a full build.
        let summary = builds.rebuild_and_compare();
        assert_eq!(written(&summary), 0, "round {round}: {summary}");
    }
}

#[test]
fn a_page_deleted_from_the_output_is_made_again() {
    let mut builds = Builds::new(2, 3);
    builds.rebuild_and_compare();
    let week = large_site::newest_week_id();
    for lost in [
        format!("{week}/program_01/index.html"),
        format!("{week}/data.json"),
        "assets/sitrep.css".to_string(),
    ] {
        fs::remove_file(builds.incremental().join(&lost)).unwrap();
        let summary = builds.rebuild_and_compare();
        assert!(builds.incremental().join(&lost).is_file(), "{lost}");
        assert!(written(&summary) >= 1, "{lost}: {summary}");
    }
}

#[test]
fn a_theme_folder_removed_after_a_build_fails_the_next_build() {
    let builds = Builds::new(1, 2);
    // A theme with no files yet: removing it changes no input file.
    fs::create_dir_all(builds.root().join("themes/brand/templates")).unwrap();
    builds.edit("site.yaml", |text| text + "theme: brand\n");
    builds.run(&["build"], &builds.incremental()).success();
    fs::remove_dir_all(builds.root().join("themes")).unwrap();
    let failed = builds.run(&["build"], &builds.incremental()).failure();
    let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(stderr.contains("themes/brand"), "{stderr}");
}

#[test]
fn an_inconsistent_build_cache_is_ignored() {
    let mut builds = Builds::new(1, 2);
    builds.rebuild_and_compare();
    let cache = builds.incremental().join(".sitrep-cache.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&cache).unwrap()).unwrap();
    // The week before the newest, which the edit below leaves as it is.
    let kept = json["versions"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    json["versions"][&kept]["summary"]["version"]["id"] = "2001-W01".into();
    let week = large_site::newest_week_id();
    assert_ne!(kept, week);
    fs::write(&cache, json.to_string()).unwrap();
    builds.edit(&format!("content/reviews/{week}/index.md"), |text| {
        text + "\nMore.\n"
    });
    builds.rebuild_and_compare();
}

#[test]
fn files_sitrep_does_not_read_change_nothing() {
    let builds = Builds::new(1, 2);
    let output = builds.incremental();
    let build = || {
        sitrep::pipeline::build_with(
            builds.root(),
            Some(&output),
            DRAFTS,
            &sitrep::pipeline::Silent,
        )
        .unwrap()
    };
    build();
    files::write(builds.root(), "data/README.txt", "Exports from the CRM.\n");
    files::write(builds.root(), "content/reviews/notes.txt", "Agenda.\n");
    let rebuilt = build();
    assert_eq!((rebuilt.rendered, rebuilt.files.written), (0, 0));
}
