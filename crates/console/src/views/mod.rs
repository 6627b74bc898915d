//! The console's views: the page with its source picker and the organiser pages ([`app`]), the
//! results view of a `TallyReport` ([`results`]), the SVG bar chart ([`chart`]), the meeting
//! pages behind the sign-in bar ([`meeting`]), the full-screen projector page ([`projector`]) and,
//! with the `files` feature, the officials' file tools and their page (`files`).

pub mod app;
pub mod chart;
#[cfg(feature = "files")]
pub mod files;
pub mod meeting;
pub mod projector;
pub mod results;
