//! The JSON Schemas of `site.yaml` and program files (`sitrep schema`):
//! every example of the README and of the repository's example site
//! validates against them, broken files do not (and the loader refuses
//! them too), the committed `schemas/` are the generated ones, and `init`
//! writes the schemas and points its files at them.

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sitrep::schema::SchemaKind;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(kind: SchemaKind) -> jsonschema::Validator {
    jsonschema::validator_for(&kind.schema()).expect("the schema is a valid JSON Schema")
}

/// YAML as the JSON a YAML language server validates.
fn yaml_value(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|error| panic!("not YAML: {error}\n{text}"))
}

/// The schema's complaints about `value`, each with where it is.
fn problems(kind: SchemaKind, value: &Value) -> Vec<String> {
    validator(kind)
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

fn assert_valid(kind: SchemaKind, name: &str, text: &str) {
    let problems = problems(kind, &yaml_value(text));
    assert!(
        problems.is_empty(),
        "{name} does not validate against {}:\n{}\n---\n{text}",
        kind.file_name(),
        problems.join("\n")
    );
}

/// The top-level keys a schema knows.
fn top_level_keys(kind: SchemaKind) -> Vec<String> {
    kind.schema()["properties"]
        .as_object()
        .expect("the schema lists its keys")
        .keys()
        .cloned()
        .collect()
}

/// The ```yaml blocks of README.md, with their first line.
fn readme_yaml_blocks() -> Vec<(usize, String)> {
    let readme = fs::read_to_string(repository().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```yaml" => current = Some((index + 2, String::new())),
            None => {}
            Some(_) if line.trim() == "```" => blocks.push(current.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// Every ```yaml block of the README is a `site.yaml` or a program file,
/// whole or in part, and validates against its schema.
///
/// The rule that tells which: a block whose top-level keys are all keys of
/// `site.yaml` (`title`, `events`, `time_zone`, …) is a site.yaml; one
/// whose keys are all keys of a program file (`name`, `owner`, `metrics`,
/// `deck`, …) is a program file; the two sets do not overlap, and a block
/// that is neither fails this test (a new kind of example needs a rule).
/// A block may show part of a file: the keys the schema requires that it
/// leaves out (`title`; `name` and `owner`) are filled in with placeholders
/// before validating, so every key the block shows is still checked.
#[test]
fn every_readme_example_validates() {
    let site_keys = top_level_keys(SchemaKind::Site);
    let program_keys = top_level_keys(SchemaKind::Program);
    assert!(site_keys.iter().all(|key| !program_keys.contains(key)));
    let blocks = readme_yaml_blocks();
    let mut counts = [0, 0];
    for (line, text) in &blocks {
        let mut value = yaml_value(text);
        let object = value
            .as_object_mut()
            .unwrap_or_else(|| panic!("README.md:{line}: a YAML example is not a mapping"));
        let keys: Vec<&String> = object.keys().collect();
        let (kind, required) = if keys.iter().all(|key| site_keys.contains(key)) {
            counts[0] += 1;
            (SchemaKind::Site, &["title"][..])
        } else if keys.iter().all(|key| program_keys.contains(key)) {
            counts[1] += 1;
            (SchemaKind::Program, &["name", "owner"][..])
        } else {
            panic!("README.md:{line}: the YAML example with keys {keys:?} is neither a site.yaml nor a program file");
        };
        for key in required {
            object
                .entry(key.to_string())
                .or_insert_with(|| Value::from("placeholder"));
        }
        let problems = problems(kind, &value);
        assert!(
            problems.is_empty(),
            "README.md:{line}: the example does not validate against {}:\n{}",
            kind.file_name(),
            problems.join("\n")
        );
    }
    // site.yaml, its events: part, a program and its event metrics.
    assert!(
        counts[0] >= 2 && counts[1] >= 2,
        "fewer README examples than expected: {counts:?} of {}",
        blocks.len()
    );
}

#[test]
fn the_example_site_validates() {
    let root = repository();
    let site = fs::read_to_string(root.join("site.yaml")).unwrap();
    assert!(site.starts_with(&format!("{}\n", SchemaKind::Site.modeline())));
    assert_valid(SchemaKind::Site, "site.yaml", &site);
    let mut programs = 0;
    for entry in fs::read_dir(root.join("content/programs")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|extension| extension == "yaml")
        {
            let text = fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with(&format!("{}\n", SchemaKind::Program.modeline())),
                "{} does not point editors at its schema",
                path.display()
            );
            assert_valid(SchemaKind::Program, &path.display().to_string(), &text);
            programs += 1;
        }
    }
    assert!(programs >= 4, "{programs} programs");
}

/// `schemas/` at the repository's root is what `sitrep schema -o schemas`
/// writes today: regenerate it when the types change.
#[test]
fn the_committed_schemas_are_the_generated_ones() {
    for kind in SchemaKind::ALL {
        let path = repository().join("schemas").join(kind.file_name());
        let committed = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == kind.text(),
            "{} is out of date: run `cargo run -- schema -o schemas`",
            path.display()
        );
    }
}

/// Broken files: each is refused by the schema, at the key that is wrong,
/// and by the loader (the schema is never looser than sitrep where it
/// speaks).
#[test]
fn broken_files_are_rejected() {
    let site_cases: &[(&str, &str)] = &[
        ("title: T\ntittle: typo\n", ""),
        ("week_ends_on: sunday\n", ""),
        ("title: T\nweek_ends_on: someday\n", "/week_ends_on"),
        (
            "title: T\nfiscal_year_end_month: 13\n",
            "/fiscal_year_end_month",
        ),
        (
            "title: T\nfiscal_year_end_month: decembre\n",
            "/fiscal_year_end_month",
        ),
        ("title: T\ntolerance: high\n", "/tolerance"),
        ("title: T\ntolerance: 1.5\n", "/tolerance"),
        ("title: T\nx_axis: calendar\n", "/x_axis"),
        ("title: T\nallow_html: sometimes\n", "/allow_html"),
        (
            "title: T\ndatabase:\n  url: postgresql://me:secret@db/wbr\n",
            "/database",
        ),
        ("title: T\ndatabase: { url_env: 'my url' }\n", "/database"),
        (
            "title: T\nevents:\n  tickets: { path: tickets.csv }\n",
            "/events/tickets/path",
        ),
        (
            "title: T\nevents:\n  tickets: { path: data/t.csv, duplicates: newest }\n",
            "/events/tickets/duplicates",
        ),
        (
            "title: T\nevents:\n  tickets: { path: data/t.csv, ids: ticket_id }\n",
            "/events/tickets",
        ),
    ];
    for (text, at) in site_cases {
        let problems = problems(SchemaKind::Site, &yaml_value(text));
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with(&format!("{at}: "))),
            "the schema does not flag {at:?} of:\n{text}{problems:#?}"
        );
        assert!(
            sitrep::load::config::parse_site_config(text, Path::new("site.yaml")).is_err(),
            "sitrep accepts what the schema flags:\n{text}"
        );
    }

    let program = |metric: &str| format!("name: P\nowner: O\nmetrics:\n  m: {metric}\n");
    let program_cases: Vec<(String, &str)> = vec![
        ("name: P\n".to_string(), ""),
        ("name: P\nowner: O\nmetric: {}\n".to_string(), ""),
        (program("{ colum: a }"), "/metrics/m"),
        (program("{ column: a, unit: percentage }"), "/metrics/m/unit"),
        (program("{ column: a, better: higher }"), "/metrics/m/better"),
        (program("{ column: a, aggregate: average }"), "/metrics/m/aggregate"),
        (program("{ column: a, key: yes please }"), "/metrics/m/key"),
        (program("{ column: a, target: high }"), "/metrics/m/target"),
        (program("{ column: a, target: { column: t, aggregate: average } }"), "/metrics/m/target"),
        (program("{ column: a, target: { colum: t } }"), "/metrics/m/target"),
        (program("{ column: a, decimals: 9 }"), "/metrics/m/decimals"),
        (program("{ column: a, tolerance: -1 }"), "/metrics/m/tolerance"),
        (program("{ events: t, duration: [a, b], percentile: 101, unit: hours }"), "/metrics/m/percentile"),
        (program("{ events: t, duration: [a, b], within: soon, unit: hours }"), "/metrics/m/within"),
        (program("{ events: t, count: a, where: { channel: { is: email } } }"), "/metrics/m/where/channel"),
        (program("{ events: t, count: a, where: { channel: { not: { a: b } } } }"), "/metrics/m/where/channel"),
        ("name: P\nowner: O\nmetrics:\n  bad.id: { column: a }\n".to_string(), "/metrics"),
        ("name: P\nowner: O\ninitiatives:\n  - name: I\n".to_string(), "/initiatives/0"),
        ("name: P\nowner: O\ninitiatives:\n  - name: I\n    status: late\n".to_string(), "/initiatives/0/status"),
        ("name: P\nowner: O\ninitiatives:\n  - name: I\n    status: done\n    due: next week\n".to_string(), "/initiatives/0/due"),
        ("name: P\nowner: O\nmetrics:\n  m: { column: a }\ndeck:\n  - title: Nothing\n".to_string(), "/deck/0"),
        ("name: P\nowner: O\nmetrics:\n  m: { column: a }\ndeck:\n  - { chart: m, table: 6w }\n".to_string(), "/deck/0"),
        ("name: P\nowner: O\nmetrics:\n  m: { column: a }\ndeck:\n  - table: 6 weeks\n".to_string(), "/deck/0/table"),
        ("name: P\nowner: O\nmetrics:\n  m: { column: a }\ndeck:\n  - chart: [{ metric: m, style: dotted }]\n".to_string(), "/deck/0/chart"),
    ];
    for (text, at) in &program_cases {
        let problems = problems(SchemaKind::Program, &yaml_value(text));
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with(&format!("{at}: "))),
            "the schema does not flag {at:?} of:\n{text}{problems:#?}"
        );
        assert!(
            sitrep::load::program::parse_program("p", text, Path::new("p.yaml")).is_err(),
            "sitrep accepts what the schema flags:\n{text}"
        );
    }
}

/// What users write that the loader accepts in more than one form.
#[test]
fn every_accepted_spelling_validates() {
    for text in [
        "title: T\nfiscal_year_end_month: 6\n",
        "title: T\nfiscal_year_end_month: June\n",
        "title: T\nfiscal_year_end_month: sep\n",
        "title: T\nweek_ends_on: Sat\n",
        "title: T\nweek_ends_on: SATURDAY\n",
        "title: T\ntheme:\n",
        "title: T\nevents:\n  t: { path: data/t/, duplicates: keep_last }\n",
    ] {
        assert!(
            sitrep::load::config::parse_site_config(text, Path::new("site.yaml")).is_ok(),
            "{text}"
        );
        assert_valid(SchemaKind::Site, "site.yaml", text);
    }
    let program = |metric: &str| {
        format!("name: P\nowner: O\nmetrics:\n  a: {{ column: a }}\n  b: {{ column: b }}\n  m: {metric}\n")
    };
    for metric in [
        "{ column: a, target: 0.95 }",
        "{ column: a, target: { column: t } }",
        "{ divide: [a, b], target: { column: t, aggregate: mean } }",
        "{ sum: [a, b] }",
        "{ events: t, sum: minutes }",
        "{ events: t, mean: minutes }",
        "{ events: t, duration: [x, y], mean: true, unit: hours }",
        "{ events: t, duration: [x, y], within: 1h30m, unit: percent }",
        "{ events: t, count: x, where: { channel: email, tier: [1, 2], vip: true } }",
        "{ events: t, count: x, where: { priority: { not: low }, m: { \">=\": 30, \"<\": \"60\" }, n: \">= 30\" } }",
        "{ events: t, count: x, where: { priority: { not: [low, medium] } } }",
    ] {
        let text = program(metric);
        assert!(
            sitrep::load::program::parse_program("p", &text, Path::new("p.yaml")).is_ok(),
            "{text}"
        );
        assert_valid(SchemaKind::Program, "a program", &text);
    }
}

#[test]
fn the_schema_command_writes_or_prints_the_schemas() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("site");
    fs::create_dir(&root).unwrap();

    // Without arguments: both, into schemas/ of the project.
    files::sitrep(&root).arg("schema").assert().success();
    for kind in SchemaKind::ALL {
        let written = fs::read_to_string(root.join("schemas").join(kind.file_name())).unwrap();
        assert_eq!(written, kind.text());
        let schema: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    }

    // One kind: printed.
    let output = files::sitrep(&root)
        .args(["schema", "program"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        SchemaKind::Program.text()
    );

    // -o: into that folder, only the one named.
    let elsewhere = temp.path().join("out");
    files::sitrep(&root)
        .args(["schema", "site", "-o"])
        .arg(&elsewhere)
        .assert()
        .success();
    let names: Vec<_> = fs::read_dir(&elsewhere)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["site.schema.json"]);

    files::sitrep(&root)
        .args(["schema", "everything"])
        .assert()
        .failure();
}

#[test]
fn init_writes_the_schemas_and_points_its_files_at_them() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("site");
    assert_cmd::Command::cargo_bin("sitrep")
        .unwrap()
        .arg("init")
        .arg(&root)
        .assert()
        .success();
    for (file, kind) in [
        ("site.yaml", SchemaKind::Site),
        (
            "content/programs/incident_resolutions.yaml",
            SchemaKind::Program,
        ),
    ] {
        let text = fs::read_to_string(root.join(file)).unwrap();
        let first = text.lines().next().unwrap();
        let reference = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{file} starts with {first:?}"));
        // The reference is relative to the file's own folder.
        let schema = root.join(file).parent().unwrap().join(reference);
        assert_eq!(fs::read_to_string(&schema).unwrap(), kind.text(), "{file}");
        assert_valid(kind, file, &text);
    }
}
