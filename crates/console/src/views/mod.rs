//! The console's views: the page with its source picker ([`app`]), the results view of a
//! `TallyReport` ([`results`]) and the SVG bar chart ([`chart`]).

pub mod app;
pub mod chart;
pub mod results;
