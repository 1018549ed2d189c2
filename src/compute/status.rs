//! Green / amber / red / grey, for metrics against targets, initiatives and
//! programs.

use serde::{Deserialize, Serialize};

use crate::load::program::{Better, InitiativeStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Green,
    /// Data (or the target) is missing for the review week.
    Grey,
    Amber,
    Red,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Grey => "grey",
            Status::Amber => "amber",
            Status::Red => "red",
        }
    }
}

/// A metric's status for the review week. `None` when the metric is not
/// rated (no target, or no better direction).
///
/// Amber is "within `tolerance` of the target", the tolerance a fraction of
/// the target's size: with a 95% target and the default 5%, amber runs from
/// 90.25% up to 95%.
pub fn metric_status(
    value: Option<f64>,
    target: Option<f64>,
    has_target: bool,
    better: Better,
    tolerance: f64,
) -> Option<Status> {
    if !has_target || better == Better::None {
        return None;
    }
    let (Some(value), Some(target)) = (value, target) else {
        return Some(Status::Grey);
    };
    let band = tolerance * target.abs();
    let (meets, within_band) = match better {
        Better::Up => (value >= target, value >= target - band),
        Better::Down => (value <= target, value <= target + band),
        Better::None => unreachable!("returned above"),
    };
    Some(if meets {
        Status::Green
    } else if within_band {
        Status::Amber
    } else {
        Status::Red
    })
}

pub fn initiative_status(status: InitiativeStatus) -> Status {
    match status {
        InitiativeStatus::OnTrack | InitiativeStatus::Done => Status::Green,
        InitiativeStatus::AtRisk => Status::Amber,
        InitiativeStatus::OffTrack => Status::Red,
    }
}

/// The worst of several statuses (red, then amber, then grey, then green);
/// `None` when nothing is rated.
pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
    statuses.into_iter().max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_is_better() {
        // Target 95%, tolerance 5% of 0.95 = 0.0475: amber from 0.9025.
        let status = |value| metric_status(Some(value), Some(0.95), true, Better::Up, 0.05);
        assert_eq!(status(0.96), Some(Status::Green));
        assert_eq!(status(0.95), Some(Status::Green));
        assert_eq!(status(0.9100), Some(Status::Amber));
        assert_eq!(status(0.9025), Some(Status::Amber));
        assert_eq!(status(0.9000), Some(Status::Red));
    }

    #[test]
    fn lower_is_better() {
        // Backlog target 200, tolerance 5% = 10: amber up to 210.
        let status = |value| metric_status(Some(value), Some(200.0), true, Better::Down, 0.05);
        assert_eq!(status(150.0), Some(Status::Green));
        assert_eq!(status(200.0), Some(Status::Green));
        assert_eq!(status(210.0), Some(Status::Amber));
        assert_eq!(status(210.5), Some(Status::Red));
        // A zero target leaves no amber band.
        assert_eq!(
            metric_status(Some(0.0), Some(0.0), true, Better::Down, 0.05),
            Some(Status::Green)
        );
        assert_eq!(
            metric_status(Some(1.0), Some(0.0), true, Better::Down, 0.05),
            Some(Status::Red)
        );
    }

    #[test]
    fn missing_data_is_grey_and_unrated_is_none() {
        assert_eq!(
            metric_status(None, Some(0.95), true, Better::Up, 0.05),
            Some(Status::Grey)
        );
        // A target column with no value for the week is grey as well.
        assert_eq!(
            metric_status(Some(0.9), None, true, Better::Up, 0.05),
            Some(Status::Grey)
        );
        assert_eq!(
            metric_status(Some(0.9), None, false, Better::Up, 0.05),
            None
        );
        assert_eq!(
            metric_status(Some(0.9), Some(0.95), true, Better::None, 0.05),
            None
        );
    }

    #[test]
    fn worst_wins() {
        assert_eq!(
            worst([Status::Green, Status::Amber, Status::Grey]),
            Some(Status::Amber)
        );
        assert_eq!(worst([Status::Green, Status::Grey]), Some(Status::Grey));
        assert_eq!(
            worst([Status::Red, initiative_status(InitiativeStatus::AtRisk)]),
            Some(Status::Red)
        );
        assert_eq!(
            worst([initiative_status(InitiativeStatus::Done)]),
            Some(Status::Green)
        );
        assert_eq!(worst([]), None);
    }
}
