//! Annotations on the pages: where a 6-12 chart pins them, the "Noteworthy
//! events" list under the chart and in narratives, and `data.json`.
//!
//! As-of: a version shows the annotations dated on or before the end of
//! its week (an annotation is data). An annotation is pinned on the
//! current-year line at the week (weekly part) and the month (monthly
//! part) that contain its date, and on the prior-year line where the
//! prior-year period of a point contains it (last year's spike explains
//! this year's YoY); a point without a value gets no pin.

use jiff::civil::Date;
use serde::Serialize;

use super::chart::{mark_annotations, AnnotationMark, ChartData};
use super::narrative::escape_html;
use crate::calendar::{add_days, one_year_earlier};
use crate::compute::{MetricNumbers, ProgramNumbers};
use crate::compute::{PeriodNumbers, ReviewNumbers};
use crate::load::annotations::Annotation;
use crate::load::deck::SeriesStyle;
use crate::load::{Program, Site};

/// Where a date falls on a 6-12 chart: the x index (weeks first, a gap,
/// then months) and whether on the prior-year line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub x: usize,
    pub prior_year: bool,
}

/// Every point of a 6-12 chart whose period (current year) or prior-year
/// period contains `date`. A prior-year week is 364 days back (as its
/// value), a prior-year month the same month a year earlier.
pub fn placements(date: Date, weeks: &[PeriodNumbers], months: &[PeriodNumbers]) -> Vec<Placement> {
    let mut found = Vec::new();
    let points = weeks.iter().enumerate().map(|(index, week)| {
        (
            index,
            (week.start, week.end),
            (add_days(week.start, -364), add_days(week.end, -364)),
        )
    });
    let month_points = months.iter().enumerate().map(|(index, month)| {
        (
            weeks.len() + 1 + index,
            (month.start, month.end),
            (one_year_earlier(month.start), one_year_earlier(month.end)),
        )
    });
    for (x, current, prior) in points.chain(month_points) {
        if (current.0..=current.1).contains(&date) {
            found.push(Placement {
                x,
                prior_year: false,
            });
        }
        if (prior.0..=prior.1).contains(&date) {
            found.push(Placement {
                x,
                prior_year: true,
            });
        }
    }
    found
}

/// One entry of a "Noteworthy events" list; `number` is the label of its
/// pins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteView {
    pub number: usize,
    pub date: Date,
    pub text: String,
}

/// The annotations of a chart: its list and its pins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartNotes {
    pub list: Vec<NoteView>,
    pub marks: Vec<AnnotationMark>,
}

/// A line of a chart: its metric id and its name (the series' name).
pub struct Line<'a> {
    pub metric: &'a str,
    pub name: &'a str,
}

/// The annotations a chart of `lines` (the first is its subject) shows
/// in the version whose axis is `weeks` (the last is the review week)
/// and `months`: those dated by the end of its review week that fall on
/// the chart. A metric's annotation
/// is pinned on that metric's line, a program's or the site's on the
/// subject's. `prior_year`: whether the chart draws prior-year lines.
pub fn chart_notes(
    program: &Program,
    lines: &[Line],
    weeks: &[PeriodNumbers],
    months: &[PeriodNumbers],
    prior_year: bool,
) -> ChartNotes {
    let mut notes = ChartNotes::default();
    let (Some(first), Some(as_of)) = (lines.first(), weeks.last().map(|week| week.end)) else {
        return notes;
    };
    for annotation in &program.annotations {
        if annotation.date > as_of {
            continue;
        }
        let line = match &annotation.metric {
            Some(metric) => match lines.iter().find(|line| line.metric == *metric) {
                Some(line) => line,
                None => continue,
            },
            None => first,
        };
        let places: Vec<Placement> = placements(annotation.date, weeks, months)
            .into_iter()
            .filter(|place| prior_year || !place.prior_year)
            .collect();
        if places.is_empty() {
            continue;
        }
        let number = notes.list.len() + 1;
        let text = format!("{}: {}", annotation.date, annotation.text);
        notes
            .marks
            .extend(places.into_iter().map(|place| AnnotationMark {
                series: if place.prior_year {
                    format!("{} (prior year)", line.name)
                } else {
                    line.name.to_string()
                },
                x: place.x,
                label: number.to_string(),
                text: text.clone(),
            }));
        notes.list.push(NoteView {
            number,
            date: annotation.date,
            text: annotation.text.clone(),
        });
    }
    notes.marks = merge_marks(notes.marks);
    notes
}

/// One pin per point: annotations on the same point of the same line
/// share it, labelled `1,2` with their texts on separate lines.
fn merge_marks(marks: Vec<AnnotationMark>) -> Vec<AnnotationMark> {
    let mut merged: Vec<AnnotationMark> = Vec::with_capacity(marks.len());
    for mark in marks {
        match merged
            .iter_mut()
            .find(|known| known.series == mark.series && known.x == mark.x)
        {
            Some(known) => {
                known.label = format!("{},{}", known.label, mark.label);
                known.text = format!("{}\n{}", known.text, mark.text);
            }
            None => merged.push(mark),
        }
    }
    merged
}

/// A chart's data with the pins of its annotations, and the list of them
/// for under it. `series` are the
/// chart's metrics (indexes into the program's) with their styles; the
/// first is its subject.
pub fn annotated_chart(
    chart: &mut ChartData,
    program: &Program,
    numbers: &ProgramNumbers,
    series: &[(usize, SeriesStyle)],
    subject: &MetricNumbers,
    prior_year: bool,
) -> String {
    let lines: Vec<Line> = series
        .iter()
        .filter(|(_, style)| *style != SeriesStyle::Target)
        .filter_map(|(index, _)| {
            let metric = program.metrics.get(*index)?;
            Some(Line {
                metric: &metric.definition.id,
                name: &numbers.metrics.get(&metric.definition.id)?.name,
            })
        })
        .collect();
    let notes = chart_notes(program, &lines, &subject.weeks, &subject.months, prior_year);
    mark_annotations(chart, &notes.marks);
    list_html(&notes.list)
}

/// The "Noteworthy events" list, every text escaped; empty without
/// events.
pub fn list_html(list: &[NoteView]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut html = String::from(
        "<section class=\"annotations\" aria-label=\"Noteworthy events\">\n<p class=\"annotations-title\">Noteworthy events</p>\n<ol>\n",
    );
    for note in list {
        html.push_str(&format!(
            "<li value=\"{}\"><time datetime=\"{date}\">{date}</time> {}</li>\n",
            note.number,
            escape_html(&note.text),
            date = note.date,
        ));
    }
    html.push_str("</ol>\n</section>");
    html
}

/// `data.json`: a version's numbers and the annotations dated by the end
/// of its week (not part of the numbers: changing one restates nothing).
#[derive(Serialize)]
pub struct DataJson<'a> {
    #[serde(flatten)]
    pub numbers: &'a ReviewNumbers,
    pub annotations: Vec<&'a Annotation>,
}

impl<'a> DataJson<'a> {
    pub fn new(site: &'a Site, numbers: &'a ReviewNumbers) -> DataJson<'a> {
        DataJson {
            numbers,
            annotations: site
                .annotations
                .iter()
                .filter(|annotation| annotation.date <= numbers.as_of)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn period(start: Date, end: Date) -> PeriodNumbers {
        PeriodNumbers {
            month: None,
            start,
            end,
            value: Some(1.0),
            missing: 0,
            py_value: Some(1.0),
            previous_value: None,
            target: None,
        }
    }

    /// Review week 2026-W47 (Mon 16 – Sun 22 Nov 2026): weeks W42–W47
    /// (12 Oct – 22 Nov) at x 0–5, the gap at 6, months Nov 2025 – Oct
    /// 2026 at x 7–18.
    fn axis() -> (Vec<PeriodNumbers>, Vec<PeriodNumbers>) {
        let weeks = (0..6)
            .map(|index| {
                let start = add_days(date(2026, 10, 12), 7 * index);
                period(start, add_days(start, 6))
            })
            .collect();
        let months = (0..12)
            .map(|index| {
                let start = date(2025, 11, 1)
                    .checked_add(jiff::Span::new().months(index))
                    .unwrap();
                period(start, start.last_of_month())
            })
            .collect();
        (weeks, months)
    }

    fn at(x: usize, prior_year: bool) -> Placement {
        Placement { x, prior_year }
    }

    #[test]
    fn a_date_is_placed_at_its_week_and_month() {
        let (weeks, months) = axis();
        // 18 Nov 2026: W47 (x 5); November 2026 is not on the axis.
        assert_eq!(
            placements(date(2026, 11, 18), &weeks, &months),
            vec![at(5, false)]
        );
        // 14 Oct 2026: W42 (x 0) and October 2026 (x 7 + 11 = 18).
        assert_eq!(
            placements(date(2026, 10, 14), &weeks, &months),
            vec![at(0, false), at(18, false)]
        );
        // A week's first and last days belong to it: 16 Nov is W47's Monday,
        // 15 Nov W46's Sunday (x 4).
        assert_eq!(
            placements(date(2026, 11, 16), &weeks, &months),
            vec![at(5, false)]
        );
        assert_eq!(
            placements(date(2026, 11, 15), &weeks, &months),
            vec![at(4, false)]
        );
        // 5 Oct 2026: before W42, in October 2026 only.
        assert_eq!(
            placements(date(2026, 10, 5), &weeks, &months),
            vec![at(18, false)]
        );
    }

    #[test]
    fn a_date_a_year_back_is_placed_on_the_prior_year_line() {
        let (weeks, months) = axis();
        // W47's prior-year week is 364 days back: 17 – 23 Nov 2025; 19 Nov
        // 2025 is in it (x 5, prior year), and in November 2025 (x 7).
        assert_eq!(
            placements(date(2025, 11, 19), &weeks, &months),
            vec![at(5, true), at(7, false)]
        );
        // 16 Nov 2025 is a day before that prior-year week (W46's PY ends
        // 16 Nov 2025: x 4).
        assert_eq!(
            placements(date(2025, 11, 16), &weeks, &months),
            vec![at(4, true), at(7, false)]
        );
        // October 2025 is the prior year of October 2026 (x 18), and 14 Oct
        // 2025 in the prior-year week of W42 (13 – 19 Oct 2025, x 0).
        assert_eq!(
            placements(date(2025, 10, 14), &weeks, &months),
            vec![at(0, true), at(18, true)]
        );
        // Before the axis and its prior year: nowhere.
        assert_eq!(placements(date(2024, 10, 31), &weeks, &months), vec![]);
    }

    fn program(annotations: Vec<Annotation>) -> Program {
        Program {
            id: "p".into(),
            name: "P".into(),
            owner: "O".into(),
            summary: None,
            metrics: Vec::new(),
            initiatives: Vec::new(),
            deck: None,
            breakdowns: Vec::new(),
            path: "content/programs/p.yaml".into(),
            fingerprint: 0,
            annotations,
        }
    }

    fn note(day: Date, metric: Option<&str>, text: &str) -> Annotation {
        Annotation {
            date: day,
            program: metric.map(|_| "p".to_string()),
            metric: metric.map(str::to_string),
            text: text.into(),
        }
    }

    #[test]
    fn a_version_shows_what_is_dated_by_the_end_of_its_week() {
        let program = program(vec![
            note(date(2025, 11, 19), None, "last year"),
            note(date(2026, 11, 18), Some("a"), "outage"),
            note(date(2026, 11, 19), Some("b"), "other metric"),
            // After W47 ends on Sunday 22 Nov: not yet.
            note(date(2026, 11, 23), Some("a"), "release"),
        ]);
        let (weeks, months) = axis();
        let lines = [Line {
            metric: "a",
            name: "A",
        }];
        let notes = chart_notes(&program, &lines, &weeks, &months, true);
        let texts: Vec<(usize, &str)> = notes
            .list
            .iter()
            .map(|note| (note.number, note.text.as_str()))
            .collect();
        assert_eq!(texts, vec![(1, "last year"), (2, "outage")]);
        let marks: Vec<(&str, usize, &str)> = notes
            .marks
            .iter()
            .map(|mark| (mark.series.as_str(), mark.x, mark.label.as_str()))
            .collect();
        assert_eq!(
            marks,
            vec![("A (prior year)", 5, "1"), ("A", 7, "1"), ("A", 5, "2")]
        );
        assert_eq!(notes.marks[2].text, "2026-11-18: outage");

        // Two events in one week share its pin.
        let mut crowded = program.clone();
        crowded
            .annotations
            .push(note(date(2026, 11, 20), Some("a"), "rollback"));
        crowded.annotations.sort();
        let notes = chart_notes(&crowded, &lines, &weeks, &months, true);
        let shared: Vec<(&str, usize, &str, &str)> = notes
            .marks
            .iter()
            .map(|mark| {
                (
                    mark.series.as_str(),
                    mark.x,
                    mark.label.as_str(),
                    mark.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            shared[2],
            ("A", 5, "2,3", "2026-11-18: outage\n2026-11-20: rollback")
        );
        assert_eq!(notes.marks.len(), 3);

        // Without prior-year lines, last year's week gets no pin.
        let notes = chart_notes(&program, &lines, &weeks, &months, false);
        assert_eq!(notes.marks.len(), 2);

        // The second metric of a chart gets its own annotations.
        let lines = [
            Line {
                metric: "a",
                name: "A",
            },
            Line {
                metric: "b",
                name: "B",
            },
        ];
        let notes = chart_notes(&program, &lines, &weeks, &months, false);
        assert_eq!(notes.list.len(), 3);
        assert_eq!(notes.marks.last().unwrap().series, "B");
    }

    #[test]
    fn the_list_escapes_every_text() {
        let html = list_html(&[NoteView {
            number: 1,
            date: date(2026, 11, 18),
            text: "<script>alert(\"x\")</script> & 'y'".into(),
        }]);
        assert!(html.contains("<li value=\"1\"><time datetime=\"2026-11-18\">2026-11-18</time> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</li>"), "{html}");
        assert_eq!(list_html(&[]), "");
    }
}
