//! Breakdowns: a deck block that splits one metric `by` a dimension. At
//! load time each metric the breakdown reads (the metric itself, or a
//! derived metric's operands) is checked to have the dimension, and the
//! long-file series of each dimension value are cut; the values of a
//! version are worked out in `compute::breakdown`.

use std::collections::BTreeSet;

use super::data::{DailySeries, DataSet};
use super::program::{Aggregate, MetricSource};
use super::Metric;

/// One metric split by one dimension.
#[derive(Debug, Clone)]
pub struct Breakdown {
    /// The metric split, by index.
    pub metric: usize,
    /// The dimension.
    pub by: String,
    /// Every value of `by` in the rows the metric reads, sorted.
    pub values: Vec<String>,
    /// How each metric of the program splits, by index; `None` for the
    /// metrics this breakdown does not read.
    pub cuts: Vec<Option<Cut>>,
}

/// How one metric's numbers are cut by a dimension value.
#[derive(Debug, Clone)]
pub enum Cut {
    /// Combines its operands' cuts for the same value and period: a ratio
    /// per channel is sum(numerator) / sum(denominator) in that channel.
    Derived,
    /// An event metric: the rows whose dimension column has the value
    /// (see `EventMetric::narrowed`).
    Events,
    /// A long-file metric: one series per value (its groups combined with
    /// the metric's aggregate, like a `where`).
    Series {
        aggregate: Aggregate,
        groups: Vec<(String, DailySeries)>,
    },
}

/// The metrics `metric` reads: itself and, for a derived metric, its
/// operands all the way down (definitions are checked to have no cycles).
fn reads(metrics: &[Metric], metric: usize, found: &mut BTreeSet<usize>) {
    if !found.insert(metric) {
        return;
    }
    if let MetricSource::Derived { operands, .. } = &metrics[metric].definition.source {
        for &operand in operands {
            reads(metrics, operand, found);
        }
    }
}

/// The event metrics a breakdown of `metric` reads, for loading the
/// dimension's column of their sources.
pub(crate) fn event_metrics_read(
    definitions: &[super::program::MetricDefinition],
    metric: usize,
) -> Vec<usize> {
    let mut found = BTreeSet::new();
    let mut stack = vec![metric];
    while let Some(index) = stack.pop() {
        if !found.insert(index) {
            continue;
        }
        if let MetricSource::Derived { operands, .. } = &definitions[index].source {
            stack.extend(operands);
        }
    }
    found
        .into_iter()
        .filter(|&index| matches!(definitions[index].source, MetricSource::Events(_)))
        .collect()
}

/// Checks that every metric `metric` reads can be split `by`, and cuts
/// the long-file ones. An error is a message and what to do.
pub fn bind_breakdown(
    metrics: &[Metric],
    metric: usize,
    by: &str,
    data: &DataSet,
) -> Result<Breakdown, (String, String)> {
    let mut read = BTreeSet::new();
    reads(metrics, metric, &mut read);
    let mut cuts = vec![None; metrics.len()];
    let mut values = BTreeSet::new();
    for index in read {
        let definition = &metrics[index].definition;
        let cut = match &definition.source {
            MetricSource::Derived { .. } => Cut::Derived,
            MetricSource::Change { .. } => {
                return Err((
                    format!(
                        "metric `{}` is a growth series, which cannot be split `by` a dimension",
                        definition.id
                    ),
                    "split the metric it is the change of instead".to_string(),
                ))
            }
            MetricSource::Events(query) => {
                // An event metric that did not bind was reported already.
                let Some(events) = &metrics[index].events else {
                    continue;
                };
                let Some(found) = events.values_of(by) else {
                    return Err((
                        format!(
                            "`by: {by}` needs a text column `{by}` of event source `{}`, and metric `{}` reads none",
                            query.source, definition.id
                        ),
                        "split by a column that holds names, such as a channel or a queue".to_string(),
                    ));
                };
                values.extend(found);
                Cut::Events
            }
            MetricSource::Column {
                column,
                filter,
                aggregate,
            } => {
                let Some(found) = data.columns.get(column) else {
                    continue; // reported when binding the metric
                };
                let file = &data.files[found.file].path;
                let mut dimensions: Vec<&str> = Vec::new();
                for part in &found.parts {
                    for (name, _) in &part.dimensions {
                        if !dimensions.contains(&name.as_str()) {
                            dimensions.push(name);
                        }
                    }
                }
                if dimensions.is_empty() {
                    return Err((
                        format!(
                            "`by: {by}` splits the rows of long files and event sources, but metric `{}` reads `{column}`, a column of the wide file {file}, which has no dimensions",
                            definition.id
                        ),
                        "split a metric of a long file (`date,metric,value,<dimension>…`) or of an event source".to_string(),
                    ));
                }
                if !dimensions.contains(&by) {
                    return Err((
                        format!(
                            "`by: {by}`: {file} has no dimension `{by}` (metric `{}` reads `{column}` from it)",
                            definition.id
                        ),
                        format!(
                            "its dimensions are: {}",
                            dimensions
                                .iter()
                                .map(|name| format!("`{name}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                // The values of the groups the metric's own `where` keeps.
                let kept: BTreeSet<&str> = found
                    .parts
                    .iter()
                    .filter(|part| {
                        filter.iter().all(|(key, value)| {
                            part.dimensions
                                .iter()
                                .any(|(name, found)| name == key && found == value)
                        })
                    })
                    .filter_map(|part| {
                        part.dimensions
                            .iter()
                            .find(|(name, _)| name == by)
                            .map(|(_, value)| value.as_str())
                    })
                    .collect();
                let mut groups = Vec::with_capacity(kept.len());
                for value in kept {
                    let mut narrowed = filter.clone();
                    narrowed.push((by.to_string(), value.to_string()));
                    let series = super::column_series(data, column, &narrowed, *aggregate)
                        .map_err(|(message, help)| {
                            (
                                format!("`by: {by}`, metric `{}`: {message}", definition.id),
                                help,
                            )
                        })?;
                    values.insert(value.to_string());
                    groups.push((value.to_string(), series));
                }
                Cut::Series {
                    aggregate: *aggregate,
                    groups,
                }
            }
        };
        cuts[index] = Some(cut);
    }
    Ok(Breakdown {
        metric,
        by: by.to_string(),
        values: values.into_iter().collect(),
        cuts,
    })
}
