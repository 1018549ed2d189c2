//! Reads a page's chart data (sitrep's compact JSON: the deck's
//! `<script type="application/json" id="sitrep-charts">` and a narrative
//! chart's `data-chart` block) and expands each chart the way the theme's
//! `sitrep.js` does into ECharts-shaped options: `xAxis.data` (weeks, a
//! gap, months), `yAxis` (min, max, interval, splitNumber), and per line a
//! weekly and a monthly `series` (`name`, `data` padded to the axis,
//! `yAxisIndex`, annotation pins as `markPoint.data`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// Every chart of `html`, by element id, as ECharts-shaped options.
pub fn page_charts(html: &str) -> BTreeMap<String, Value> {
    let mut charts = BTreeMap::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script type=\"application/json\"") {
        let tag_end = start + rest[start..].find('>').unwrap() + 1;
        let tag = &rest[start..tag_end];
        let end = tag_end + rest[tag_end..].find("</script>").unwrap();
        let own_id = tag
            .split("data-chart=\"")
            .nth(1)
            .map(|tail| tail[..tail.find('"').unwrap()].to_string());
        if own_id.is_some() || tag.contains("id=\"sitrep-charts\"") {
            let set: Value = serde_json::from_str(&rest[tag_end..end])
                .unwrap_or_else(|error| panic!("chart data does not parse: {error}: {tag}"));
            for chart in set["charts"].as_array().unwrap() {
                let id = chart["id"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| own_id.clone())
                    .expect("a chart without id");
                let labels = &set["x"][chart["x"].as_u64().unwrap_or(0) as usize];
                let previous = charts.insert(id.clone(), expand(chart, labels));
                assert!(previous.is_none(), "chart {id} has two data entries");
            }
        }
        rest = &rest[end..];
    }
    charts
}

/// One chart's options, as `sitrep.js` builds them (less the styling).
pub fn expand(chart: &Value, labels: &Value) -> Value {
    let strings = |value: &Value| -> Vec<Value> { value.as_array().unwrap().clone() };
    let weeks = strings(&labels["weeks"]);
    let months = strings(&labels["months"]);
    let slots = weeks.len() + 1 + months.len();
    let mut x = weeks.clone();
    x.push(json!(""));
    x.extend(months);
    let axes = chart["y"].as_array().unwrap();
    let y: Vec<Value> = axes
        .iter()
        .map(|scale| {
            let (min, interval, splits) = (
                scale[0].as_f64().unwrap(),
                scale[1].as_f64().unwrap(),
                scale[2].as_u64().unwrap(),
            );
            json!({ "min": min, "max": min + splits as f64 * interval, "interval": interval, "splitNumber": splits })
        })
        .collect();
    let mut series = Vec::new();
    for line in chart["series"].as_array().unwrap() {
        for (monthly, key) in [(false, "w"), (true, "m")] {
            let offset = if monthly { weeks.len() + 1 } else { 0 };
            let mut data = vec![Value::Null; slots];
            for (at, value) in line[key].as_array().unwrap().iter().enumerate() {
                data[offset + at] = value.clone();
            }
            series.push(json!({
                "name": line["name"],
                "role": line.get("role").cloned().unwrap_or(json!("value")),
                "data": data,
                "yAxisIndex": usize::from(monthly && axes.len() > 1),
            }));
        }
    }
    for pin in chart["pins"].as_array().into_iter().flatten() {
        let x = pin[1].as_u64().unwrap() as usize;
        let line = 2 * pin[0].as_u64().unwrap() as usize + usize::from(x > weeks.len());
        let y = series[line]["data"][x].clone();
        let marks = &mut series[line]["markPoint"]["data"];
        if marks.is_null() {
            *marks = json!([]);
        }
        marks
            .as_array_mut()
            .unwrap()
            .push(json!({ "name": pin[3], "value": pin[2], "coord": [x, y] }));
    }
    json!({
        "xAxis": { "data": x },
        "yAxis": y,
        "series": series,
        "unit": chart.get("unit").cloned().unwrap_or(json!("")),
        "prefix": chart.get("prefix").cloned().unwrap_or(json!("")),
    })
}
