//! What templates see: numbers already formatted, colours already decided,
//! so every theme shows the same figures the same way.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;

use super::chart::{is_additive, month_label, six_twelve_chart, ChartData, ChartSeries, XLabels};
use super::format::{delta, push_grouped, without_arrow, Delta, NumberFormat, Tone};
use super::narrative::{escape_html, push_escaped};
use crate::calendar::Calendar;
use crate::compute::status::Status;
use crate::compute::unusual::Judgement;
use crate::compute::{Comparison, MetricNumbers, PeriodNumbers, ProgramNumbers};
use crate::load::deck::{DeckBlock, SeriesStyle, TableLine, TablePeriod};
use crate::load::program::ChangeOver;
use crate::load::program::{Grain, MetricSource};
use crate::load::Program;

mod breakdown;
mod labels;
pub use breakdown::{breakdown_anchor, breakdown_chart, breakdown_table, BreakdownSpec};
pub use labels::{LabelCache, PeriodLabels};

/// `Red`, `Amber`, `Green`, `No data`.
pub fn status_label(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Red) => "Red",
        Some(Status::Amber) => "Amber",
        Some(Status::Green) => "Green",
        Some(Status::Grey) => "No data",
        None => "Not rated",
    }
}

/// A status as templates show it: a class and a word, never colour alone.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    /// `red`, `amber`, `green`, `grey` or `none`.
    pub class: &'static str,
    pub label: &'static str,
}

impl StatusView {
    pub fn new(status: Option<Status>) -> StatusView {
        StatusView {
            class: status.map_or("none", Status::name),
            label: status_label(status),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BoxCell {
    pub label: &'static str,
    pub value: String,
    /// Set for changes (WoW, YoY, …), with their tone.
    pub delta: Option<Delta>,
}

/// One metric's headline numbers for the review week.
#[derive(Debug, Clone, Serialize)]
pub struct MetricView {
    pub id: String,
    pub program: String,
    pub name: String,
    pub description: Option<String>,
    /// The id of the metric's block on its program page.
    pub anchor: String,
    pub status: StatusView,
    pub rated: bool,
    pub sla: bool,
    pub key: bool,
    pub value: String,
    pub target: Option<String>,
    pub wow: Delta,
    pub yoy: Delta,
    #[serde(skip)]
    pub summary_box: Vec<BoxCell>,
    /// The summary box as markup (see [`TableView::html`] for why).
    pub summary_box_html: String,
    /// "Unusually high", with the natural limits, when the XmR chart says so.
    pub unusual: Option<String>,
    /// "3 days missing" when the review week is incomplete.
    pub gap: Option<String>,
}

pub fn metric_anchor(metric: &str) -> String {
    format!("metric-{metric}")
}

pub fn number_format(program: &Program, index: usize, decimals: Option<u8>) -> NumberFormat {
    let definition = &program.metrics[index].definition;
    NumberFormat::new(definition.unit, decimals.or(definition.decimals))
}

pub fn metric_view(program: &Program, index: usize, numbers: &MetricNumbers) -> MetricView {
    let definition = &program.metrics[index].definition;
    let format = number_format(program, index, None);
    let summary = &numbers.summary;
    let change = |which| delta(summary.change(which), &format, numbers.better);
    let cell = |label, value: Option<f64>| BoxCell {
        label,
        value: format.value(value),
        delta: None,
    };
    let change_cell = |label, delta: Delta| BoxCell {
        label,
        value: delta.text.clone(),
        delta: Some(delta),
    };
    let unusual = unusual_text(&format, &numbers.unusual, summary.last_week);
    let review_week = numbers.weeks.last();
    // The headline figures are in the summary box too: made once.
    let last_week = cell("Last week", summary.last_week);
    let (wow, yoy) = (change(Comparison::Wow), change(Comparison::Yoy));
    let mut view = MetricView {
        id: definition.id.clone(),
        program: program.id.clone(),
        name: numbers.name.clone(),
        description: numbers.description.clone(),
        anchor: metric_anchor(&definition.id),
        status: StatusView::new(numbers.status),
        rated: numbers.status.is_some(),
        sla: numbers.sla,
        key: numbers.key,
        value: last_week.value.clone(),
        target: numbers.target.map(|target| format.value(Some(target))),
        wow: wow.clone(),
        yoy: yoy.clone(),
        summary_box_html: String::new(),
        summary_box: vec![
            last_week,
            change_cell("WoW", wow),
            change_cell("YoY", yoy),
            cell("MTD", summary.mtd),
            change_cell("MTD YoY", change(Comparison::MtdYoy)),
            cell("QTD", summary.qtd),
            change_cell("QTD YoY", change(Comparison::QtdYoy)),
            cell("YTD", summary.ytd),
            change_cell("YTD YoY", change(Comparison::YtdYoy)),
        ],
        unusual,
        gap: review_week.and_then(|week| gap_note(week, numbers.grain)),
    };
    view.summary_box_html = summary_box_html(&view.name, &view.summary_box);
    view
}

/// "Unusually high: above the natural limit of 44.96" for an unusual week,
/// the limit with enough digits to differ from the week's value as shown;
/// when the value needs more digits than it usually shows, they are given
/// too ("Unusually high: 45.03, above the natural limit of 45.01").
fn unusual_text(
    format: &NumberFormat,
    judgement: &Judgement,
    value: Option<f64>,
) -> Option<String> {
    let (words, limit) = match *judgement {
        Judgement::UnusuallyHigh { upper, .. } => ("Unusually high", ("above", upper)),
        Judgement::UnusuallyLow { lower, .. } => ("Unusually low", ("below", lower)),
        _ => return None,
    };
    let (side, limit) = limit;
    let Some(value) = value else {
        return Some(format!(
            "{words}: {side} the natural limit of {}",
            format.value(Some(limit))
        ));
    };
    let (value_text, limit_text) = format.apart(value, limit);
    Some(if value_text == format.value(Some(value)) {
        format!("{words}: {side} the natural limit of {limit_text}")
    } else {
        format!("{words}: {value_text}, {side} the natural limit of {limit_text}")
    })
}

/// The markup of a metric's summary box.
fn summary_box_html(name: &str, cells: &[BoxCell]) -> String {
    let mut html = String::with_capacity(640);
    html.push_str("<dl class=\"summary-box\" aria-label=\"");
    push_escaped(&mut html, name);
    html.push_str(": summary\">");
    for cell in cells {
        // The stylesheet finds the cells as the list's divs, the main one
        // as the first.
        html.push_str("\n<div><dt>");
        push_escaped(&mut html, cell.label);
        html.push_str("</dt>");
        match &cell.delta {
            Some(delta) => {
                html.push_str("<dd class=\"");
                push_change(&mut html, delta);
            }
            None => {
                html.push_str("<dd>");
                push_escaped(&mut html, &cell.value);
            }
        }
        html.push_str("</dd></div>");
    }
    html.push_str("\n</dl>");
    html
}

/// The markup of a change, as `macros.html`'s `delta` writes it: the
/// signed number, coloured by its tone's class, with its arrow drawn by
/// the stylesheet from its direction's class (`up`, …), so that screen
/// readers read the number once ("plus 1.4%"). The e-mail digest, which
/// mail clients show without a stylesheet, writes the arrow itself.
pub fn push_delta(html: &mut String, delta: &Delta) {
    html.push_str("<span class=\"delta ");
    push_change(html, delta);
    html.push_str("</span>");
}

/// A change's classes, the rest of its start tag and its text, after an
/// opening `class="`.
fn push_change(html: &mut String, delta: &Delta) {
    let shown = ShownChange::of(delta);
    push_shown_change(html, shown.class, &shown.text, shown.words);
}

/// A change as a page shows it: the same in summary boxes, narratives
/// and numbers tables.
struct ShownChange<'a> {
    /// Its tone and direction ([`change_class`]).
    class: &'static str,
    /// Its signed number, without the arrow the stylesheet draws; a
    /// factor for a rise too large for a percentage; or n/a.
    text: Cow<'a, str>,
    /// What screen readers get instead, where `text` is not the change's
    /// number (n/a, a factor).
    words: Option<&'a str>,
}

impl ShownChange<'_> {
    fn of(delta: &Delta) -> ShownChange<'_> {
        let direction = delta.direction();
        let shown = fitting_delta_text(&delta.text);
        let spoken = shown != delta.text || direction.is_empty();
        ShownChange {
            class: change_class(delta.tone, direction),
            text: match shown {
                Cow::Borrowed(shown) => Cow::Borrowed(without_arrow(shown)),
                Cow::Owned(shown) => Cow::Owned(without_arrow(&shown).to_string()),
            },
            words: spoken.then_some(delta.label.as_str()),
        }
    }
}

/// Writes a change after an opening `class="`: its `class`, then `text`,
/// or, with `words`, the text for the eye and the words for screen
/// readers; a factor keeps its words as a tooltip too.
fn push_shown_change(html: &mut String, class: &str, text: &str, words: Option<&str>) {
    html.push_str(class);
    html.push('"');
    let Some(words) = words else {
        html.push('>');
        push_escaped(html, text);
        return;
    };
    if text.starts_with('×') {
        html.push_str(" title=\"");
        push_escaped(html, words);
        html.push('"');
    }
    html.push_str("><span aria-hidden=\"true\">");
    push_escaped(html, text);
    html.push_str("</span><span class=\"visually-hidden\">");
    push_escaped(html, words);
    html.push_str("</span>");
}

/// The classes of a change: its tone (the colour) and its direction (the
/// arrow the stylesheet draws).
fn change_class(tone: Tone, direction: &str) -> &'static str {
    match (tone, direction) {
        (Tone::Good, "up") => "good up",
        (Tone::Good, "down") => "good down",
        (Tone::Bad, "up") => "bad up",
        (Tone::Bad, "down") => "bad down",
        (Tone::Neutral, "up") => "neutral up",
        (Tone::Neutral, "down") => "neutral down",
        (Tone::Neutral, "flat") => "neutral flat",
        (Tone::Good, _) => "good",
        (Tone::Bad, _) => "bad",
        (Tone::Neutral, _) => "neutral",
    }
}

/// Whether a table cell's class is a change's (see [`change_class`]).
fn is_change_class(class: &str) -> bool {
    matches!(class.split(' ').next(), Some("good" | "bad" | "neutral"))
}

/// A change's text as a summary box or table shows it: a rise of more than
/// 999% reads as a factor (`▲ +56,600.0%` → `▲ ×567`), which fits a cell
/// and says more; the exact change stays in the cell's title, for screen
/// readers and in data.json.
pub fn fitting_delta_text(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let Some(percent) = text
        .strip_prefix("▲ +")
        .and_then(|rest| rest.strip_suffix('%'))
    else {
        return Cow::Borrowed(text);
    };
    let Ok(percent) = percent.replace(',', "").parse::<f64>() else {
        return Cow::Borrowed(text);
    };
    if percent <= 999.0 {
        return Cow::Borrowed(text);
    }
    // +p% of the base is 1 + p/100 times the base.
    let factor = format!("{:.0}", 1.0 + percent / 100.0);
    let mut text = String::from("▲ ×");
    push_grouped(&mut text, &factor);
    Cow::Owned(text)
}

/// "3 days missing" for an incomplete period.
fn gap_note(period: &PeriodNumbers, grain: Grain) -> Option<String> {
    let mut note = String::new();
    push_gap_note(&mut note, period, grain).then_some(note)
}

/// [`gap_note`] written at the end of `note`; false, writing nothing, for
/// a period with a value or none missing. A large site's tables have
/// hundreds of thousands of such notes.
fn push_gap_note(note: &mut String, period: &PeriodNumbers, grain: Grain) -> bool {
    if period.value.is_some() || period.missing == 0 {
        return false;
    }
    let unit = match grain {
        Grain::Day => "day",
        Grain::Week => "week",
        Grain::Month => "month",
    };
    note.push_str(itoa::Buffer::new().format(period.missing));
    note.push(' ');
    note.push_str(unit);
    if period.missing != 1 {
        note.push('s');
    }
    note.push_str(" missing");
    true
}

/// A cell of a numbers table.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    /// A CSS class: a change's (`bad up`, `neutral flat`, `neutral`, …),
    /// `gap`, or empty.
    pub class: &'static str,
    /// Extra words for screen readers and tooltips ("2 days missing").
    pub note: Option<String>,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "",
            note: None,
        }
    }

    fn value(
        format: &NumberFormat,
        period: &PeriodNumbers,
        value: Option<f64>,
        grain: Grain,
    ) -> Cell {
        let note = if value.is_none() {
            gap_note(period, grain)
        } else {
            None
        };
        Cell {
            text: format.value(value),
            class: if value.is_none() { "gap" } else { "" },
            note,
        }
    }

    /// A change as `push_delta` writes it: the signed number, its words
    /// only where it shows something else (n/a, a factor).
    fn delta(delta: Delta) -> Cell {
        let shown = ShownChange::of(&delta);
        Cell {
            class: shown.class,
            text: shown.text.into_owned(),
            note: shown.words.map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    pub caption: String,
    pub columns: Vec<String>,
    /// The whole table as markup. A deck has thousands of cells, and
    /// walking them in a template loop was most of a build's time, so
    /// templates get the table ready-made (the theme styles it with CSS).
    pub html: String,
}

impl TableView {
    /// The table of `rows`, the first cell of each its header.
    pub fn new(caption: String, columns: Vec<String>, rows: Vec<Vec<Cell>>) -> TableView {
        let mut table = TableHtml::new(&caption, &columns, rows.len());
        for row in &rows {
            if let [cell] = row.as_slice() {
                match cell.class {
                    "table-header" => {
                        table.header_row(&cell.text);
                        continue;
                    }
                    "table-spacer" => {
                        table.spacer_row();
                        continue;
                    }
                    _ => {}
                }
            }
            let Some((header, cells)) = row.split_first() else {
                table.html.push_str("\n<tr></tr>");
                continue;
            };
            table.start_row(&header.text);
            for cell in cells {
                table.cell(&cell.text, cell.class, cell.note.as_deref());
            }
            table.end_row();
        }
        TableView {
            html: table.finish(),
            caption,
            columns,
        }
    }
}

/// What [`TableHtml::value_cell`] writes a cell's text and note into,
/// reused from cell to cell.
#[derive(Debug, Default)]
pub struct CellScratch {
    text: String,
    note: String,
}

/// The markup of a numbers table, written row by row: a caption, column
/// headers, and rows whose first cell is the row's header.
pub struct TableHtml {
    html: String,
    columns: usize,
}

impl TableHtml {
    /// A table under `caption` with `columns` headers, for about `rows` rows.
    pub fn new(caption: &str, columns: &[String], rows: usize) -> TableHtml {
        let caption = escape_html(caption);
        let mut html = String::with_capacity(256 + rows * columns.len() * 48);
        let _ = write!(
            html,
            "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{caption}\">\n<table class=\"numbers-table\">\n<caption>{caption}</caption>\n<thead><tr>"
        );
        for column in columns {
            html.push_str("<th scope=\"col\">");
            push_escaped(&mut html, column);
            html.push_str("</th>");
        }
        html.push_str("</tr></thead>\n<tbody>");
        TableHtml {
            html,
            columns: columns.len(),
        }
    }

    /// A row that heads the rows below it, across the table.
    fn header_row(&mut self, text: &str) {
        let _ = write!(
            self.html,
            "\n<tr class=\"table-header\"><th scope=\"colgroup\" colspan=\"{}\">{}</th></tr>",
            self.columns,
            escape_html(text)
        );
    }

    /// An empty row that sets groups of rows apart.
    fn spacer_row(&mut self) {
        let _ = write!(
            self.html,
            "\n<tr class=\"table-spacer\" aria-hidden=\"true\"><td colspan=\"{}\"></td></tr>",
            self.columns
        );
    }

    /// Starts a row headed `header`; its cells follow, then [`Self::end_row`].
    pub fn start_row(&mut self, header: &str) {
        // A row's first cell heads it (the table model makes a `th`
        // before data cells a row header without `scope`).
        self.html.push_str("\n<tr><th>");
        push_escaped(&mut self.html, header);
        self.html.push_str("</th>");
    }

    pub fn end_row(&mut self) {
        self.html.push_str("</tr>");
    }

    /// A data cell: its text, a CSS class (see [`Cell::class`]) and a note
    /// for screen readers.
    pub fn cell(&mut self, text: &str, class: &str, note: Option<&str>) {
        let html = &mut self.html;
        if is_change_class(class) {
            html.push_str("<td class=\"");
            push_shown_change(html, class, text, note);
            html.push_str("</td>");
            return;
        }
        html.push_str("<td");
        if !class.is_empty() {
            html.push_str(" class=\"");
            html.push_str(class);
            html.push('"');
        }
        // The note is in the cell for screen readers; as a tooltip
        // only where the cell shows less (a gap).
        if let Some(note) = note.filter(|_| class == "gap") {
            html.push_str(" title=\"");
            push_escaped(html, note);
            html.push('"');
        }
        html.push('>');
        match note {
            Some(note) => {
                push_escaped(html, text);
                html.push_str("<span class=\"visually-hidden\"> (");
                push_escaped(html, note);
                html.push_str(")</span>");
            }
            None => push_escaped(html, text),
        }
        html.push_str("</td>");
    }

    /// A cell of `value` (one of `period`'s), as [`Cell::value`] makes it;
    /// its text and note are written through `scratch`, so that a table's
    /// values need no `String` each.
    pub fn value_cell(
        &mut self,
        scratch: &mut CellScratch,
        format: &NumberFormat,
        period: &PeriodNumbers,
        value: Option<f64>,
        grain: Grain,
    ) {
        let CellScratch { text, note } = scratch;
        text.clear();
        format.push_value(text, value);
        if value.is_some() {
            self.cell(text, "", None);
            return;
        }
        note.clear();
        let note = push_gap_note(note, period, grain).then_some(note.as_str());
        self.cell(text, "gap", note);
    }

    pub fn finish(mut self) -> String {
        self.html.push_str("\n</tbody>\n</table>\n</div>");
        self.html
    }
}

/// A 6-12 chart with its options, its numbers table and summary boxes.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    /// Unique within the page.
    #[serde(serialize_with = "super::splice::serialize_id")]
    pub dom_id: String,
    #[serde(serialize_with = "super::splice::serialize_id")]
    pub anchor: String,
    pub title: String,
    /// What the chart shows. Pages gather their charts' data into one
    /// block ([`ChartSet`]), so templates do not see it.
    #[serde(skip)]
    pub data: ChartData,
    /// For a chart outside a page's deck (in a narrative): its own
    /// [`ChartSet`] as JSON escaped for `<script type="application/json">`,
    /// which `partials/chart.html` writes next to it.
    pub data_json: Option<String>,
    /// The "Noteworthy events" list under the chart, escaped; empty
    /// without annotations.
    pub annotations_html: String,
    pub table: TableView,
    pub metrics: Vec<MetricView>,
}

/// One block of a program's deck, as templates see it.
// Charts are most of a deck's blocks: boxing them would only add a step.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockView {
    Section {
        title: String,
        text: Option<String>,
        #[serde(serialize_with = "super::splice::serialize_id")]
        anchor: String,
    },
    Chart(ChartView),
    Table {
        title: String,
        table: TableView,
        #[serde(serialize_with = "super::splice::serialize_id")]
        anchor: String,
    },
}

/// The charts among a deck's `blocks`, in deck order: the order in which
/// a rendered deck keeps each chart's data as JSON.
pub fn deck_charts(blocks: &[BlockView]) -> impl Iterator<Item = &ChartView> {
    blocks.iter().filter_map(|block| match block {
        BlockView::Chart(chart) => Some(chart),
        _ => None,
    })
}

/// Labels weeks `W47` on ISO calendars and by end date (`Nov 21`) otherwise.
pub fn week_label(calendar: &Calendar, week: &PeriodNumbers) -> String {
    if calendar.is_iso() {
        format!("W{:02}", week.end.iso_week_date().week())
    } else {
        format!(
            "{} {}",
            month_label(week).split(' ').next().unwrap_or(""),
            week.end.day()
        )
    }
}

/// ` (weeks from 2026-10-12 to 2026-11-22)`: the dates of a table's weeks,
/// for its caption; empty without weeks.
pub fn weeks_dates(weeks: &[PeriodNumbers]) -> String {
    match (weeks.first(), weeks.last()) {
        (Some(first), Some(last)) => {
            format!(" (weeks from {} to {})", first.start, last.end)
        }
        _ => String::new(),
    }
}

/// What a 6-12 chart shows: a deck chart block, or a narrative's chart().
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec<'a> {
    /// Metric indexes with their styles; the first is the subject.
    pub series: &'a [(usize, SeriesStyle)],
    pub title: Option<&'a str>,
    pub prior_year: bool,
    pub decimals: Option<u8>,
    /// Per series, a name for its legend instead of the metric's.
    pub legends: &'a [Option<String>],
}

pub fn chart_view(
    labels: &mut LabelCache,
    program: &Program,
    numbers: &ProgramNumbers,
    spec: ChartSpec,
    dom_id: String,
) -> Option<ChartView> {
    let ChartSpec {
        series,
        title,
        prior_year,
        decimals,
        legends,
    } = spec;
    let (subject, _) = *series.first()?;
    let metric_numbers = |index: usize| numbers.metrics.get(&program.metrics[index].definition.id);
    let subject_numbers = metric_numbers(subject)?;
    // A series with a `legend` shows it as its name, in the chart and in
    // its table: a copy of its numbers renamed.
    let renamed: Vec<Option<MetricNumbers>> = series
        .iter()
        .enumerate()
        .map(|(position, (index, _))| {
            let legend = legends.get(position).cloned().flatten()?;
            let mut copy = metric_numbers(*index)?.clone();
            copy.name = legend;
            Some(copy)
        })
        .collect();
    let chart_series: Vec<ChartSeries> = series
        .iter()
        .zip(&renamed)
        .filter_map(|((index, style), renamed)| {
            let metric = &program.metrics[*index];
            let aggregate = match &metric.definition.source {
                MetricSource::Column { aggregate, .. } => Some(*aggregate),
                MetricSource::Derived { .. } | MetricSource::Change { .. } => None,
                MetricSource::Events(query) => query
                    .additive()
                    .then_some(crate::load::program::Aggregate::Sum),
            };
            Some(ChartSeries {
                numbers: renamed.as_ref().or_else(|| metric_numbers(*index))?,
                style: *style,
                format: number_format(program, *index, decimals),
                additive: is_additive(aggregate),
            })
        })
        .collect();
    let labels = labels.get(&subject_numbers.weeks, &subject_numbers.months);
    let mut data = six_twelve_chart(&chart_series, labels.axis.clone(), prior_year);
    let annotations_html = super::annotations::annotated_chart(
        &mut data,
        program,
        numbers,
        series,
        subject_numbers,
        prior_year,
    );

    // The same numbers as a table: one row per period, per metric the
    // current and prior year, and the subject's target.
    let mut columns = vec!["Period".to_string()];
    for metric in &chart_series {
        columns.push(metric.numbers.name.clone());
        if prior_year {
            columns.push(format!("{} (prior year)", metric.numbers.name));
        }
    }
    let has_target = subject_numbers
        .weeks
        .iter()
        .chain(&subject_numbers.months)
        .any(|period| period.target.is_some());
    if has_target {
        columns.push("Target".to_string());
    }
    let subject_format = number_format(program, subject, decimals);
    let title = title.map(str::to_string).unwrap_or_else(|| {
        chart_series
            .iter()
            .map(|metric| metric.numbers.name.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    });
    let caption = format!(
        "{title}: weekly and monthly values{}",
        weeks_dates(&subject_numbers.weeks)
    );
    let mut table = TableHtml::new(
        &caption,
        &columns,
        subject_numbers.weeks.len() + subject_numbers.months.len(),
    );
    let mut scratch = CellScratch::default();
    let mut periods = |pick: fn(&MetricNumbers) -> &Vec<PeriodNumbers>, row_labels: &[String]| {
        for ((position, period), label) in pick(subject_numbers).iter().enumerate().zip(row_labels)
        {
            table.start_row(label);
            for metric in &chart_series {
                let point = &pick(metric.numbers)[position];
                let grain = metric.numbers.grain;
                table.value_cell(&mut scratch, &metric.format, point, point.value, grain);
                if prior_year {
                    table.value_cell(&mut scratch, &metric.format, point, point.py_value, grain);
                }
            }
            if has_target {
                let text = &mut scratch.text;
                text.clear();
                subject_format.push_value(text, period.target);
                table.cell(text, "", None);
            }
            table.end_row();
        }
    };
    periods(|metric| &metric.weeks, &labels.week_rows);
    periods(|metric| &metric.months, &labels.month_rows);

    let metrics = series
        .iter()
        .filter(|(_, style)| *style != SeriesStyle::Target)
        .filter_map(|(index, _)| Some(metric_view(program, *index, metric_numbers(*index)?)))
        .collect();
    Some(ChartView {
        anchor: metric_anchor(&program.metrics[subject].definition.id),
        dom_id,
        table: TableView {
            caption,
            columns,
            html: table.finish(),
        },
        title,
        data,
        data_json: None,
        annotations_html,
        metrics,
    })
}

/// What a table block shows.
pub struct TableSpec<'a> {
    pub lines: &'a [TableLine],
    pub changes: &'a [ChangeOver],
    pub period: TablePeriod,
    pub title: Option<&'a str>,
    pub decimals: Option<u8>,
}

/// A 6-week or 12-month table of several metrics: one row per metric,
/// each followed by its change rows (`rows: [yoy, mom]`), with header and
/// empty rows where the deck puts them.
pub fn period_table(
    calendar: &Calendar,
    program: &Program,
    numbers: &ProgramNumbers,
    spec: TableSpec,
) -> TableView {
    let TableSpec {
        lines,
        changes,
        period,
        title,
        decimals,
    } = spec;
    let mut columns = vec!["Metric".to_string()];
    let mut rows = Vec::new();
    let mut first = true;
    for line in lines {
        let index = match line {
            TableLine::Metric(index) => *index,
            TableLine::Header(text) => {
                rows.push(vec![Cell {
                    text: text.clone(),
                    class: "table-header",
                    note: None,
                }]);
                continue;
            }
            TableLine::Spacer => {
                rows.push(vec![Cell {
                    text: String::new(),
                    class: "table-spacer",
                    note: None,
                }]);
                continue;
            }
        };
        let Some(metric) = numbers.metrics.get(&program.metrics[index].definition.id) else {
            continue;
        };
        let format = number_format(program, index, decimals);
        let periods = match period {
            TablePeriod::SixWeeks => &metric.weeks,
            TablePeriod::TwelveMonths => &metric.months,
        };
        if std::mem::take(&mut first) {
            columns.extend(periods.iter().map(|point| match period {
                TablePeriod::SixWeeks => week_label(calendar, point),
                TablePeriod::TwelveMonths => month_label(point),
            }));
            match period {
                TablePeriod::SixWeeks => columns.extend(["WoW".to_string(), "YoY".to_string()]),
                TablePeriod::TwelveMonths => columns.push("YoY".to_string()),
            }
            columns.push("Target".to_string());
        }
        let mut row = vec![Cell::plain(metric.name.clone())];
        row.extend(
            periods
                .iter()
                .map(|point| Cell::value(&format, point, point.value, metric.grain)),
        );
        match period {
            TablePeriod::SixWeeks => {
                for which in [Comparison::Wow, Comparison::Yoy] {
                    row.push(Cell::delta(delta(
                        metric.summary.change(which),
                        &format,
                        metric.better,
                    )));
                }
            }
            TablePeriod::TwelveMonths => {
                let last = periods.last();
                let change = crate::compute::compare::compare(
                    last.and_then(|p| p.value),
                    last.and_then(|p| p.py_value),
                    metric.compare,
                );
                row.push(Cell::delta(delta(change, &format, metric.better)));
            }
        }
        let width = row.len() + 1;
        row.push(Cell::plain(metric.target.map_or_else(
            || "–".to_string(),
            |target| format.value(Some(target)),
        )));
        rows.push(row);
        // Each change row: the metric's change per period, as its summary
        // box and the growth series compute it; blank under the summary
        // columns (wbr-app leaves them empty too).
        for change in changes {
            let label = match change {
                ChangeOver::Wow => "WoW",
                ChangeOver::Mom => "MoM",
                ChangeOver::Yoy => "YoY",
            };
            let mut row = vec![Cell::plain(format!("{} {label}", metric.name))];
            row.extend(periods.iter().map(|point| {
                let base = match change {
                    ChangeOver::Yoy => point.py_value,
                    ChangeOver::Wow | ChangeOver::Mom => point.previous_value,
                };
                let change = crate::compute::compare::compare(point.value, base, metric.compare);
                Cell::delta(delta(change, &format, metric.better))
            }));
            row.resize_with(width, || Cell::plain(""));
            rows.push(row);
        }
    }
    let caption = title.map(str::to_string).unwrap_or_else(|| match period {
        TablePeriod::SixWeeks => format!("{}: last 6 weeks", program.name),
        TablePeriod::TwelveMonths => format!("{}: last 12 months", program.name),
    });
    TableView::new(caption, columns, rows)
}

/// The program's deck: its own definition, or a chart per metric.
/// The blocks of a program's deck: its own, or a chart per metric.
pub fn deck_blocks(program: &Program) -> std::borrow::Cow<'_, [DeckBlock]> {
    match &program.deck {
        Some(deck) => std::borrow::Cow::Borrowed(deck),
        None => std::borrow::Cow::Owned(
            (0..program.metrics.len())
                .map(|index| DeckBlock::Chart {
                    title: None,
                    series: vec![(index, SeriesStyle::Primary)],
                    prior_year: true,
                    decimals: None,
                    legends: Vec::new(),
                })
                .collect(),
        ),
    }
}

/// The id of every deck block on its program page: `metric-<subject>` for
/// charts (numbered when a subject has several), `table-<n>`, `section-<n>`.
pub fn deck_anchors(program: &Program, blocks: &[DeckBlock]) -> Vec<String> {
    let mut used = std::collections::HashSet::new();
    blocks
        .iter()
        .enumerate()
        .map(|(position, block)| {
            let anchor = match block {
                DeckBlock::Section { .. } => format!("section-{}", position + 1),
                DeckBlock::Chart { series, .. } => match series.first() {
                    Some((subject, _)) => metric_anchor(&program.metrics[*subject].definition.id),
                    None => format!("chart-{}", position + 1),
                },
                DeckBlock::Table { .. } => format!("table-{}", position + 1),
                DeckBlock::Breakdown { metric, by, .. } => breakdown_anchor(program, *metric, by),
            };
            let mut candidate = anchor.clone();
            let mut counter = 1;
            while !used.insert(candidate.clone()) {
                counter += 1;
                candidate = format!("{anchor}-{counter}");
            }
            candidate
        })
        .collect()
}

/// Where a metric is shown on its program page: the chart it is the
/// subject of, else the first chart or table that includes it; `None` when
/// the deck leaves it out.
pub fn metric_block_anchor(program: &Program, metric: &str) -> Option<String> {
    BlockAnchors::new(program).of(metric)
}

/// A program's deck blocks with their ids, worked out once for the
/// [`metric_block_anchor`] of each of its metrics (a program card links
/// every key metric).
pub struct BlockAnchors<'a> {
    program: &'a Program,
    blocks: std::borrow::Cow<'a, [DeckBlock]>,
    anchors: Vec<String>,
}

impl<'a> BlockAnchors<'a> {
    pub fn new(program: &'a Program) -> BlockAnchors<'a> {
        let blocks = deck_blocks(program);
        let anchors = deck_anchors(program, &blocks);
        BlockAnchors {
            program,
            blocks,
            anchors,
        }
    }

    /// See [`metric_block_anchor`].
    pub fn of(&self, metric: &str) -> Option<String> {
        let (program, blocks) = (self.program, &self.blocks);
        let is_metric = |index: &usize| program.metrics[*index].definition.id == metric;
        let subject = blocks.iter().position(|block| matches!(block, DeckBlock::Chart { series, .. } if series.first().is_some_and(|(index, _)| is_metric(index))));
        let included = || {
            blocks.iter().position(|block| match block {
                DeckBlock::Chart { series, .. } => series.iter().any(|(index, _)| is_metric(index)),
                DeckBlock::Table { metrics, .. } => metrics.iter().any(is_metric),
                DeckBlock::Breakdown { metric, .. } => is_metric(metric),
                DeckBlock::Section { .. } => false,
            })
        };
        subject
            .or_else(included)
            .map(|position| self.anchors[position].clone())
    }
}

/// The program's deck, ready for the template.
pub fn deck_view(
    calendar: &Calendar,
    program: &Program,
    numbers: &ProgramNumbers,
) -> Vec<BlockView> {
    let blocks = deck_blocks(program);
    let anchors = deck_anchors(program, &blocks);
    let mut labels = LabelCache::new(calendar);
    blocks
        .iter()
        .zip(anchors)
        .enumerate()
        .filter_map(|(position, (block, anchor))| match block {
            DeckBlock::Section { title, text } => Some(BlockView::Section {
                title: title.clone(),
                text: text.clone(),
                anchor,
            }),
            DeckBlock::Chart {
                title,
                series,
                prior_year,
                decimals,
                legends,
            } => {
                let spec = ChartSpec {
                    series,
                    title: title.as_deref(),
                    prior_year: *prior_year,
                    decimals: *decimals,
                    legends,
                };
                let mut view = chart_view(
                    &mut labels,
                    program,
                    numbers,
                    spec,
                    format!("chart-{}", position + 1),
                )?;
                view.anchor = anchor;
                Some(BlockView::Chart(view))
            }
            DeckBlock::Table {
                period,
                title,
                decimals,
                lines,
                changes,
                ..
            } => Some(BlockView::Table {
                title: title.clone().unwrap_or_default(),
                table: period_table(
                    calendar,
                    program,
                    numbers,
                    TableSpec {
                        lines,
                        changes,
                        period: *period,
                        title: title.as_deref(),
                        decimals: *decimals,
                    },
                ),
                anchor,
            }),
            DeckBlock::Breakdown {
                metric,
                by,
                top,
                table,
                title,
                decimals,
                ..
            } => {
                let spec = BreakdownSpec {
                    metric: *metric,
                    by,
                    top: *top,
                    title: title.as_deref(),
                    decimals: *decimals,
                };
                match table {
                    None => {
                        let mut view = breakdown_chart(
                            &mut labels,
                            program,
                            numbers,
                            &spec,
                            format!("chart-{}", position + 1),
                        )?;
                        view.anchor = anchor;
                        Some(BlockView::Chart(view))
                    }
                    Some(period) => {
                        let (title, table) =
                            breakdown_table(calendar, program, numbers, &spec, *period)?;
                        Some(BlockView::Table {
                            title,
                            table,
                            anchor,
                        })
                    }
                }
            }
        })
        .collect()
}

/// The chart data of a page (or of one narrative chart): each distinct x
/// axis once, and per chart its element id, which x axis it uses (the
/// first when left out) and its [`ChartData`]. `sitrep.js` reads it from
/// `<script type="application/json" id="sitrep-charts">` (a page's deck)
/// and `<script type="application/json" data-chart="ID">` (a chart of its
/// own, whose `id` is left out).
#[derive(Debug)]
pub struct ChartSet<'a> {
    pub x: Vec<&'a XLabels>,
    pub charts: Vec<ChartEntry<'a>>,
}

#[derive(Debug)]
pub struct ChartEntry<'a> {
    /// Left out of the JSON when empty.
    pub id: &'a str,
    /// The position of its x axis in [`ChartSet::x`]; left out when 0.
    pub labels: usize,
    /// Its [`ChartData`] as [`chart_data_json`] writes it.
    pub data_json: Cow<'a, str>,
}

/// A chart's [`ChartData`] as JSON for a `<script>` element: made once per
/// deck chart, for its program page and the print view.
pub fn chart_data_json(data: &ChartData) -> String {
    script_safe_json(data)
}

impl<'a> ChartSet<'a> {
    /// The set of `charts`, as `(element id, data)`.
    pub fn new(charts: impl IntoIterator<Item = (&'a str, &'a ChartData)>) -> ChartSet<'a> {
        ChartSet::from_json(
            charts
                .into_iter()
                .map(|(id, data)| (id, &*data.labels, Cow::Owned(chart_data_json(data)))),
        )
    }

    /// The set of `charts`, as `(element id, x axis, data as JSON)`.
    pub fn from_json(
        charts: impl IntoIterator<Item = (&'a str, &'a XLabels, Cow<'a, str>)>,
    ) -> ChartSet<'a> {
        let mut set = ChartSet {
            x: Vec::new(),
            charts: Vec::new(),
        };
        for (id, labels, data_json) in charts {
            // Charts with the same periods share their labels: the same
            // `Arc` is the common case, and the cheap one to tell.
            let same = |known: &&XLabels| std::ptr::eq(*known, labels) || **known == *labels;
            let labels = match set.x.iter().position(same) {
                Some(position) => position,
                None => {
                    set.x.push(labels);
                    set.x.len() - 1
                }
            };
            set.charts.push(ChartEntry {
                id,
                labels,
                data_json,
            });
        }
        set
    }

    /// The deck charts of `blocks` (the charts of a program page), whose
    /// data as JSON is `data_json`, chart by chart.
    pub fn of_deck(blocks: &'a [BlockView], data_json: &'a [String]) -> ChartSet<'a> {
        ChartSet::from_json(deck_charts(blocks).zip(data_json).map(|(chart, json)| {
            (
                chart.dom_id.as_str(),
                &*chart.data.labels,
                Cow::Borrowed(json.as_str()),
            )
        }))
    }

    /// As JSON for a `<script type="application/json">` element:
    /// `{"x":[…],"charts":[{"id":…,"x":…, the chart's data…},…]}`, written
    /// from each chart's JSON as made once.
    pub fn to_json(&self) -> String {
        let size = self
            .charts
            .iter()
            .map(|chart| chart.id.len() + chart.data_json.len() + 16)
            .sum::<usize>();
        let mut json = String::with_capacity(size + self.x.len() * 256 + 32);
        json.push_str("{\"x\":");
        json.push_str(&script_safe_json(&self.x));
        json.push_str(",\"charts\":[");
        for (position, chart) in self.charts.iter().enumerate() {
            if position > 0 {
                json.push(',');
            }
            json.push('{');
            let mut fields = 0;
            if !chart.id.is_empty() {
                json.push_str("\"id\":");
                json.push_str(&script_safe_json(&chart.id));
                fields += 1;
            }
            if chart.labels != 0 {
                if fields > 0 {
                    json.push(',');
                }
                let _ = write!(json, "\"x\":{}", chart.labels);
                fields += 1;
            }
            // The chart's own fields follow, as if flattened into the entry.
            let data_fields = chart
                .data_json
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .unwrap_or_default();
            if !data_fields.is_empty() {
                if fields > 0 {
                    json.push(',');
                }
                json.push_str(data_fields);
            }
            json.push('}');
        }
        json.push_str("]}");
        json
    }
}

/// JSON that can be placed inside a `<script>` element: `<`, `>`, `&` and
/// `'` become `\u` escapes, so no value can close the element or open a
/// comment, and line separators cannot break older JavaScript parsers.
pub fn script_safe_json(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).expect("chart options serialise to JSON");
    let special = |c: char| matches!(c, '<' | '>' | '&' | '\'' | '\u{2028}' | '\u{2029}');
    if !json.contains(special) {
        return json;
    }
    let mut safe = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            '\'' => safe.push_str("\\u0027"),
            '\u{2028}' => safe.push_str("\\u2028"),
            '\u{2029}' => safe.push_str("\\u2029"),
            c => safe.push(c),
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A numbers table's markup, as a deck writes it.
    fn table_html(caption: &str, columns: &[String], rows: &[Vec<Cell>]) -> String {
        TableView::new(caption.to_string(), columns.to_vec(), rows.to_vec()).html
    }

    #[test]
    fn a_chart_set_writes_each_x_axis_once() {
        let chart = |weeks: &[&str]| ChartData {
            labels: std::sync::Arc::new(XLabels {
                weeks: weeks.iter().map(|week| week.to_string()).collect(),
                months: vec!["Nov ’25".to_string()],
            }),
            unit: "%",
            prefix: "",
            y: Vec::new(),
            series: Vec::new(),
            pins: Vec::new(),
        };
        let (a, b, c) = (
            chart(&["W46", "W47"]),
            chart(&["W46", "W47"]),
            chart(&["Nov 21"]),
        );
        let json = ChartSet::new([("chart-1", &a), ("chart-2", &b), ("chart-3", &c)]).to_json();
        assert_eq!(
            json,
            r#"{"x":[{"weeks":["W46","W47"],"months":["Nov ’25"]},{"weeks":["Nov 21"],"months":["Nov ’25"]}],"charts":[{"id":"chart-1","unit":"%","y":[],"series":[]},{"id":"chart-2","unit":"%","y":[],"series":[]},{"id":"chart-3","x":1,"unit":"%","y":[],"series":[]}]}"#
        );
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let json = script_safe_json(&serde_json::json!({ "name": "</script><!-- & 'x' \u{2028}" }));
        assert_eq!(
            json,
            r#"{"name":"\u003c/script\u003e\u003c!-- \u0026 \u0027x\u0027 \u2028"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["name"], "</script><!-- & 'x' \u{2028}");
    }
    #[test]
    fn a_change_is_its_signed_number_with_the_arrow_left_to_the_stylesheet() {
        use crate::compute::compare::{Change, ChangeKind};
        use crate::load::program::{Better, Unit};
        let count = NumberFormat::new(Unit::Count, None);
        let change = |value, kind| delta(Some(Change { value, kind }), &count, Better::Down);
        let cell = |label, delta: Delta| BoxCell {
            label,
            value: delta.text.clone(),
            delta: Some(delta),
        };
        let cells = [
            BoxCell {
                label: "Last week",
                value: "1,790".to_string(),
                delta: None,
            },
            cell("WoW", change(1.4, ChangeKind::Percent)),
            cell("YoY", change(-2.0, ChangeKind::Percent)),
            cell("MTD YoY", change(-392.2, ChangeKind::Bps)),
            cell("QTD YoY", change(0.01, ChangeKind::Percent)),
            cell("YTD YoY", delta(None, &count, Better::Down)),
        ];
        let html = summary_box_html("cases", &cells);
        // The number once, read as "plus 1.4 percent"; the class draws the
        // arrow (`.up::before`) and colours it.
        assert!(
            html.contains("<dt>WoW</dt><dd class=\"bad up\">+1.4%</dd>"),
            "{html}"
        );
        assert!(
            html.contains("<dd class=\"good down\">−2.0%</dd>"),
            "{html}"
        );
        assert!(
            html.contains("<dd class=\"good down\">−392 bps</dd>"),
            "{html}"
        );
        assert!(
            html.contains("<dd class=\"neutral flat\">0.0%</dd>"),
            "{html}"
        );
        // "n/a" is no number: screen readers get the words instead.
        assert!(
            html.contains("<dd class=\"neutral\"><span aria-hidden=\"true\">n/a</span><span class=\"visually-hidden\">not applicable</span></dd>"),
            "{html}"
        );
        assert!(!html.contains('▲') && !html.contains('▼') && !html.contains('◆'));
        assert_eq!(html.matches("aria-hidden").count(), 1, "{html}");
        // A box of nine cells, five of them changes, was 1,044 bytes with
        // the arrow and the words written out in every change.
        let full: Vec<BoxCell> = [0, 1, 0, 2, 0, 3, 0, 4, 1]
            .iter()
            .map(|&index| cells[index].clone())
            .collect();
        let size = summary_box_html("cases", &full).len();
        assert!(size < 1_044 * 6 / 10, "{size} bytes");

        // Inline (a narrative's delta()) it is the same, in a span.
        let mut inline = String::new();
        push_delta(&mut inline, &change(6.0, ChangeKind::Absolute));
        assert_eq!(inline, "<span class=\"delta bad up\">+6</span>");
        // A numbers table's change cells too.
        let table = table_html(
            "changes",
            &["Metric".to_string(), "WoW".to_string(), "YoY".to_string()],
            &[vec![
                Cell::plain("cases"),
                Cell::delta(change(1.4, ChangeKind::Percent)),
                Cell::delta(delta(None, &count, Better::Down)),
            ]],
        );
        assert!(
            table.contains("<th>cases</th><td class=\"bad up\">+1.4%</td><td class=\"neutral\"><span aria-hidden=\"true\">n/a</span><span class=\"visually-hidden\">not applicable</span></td>"),
            "{table}"
        );
    }

    #[test]
    fn a_change_too_large_for_a_percentage_shows_as_a_factor() {
        let big = Delta {
            text: "▲ +56,600.0%".to_string(),
            tone: super::super::format::Tone::Bad,
            label: "up 56,600.0%".to_string(),
        };
        let mut html = String::new();
        push_delta(&mut html, &big);
        // +56,600% is 1 + 566 = 567 times the base; the exact change stays
        // in the title and for screen readers.
        assert_eq!(
            html,
            "<span class=\"delta bad up\" title=\"up 56,600.0%\"><span aria-hidden=\"true\">×567</span><span class=\"visually-hidden\">up 56,600.0%</span></span>"
        );
        let cell = Cell::delta(big);
        assert_eq!((cell.text.as_str(), cell.class), ("×567", "bad up"));
        assert_eq!(cell.note.as_deref(), Some("up 56,600.0%"));
        let table = table_html(
            "big",
            &["Metric".to_string(), "YoY".to_string()],
            &[vec![Cell::plain("cases"), cell]],
        );
        assert!(
            table.contains("<td class=\"bad up\" title=\"up 56,600.0%\"><span aria-hidden=\"true\">×567</span><span class=\"visually-hidden\">up 56,600.0%</span></td>"),
            "{table}"
        );
        // +1,000.0% is 11 times; +999.0% still reads as a percentage, as
        // does a fall (never below −100%) and a change in points.
        assert_eq!(fitting_delta_text("▲ +1,000.0%"), "▲ ×11");
        assert_eq!(fitting_delta_text("▲ +999.0%"), "▲ +999.0%");
        assert_eq!(fitting_delta_text("▼ −99.9%"), "▼ −99.9%");
        assert_eq!(fitting_delta_text("▲ +1,494 bps"), "▲ +1,494 bps");
        assert_eq!(fitting_delta_text("▲ +1,234,500.0%"), "▲ ×12,346");
    }
}
