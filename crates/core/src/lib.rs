//! Pingyi core: everything about surveys, ballots and counting that can be decided without a
//! screen or a socket. Pure Rust with no I/O, used by the widget, the collector and the CLI alike.

#![forbid(unsafe_code)]

pub mod ballot;
#[cfg(feature = "survey-check")]
pub mod builder;
pub mod codes;
pub mod export;
pub mod i18n;
pub mod idmap;
pub mod kiosk;
pub mod limits;
pub mod merge;
pub mod outbox;
pub mod paper;
pub mod protocol;
pub mod read;
pub mod record;
pub mod rollup;
pub mod sha256;
pub mod small;
pub mod survey;
pub mod tally;
pub mod time;
pub mod validate;
pub mod verify;

pub use ballot::{Answer, Ballot, Channel, NoticeResponse};
pub use idmap::IdMap;
pub use survey::{Question, QuestionBody, Survey, Text};
pub use tally::{tally, Ratio, Tally};
#[cfg(feature = "survey-check")]
pub use validate::{parse_survey, parse_survey_value, validate_survey};
pub use validate::{read_survey_value, validate_ballot, Problem};

#[cfg(feature = "schema")]
pub use schema::{survey_schema, tally_schema};

#[cfg(feature = "schema")]
mod schema;
