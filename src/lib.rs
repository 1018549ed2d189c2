//! sitrep: a static site generator for weekly business reviews.

pub mod calendar;
pub mod error;
pub mod load;
pub mod yaml;
