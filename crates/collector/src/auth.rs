//! Who may call a route: the admin token check for organiser routes.
//!
//! The token itself (loading, comparing) is [`crate::admin_token`]; it is re-exported here.

pub use crate::admin_token::{
    constant_time_eq, random_token, token_path, AdminToken, TokenSource, ADMIN_TOKEN_ENV,
};
