//! The AI modules whose tasks spend credits: Planner (keyword clustering) and Writer
//! (outlines and articles).

pub mod api;
pub mod model;
pub mod pages;
pub mod planner;

#[cfg(feature = "ssr")]
pub mod ai;
#[cfg(feature = "ssr")]
pub mod tasks;
