//! The console's views: the page with its source picker and the organiser pages ([`app`]), the
//! results view of a `TallyReport` ([`results`]), the SVG bar chart ([`chart`]), the meeting
//! pages behind the sign-in bar ([`meeting`]) and the full-screen projector page ([`projector`]).

pub mod app;
pub mod chart;
pub mod meeting;
pub mod projector;
pub mod results;
