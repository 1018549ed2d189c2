//! Page weight: a deck page carries its charts' numbers once, in one
//! compact chart data block (`sitrep.js` builds the chart options from
//! it), the numbers tables stay in the HTML, and the markup repeated per
//! chart stays lean. The print view gets one data block for the whole week
//! and weighs no more than the program pages it repeats.

#[path = "common/large_site.rs"]
#[allow(dead_code)]
mod large_site;

#[path = "common/files.rs"]
mod files;

mod chart_data;

use std::fs;

use files::sitrep;

#[test]
fn deck_pages_carry_their_numbers_once_and_the_print_view_no_more_than_its_pages() {
    let site = tempfile::tempdir().unwrap();
    // 2 programs of 20 metrics, 60 weeks: a full 6-12 axis with prior years.
    large_site::write_large_site(site.path(), 2, 60);
    let out = site.path().join("public");
    sitrep(site.path())
        .args(["build", "--output"])
        .arg(&out)
        .assert()
        .success();
    let week = out.join(large_site::newest_week_id());
    let read = |path: &std::path::Path| {
        fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };

    let mut deck_bytes = 0;
    for program in ["program_00", "program_01"] {
        let html = read(&week.join(program).join("index.html"));
        deck_bytes += html.len();
        // One data block: no chart carries options of its own.
        assert_eq!(html.matches("id=\"sitrep-charts\"").count(), 1);
        assert!(
            !html.contains("data-chart="),
            "{program}: a per-chart block"
        );
        let start = html.find("id=\"sitrep-charts\">").unwrap() + "id=\"sitrep-charts\">".len();
        let block = &html[start..start + html[start..].find("</script>").unwrap()];
        let data: serde_json::Value = serde_json::from_str(block).unwrap();
        let charts = data["charts"].as_array().unwrap();
        assert_eq!(charts.len(), 20, "{program}: a chart per metric");
        // The x axis once for all charts.
        assert_eq!(data["x"].as_array().unwrap().len(), 1);
        // No styling, no tooltip texts, no padding, no `.0`.
        for needle in ["lineStyle", "\"text\"", "symbol", "\"color\"", ".0,", ".0]"] {
            assert!(!block.contains(needle), "{program}: `{needle}` in {block}");
        }
        // Every chart still draws what its table says: expanded as the
        // script does, 6 weeks + gap + 12 months, the weekly series'
        // values equal to the table's first week row.
        let expanded = chart_data::page_charts(&html);
        assert_eq!(expanded.len(), 20);
        let first = &expanded["chart-1"];
        assert_eq!(first["xAxis"]["data"].as_array().unwrap().len(), 19);
        let w42 = first["series"][0]["data"][0].as_f64().unwrap();
        let row = html
            .split("<tr><th>Week ")
            .nth(1)
            .and_then(|row| row.split("<td>").nth(1))
            .and_then(|cell| cell.split("</td>").next())
            .unwrap();
        assert_eq!(row.replace(',', "").parse::<f64>().unwrap(), w42, "{row}");
        // The week rows name their week; their dates are in the caption
        // once per table.
        assert!(!html.contains("<tr><th>Week W42 ("), "{program}");
        assert!(html.contains("weekly and monthly values (weeks from "));
        // Changes: the signed number once, its class for the colour and
        // the arrow the stylesheet draws; no words again for screen
        // readers, nor as a tooltip.
        assert!(html.contains("</dt><dd class=\"bad up\">+"), "{program}");
        assert!(!html.contains("aria-hidden=\"true\">▲"), "{program}");
        assert!(!html.contains("\" title=\"up "), "{program}");
        // So a summary box, nine cells and five of them changes, is about
        // half of the 1.05 KB it was.
        let boxes: Vec<&str> = html
            .split("<dl class=\"summary-box\"")
            .skip(1)
            .map(|rest| &rest[..rest.find("</dl>").unwrap()])
            .collect();
        assert_eq!(boxes.len(), 20, "{program}");
        for summary in boxes {
            assert_eq!(summary.matches("<dd").count(), 9, "{summary}");
            assert!(summary.len() < 600, "{} bytes: {summary}", summary.len());
        }
        // About 3.7 KB a chart (it was 6.6 KB): numbers table, summary
        // box, data and caption.
        assert!(html.len() < 20 * 4_500, "{program}: {} bytes", html.len());
    }

    let print = read(&week.join("print/index.html"));
    assert_eq!(print.matches("id=\"sitrep-charts\"").count(), 1);
    let start = print.find("id=\"sitrep-charts\">").unwrap() + "id=\"sitrep-charts\">".len();
    let block = &print[start..start + print[start..].find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(block).unwrap();
    assert_eq!(data["charts"].as_array().unwrap().len(), 40);
    assert_eq!(data["x"].as_array().unwrap().len(), 1);
    assert_eq!(data["charts"][20]["id"], "program_01-chart-1");
    assert!(
        print.len() <= deck_bytes,
        "print view {} bytes, program pages {deck_bytes}",
        print.len()
    );
}
