//! The pages around the numbers, end to end with the real binary: drafts
//! left out of a production build, the ranked exceptions, restatement
//! notices, the print view of a whole week, the e-mail digest, and each
//! page's title, description and favicon.

#[path = "common/files.rs"]
mod files;
#[path = "common/serve.rs"]
mod server;

use std::fs;
use std::path::{Path, PathBuf};

use files::{init, ok_command, read, review_weeks, run_command, sitrep, Output};
use server::Server;
use tempfile::TempDir;

/// `sitrep --root <root>` leaving drafts out of builds, as production
/// builds do, unless a test asks for them.
fn production(root: &Path) -> assert_cmd::Command {
    let mut command = sitrep(root);
    command.env_remove("SITREP_BUILD_DRAFTS");
    command
}

fn run(root: &Path, args: &[&str]) -> Output {
    run_command(production(root), args)
}

fn ok(root: &Path, args: &[&str]) -> Output {
    ok_command(production(root), args)
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
        init(&root);
        let week = review_weeks(&root).remove(0);
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
        // The landing page moves on to the newest week at once: an icon's
        // request there would only be cut short.
        assert_eq!(
            html.contains("assets/favicon.svg\""),
            page != "index.html",
            "{page}"
        );
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

#[test]
fn serve_shows_drafts() {
    let site = Site::init();
    let server = Server::start(&site.root, site._temp.path(), &[]);
    let page = server
        .page(&format!("/{}/index.html", site.week))
        .expect("the week page");
    assert!(
        page.contains("Draft: this review is not published yet"),
        "{page}"
    );
}

/// Rewrites the data file of an `init` project line by line.
fn edit_data(site: &Site, mut edit: impl FnMut(usize, &str) -> String) {
    let path = site.root.join("data/incidents.csv");
    let text = read(&path);
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(number, line)| edit(number, line))
        .collect();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"));
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn exceptions_are_ranked_with_how_long_they_held_and_what_cleared() {
    let site = Site::init();
    let program = site.root.join("content/programs/incident_resolutions.yaml");
    // Targets no week meets: five red metrics and an SLA breach, every
    // week of the data (so each has held for 6 weeks or more).
    let yaml = read(&program)
        .replace(
            "    key: true\n  incidents_resolved:\n    name: Incidents resolved\n    column: incidents_resolved\n",
            "    key: true\n    target: 1\n  incidents_resolved:\n    name: Incidents resolved\n    column: incidents_resolved\n    better: up\n    target: 100000\n",
        )
        .replace(
            "    column: resolved_within_sla\n",
            "    column: resolved_within_sla\n    better: up\n    target: 100000\n",
        )
        .replace("    target: 0.9\n", "    target: 0.999\n")
        .replace("    target: 250\n", "    target: 1\n")
        .replace(
            "initiatives:",
            "  backlog_again:\n    name: Backlog again\n    column: open_backlog\n    aggregate: last\n    better: down\n    target: 1\ninitiatives:",
        );
    fs::write(&program, yaml).unwrap();
    // The average handle time (target 40 min, lower is better) is 100 min
    // all of last week: red last week, cleared this week.
    let lines = read(&site.root.join("data/incidents.csv")).lines().count();
    edit_data(&site, |number, line| {
        if number + 14 >= lines && number + 7 < lines {
            let (rest, _) = line.rsplit_once(',').unwrap();
            format!("{rest},100")
        } else {
            line.to_string()
        }
    });
    ok(&site.root, &["build", "--drafts"]);
    let page = site.page(&format!("{}/index.html", site.week));
    let exceptions = between(&page, "<section class=\"exceptions\"", "</section>");
    assert!(
        exceptions.contains("6 exceptions: 1 SLA breach, 5 red metrics; 0 new this week."),
        "{exceptions}"
    );
    // The most serious first: the SLA breach, then red metrics; five shown,
    // the sixth behind "and 1 more".
    let shown = between(exceptions, "<table", "</table>");
    assert_eq!(
        shown.matches("<tr class=\"exception-").count(),
        5,
        "{shown}"
    );
    let first = shown.find("exception-sla_breach").unwrap();
    assert!(shown.find("exception-red").unwrap() > first);
    assert!(shown.contains("SLA missed for 6 weeks or more"), "{shown}");
    assert!(shown.contains("red for 6 weeks or more"), "{shown}");
    let more = between(
        exceptions,
        "<details class=\"exceptions-more\">",
        "</details>",
    );
    assert!(more.contains("<summary>and 1 more</summary>"), "{more}");
    assert_eq!(more.matches("<tr class=\"exception-").count(), 1);
    // What cleared, with last week's number as the page writes it.
    let cleared = between(exceptions, "Cleared since last week", "</ul>");
    assert!(cleared.contains("Average handle time"), "{cleared}");
    assert!(
        cleared.contains("Last week 100.0 min against a target of 40.0 min"),
        "{cleared}"
    );
}

#[test]
fn a_restated_week_lists_its_changed_numbers_as_the_page_writes_them() {
    let site = Site::init();
    let week = site.week.clone();
    ok(&site.root, &["publish", &week]);
    // The week's last 7 rows: incidents resolved (column 3) and resolved
    // within the SLA (column 4) give the week's attainment.
    let text = read(&site.root.join("data/incidents.csv"));
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .skip(1)
                .map(|v| v.parse().unwrap())
                .collect()
        })
        .collect();
    let week_rows = &rows[rows.len() - 7..];
    let resolved: f64 = week_rows.iter().map(|row| row[1]).sum();
    let within: f64 = week_rows.iter().map(|row| row[2]).sum();
    let published = format!("{:.1}%", within / resolved * 100.0);
    // 20 fewer resolved within the SLA on the week's last day.
    let now = format!("{:.1}%", (within - 20.0) / resolved * 100.0);
    assert_ne!(published, now);
    let count = text.lines().count();
    edit_data(&site, |number, line| {
        if number + 1 == count {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            cells[3] = (cells[3].parse::<f64>().unwrap() - 20.0).to_string();
            cells.join(",")
        } else {
            line.to_string()
        }
    });
    let built = ok(&site.root, &["build"]);
    let terminal = format!("{}{}", built.stdout, built.stderr);
    assert!(
        terminal.contains(&format!("published {published}, now {now}")),
        "the terminal writes numbers like the page: {terminal}"
    );
    for page in [
        format!("{week}/index.html"),
        format!("{week}/incident_resolutions/index.html"),
    ] {
        let html = site.page(&page);
        let notice = between(&html, "<section class=\"restatement-notice\"", "</section>");
        let row = between(notice, "Resolution SLA attainment", "</tr>");
        assert!(
            row.contains(&format!(
                "<td class=\"num\">{published}</td><td class=\"num\">{now}</td>"
            )),
            "{page}: {row}"
        );
        // Never a raw float such as 0.8778135048231511.
        assert!(!has_raw_float(notice), "{notice}");
    }

    // `publish --restate` takes the new numbers and keeps a dated record of
    // the old ones on the week's pages.
    let restated = ok(&site.root, &["publish", &week, "--restate"]);
    assert!(
        restated
            .stdout
            .contains(&format!("published {published}, now {now}")),
        "{}",
        restated.stdout
    );
    ok(&site.root, &["build"]);
    let html = site.page(&format!("{week}/index.html"));
    assert!(
        !html.contains("restatement-notice"),
        "nothing differs any more"
    );
    let records = between(
        &html,
        "<section class=\"restatement-records\"",
        "</section>",
    );
    assert!(records.contains("Restated on 20"), "{records}");
    let row = between(records, "Resolution SLA attainment", "</tr>");
    assert!(
        row.contains(&format!(
            "<td class=\"num\">{published}</td><td class=\"num\">{now}</td>"
        )),
        "{row}"
    );
}

#[test]
fn the_print_view_has_a_cover_then_every_program_on_its_own_pages() {
    let site = Site::init();
    ok(&site.root, &["build", "--drafts"]);
    let week = &site.week;
    let print = site.page(&format!("{week}/print/index.html"));
    let program = site.page(&format!("{week}/incident_resolutions/index.html"));
    assert!(site
        .page(&format!("{week}/index.html"))
        .contains(">Print the whole week</a>"));
    // The cover: status and exceptions, before the first program.
    let cover = print.find("<section class=\"print-cover\"").unwrap();
    let first = print
        .find("<article class=\"print-program print-1\"")
        .unwrap();
    assert!(cover < first);
    assert!(print[cover..first].contains("id=\"exceptions-title\""));
    assert!(print[cover..first].contains("class=\"status status-"));
    // Every program: its narrative and its deck, with the chart markup of
    // its page (ids made unique on the one page).
    assert_eq!(print.matches("<article class=\"print-program ").count(), 1);
    assert!(print[first..].contains("class=\"narrative\""));
    assert_eq!(
        print.matches("class=\"deck-block chart-block\"").count(),
        program.matches("class=\"deck-block chart-block\"").count()
    );
    // One chart data block for the whole view, the ids made unique.
    assert_eq!(print.matches("id=\"sitrep-charts\"").count(), 1);
    assert!(print.contains("\"id\":\"incident_resolutions-chart-1\""));
    assert!(print.contains("assets/echarts.min.js"));
    // Page furniture: running heads and page numbers in the page margins,
    // from a stylesheet (the strict CSP allows no inline style).
    assert!(print.contains("<link rel=\"stylesheet\" href=\"furniture.css\">"));
    assert!(!print.contains("<style") && !print.contains(" style=\""));
    let furniture = site.page(&format!("{week}/print/furniture.css"));
    assert!(furniture.contains("counter(page)"), "{furniture}");
    assert!(
        furniture.contains(&format!(
            "@page print-1 {{ @top-left {{ content: \"Week {week} · Incident Resolutions\"; }} }}"
        )),
        "{furniture}"
    );
    assert!(furniture.contains(".print-1 { page: print-1; }"));
    assert!(site
        .page("assets/sitrep.css")
        .contains("break-before: page"));
}

#[test]
fn the_digest_is_e_mail_safe_and_has_every_key_number() {
    let site = Site::init();
    let week = site.week.clone();
    // No week published yet: the digest says what to do.
    let refused = run(&site.root, &["digest"]);
    assert!(!refused.success);
    assert!(
        refused.stderr.contains("no week is published yet"),
        "{}",
        refused.stderr
    );

    ok(&site.root, &["publish", &week]);
    ok(&site.root, &["build"]);
    let digest = ok(&site.root, &["digest"]);
    assert!(
        digest.stderr.contains(&format!(
            "Digest of week {week} (the newest published week)"
        )),
        "{}",
        digest.stderr
    );
    let html = digest.stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_lowercase();
    for banned in [
        "<script", "<img", "<link", "<style", "src=", "http:", "https:", "url(", "//",
    ] {
        assert!(!lower.contains(banned), "the digest has {banned:?}");
    }
    // Every key number and change of the week page, written the same way;
    // a change with its arrow, which the page's stylesheet draws from its
    // class and the digest, read without one, writes.
    let page = site.page(&format!("{week}/index.html"));
    let key_values: Vec<&str> = page
        .split("<span class=\"key-value\">")
        .skip(1)
        .map(|rest| rest.split("</span>").next().unwrap())
        .collect();
    assert!(key_values.len() >= 2, "{page}");
    let deltas: Vec<String> = page
        .split("<span class=\"delta ")
        .skip(1)
        .map(|rest| {
            let (class, rest) = rest.split_once("\">").unwrap();
            let number = rest.trim_start_matches("<span aria-hidden=\"true\">");
            let number = number.split("</span>").next().unwrap();
            let arrow = match class.split(' ').nth(1) {
                Some("up") => "▲ ",
                Some("down") => "▼ ",
                Some("flat") => "◆ ",
                _ => "",
            };
            format!("{arrow}{number}")
        })
        .collect();
    assert!(
        deltas.iter().any(|delta| delta.starts_with(['▲', '▼'])),
        "{deltas:?}"
    );
    let text = ok(&site.root, &["digest", &week, "--text"]).stdout;
    for number in key_values
        .iter()
        .copied()
        .chain(deltas.iter().map(String::as_str))
    {
        assert!(html.contains(number), "the digest lacks {number}");
        let plain = number.replace("&amp;", "&");
        assert!(text.contains(&plain), "the text part lacks {plain}");
    }
    assert!(
        html.contains(&format!("href=\"{week}&#x2f;index.html\""))
            || html.contains(&format!("href=\"{week}/index.html\""))
    );
    assert!(!text.contains('<'), "{text}");
    assert!(text.contains(&format!("{week}/index.html")));
    // -o writes the file.
    let file = site.root.join("digest.html");
    ok(&site.root, &["digest", "-o", file.to_str().unwrap()]);
    assert_eq!(read(&file), html);
}

/// Whether `text` has a number with 5 or more decimals (a raw float).
fn has_raw_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(7).any(|window| {
        window[0].is_ascii_digit()
            && window[1] == b'.'
            && window[2..].iter().all(u8::is_ascii_digit)
    })
}
