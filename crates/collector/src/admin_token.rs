//! The admin token: where it comes from (environment or a private file next to the database)
//! and how secrets are compared.
//!
//! The admin token comes from `PINGYI_ADMIN_TOKEN`, or else from `<db>.admin-token` next to the
//! database, which is created on first start from OS randomness (mode 0600) and printed once.
//! Secrets are compared in constant time: both sides are hashed with SHA-256 and the digests are
//! compared without early exit, so neither content nor length leaks through timing.

use std::io::Write;
use std::path::{Path, PathBuf};

use pingyi_core::ballot::sha256_hex;
use pingyi_core::protocol::BEARER_PREFIX;

/// Environment variable that sets the admin token.
pub const ADMIN_TOKEN_ENV: &str = "PINGYI_ADMIN_TOKEN";

/// Fewest characters of an admin token given by the organiser (the generated one has 64).
pub const MIN_ADMIN_TOKEN_LEN: usize = 32;

/// How to make a good token, for the messages that refuse a weak one.
pub const HOW_TO_MAKE_A_TOKEN: &str = "make one with `openssl rand -hex 32` (or \
`python3 -c 'import secrets; print(secrets.token_hex(32))'`), or leave it unset to let the \
collector create and save one";

/// The organiser's secret for admin routes.
#[derive(Clone)]
pub struct AdminToken(String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

/// Where the admin token came from, for the start-up message.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    /// Read from an existing file.
    File(PathBuf),
    /// Generated now and saved to this file.
    Generated(PathBuf),
}

impl AdminToken {
    /// Use this exact token (tests, embedding).
    pub fn new(token: impl Into<String>) -> Self {
        AdminToken(token.into())
    }

    /// A token given by the organiser (`--admin-token`, the environment, the token file), refused
    /// when shorter than [`MIN_ADMIN_TOKEN_LEN`] characters. `source` names where it came from.
    pub fn checked(token: &str, source: &str) -> Result<Self, String> {
        let token = token.trim();
        let n = token.chars().count();
        if n < MIN_ADMIN_TOKEN_LEN {
            return Err(format!(
                "the admin token from {source} has {n} characters; at least \
                 {MIN_ADMIN_TOKEN_LEN} are needed: {HOW_TO_MAKE_A_TOKEN}"
            ));
        }
        Ok(AdminToken(token.to_string()))
    }

    /// The token text, to print once for the organiser.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Load the token from the environment or the file next to the database, creating the file
    /// with a fresh random token if neither exists.
    pub fn load_or_create(db_path: &Path) -> std::io::Result<(AdminToken, TokenSource)> {
        if let Ok(t) = std::env::var(ADMIN_TOKEN_ENV) {
            if !t.trim().is_empty() {
                let token = AdminToken::checked(&t, ADMIN_TOKEN_ENV)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                return Ok((token, TokenSource::Env));
            }
        }
        let path = token_path(db_path);
        match std::fs::read_to_string(&path) {
            Ok(s) if !s.trim().is_empty() => {
                let token = AdminToken::checked(&s, &path.display().to_string())
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                return Ok((token, TokenSource::File(path)));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let token = random_token()?;
        write_private(&path, &token)?;
        Ok((AdminToken(token), TokenSource::Generated(path)))
    }

    /// Whether an `Authorization` header value carries this token as `Bearer <token>`.
    pub fn matches_header(&self, header: Option<&str>) -> bool {
        let Some(value) = header else { return false };
        let Some(given) = strip_bearer(value) else {
            return false;
        };
        constant_time_eq(given.trim(), &self.0)
    }
}

fn strip_bearer(value: &str) -> Option<&str> {
    let prefix = BEARER_PREFIX;
    match (value.get(..prefix.len()), value.get(prefix.len()..)) {
        (Some(head), Some(rest)) if head.eq_ignore_ascii_case(prefix) => Some(rest),
        _ => None,
    }
}

/// `<db>.admin-token`.
pub fn token_path(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".admin-token");
    PathBuf::from(s)
}

/// 32 bytes from the OS, as 64 lowercase hex characters.
pub fn random_token() -> std::io::Result<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)
        .map_err(|e| std::io::Error::other(format!("OS randomness failed: {e}")))?;
    Ok(pingyi_core::ballot::hex(&buf))
}

fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(token.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// Compare two secrets without an early exit on the first differing byte or on length.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (ha, hb) = (sha256_hex(a), sha256_hex(b));
    let diff = ha
        .bytes()
        .zip(hb.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_is_checked() {
        let t = AdminToken::new("s3cret-token");
        assert!(t.matches_header(Some("Bearer s3cret-token")));
        assert!(t.matches_header(Some("bearer s3cret-token")));
        assert!(!t.matches_header(Some("Bearer s3cret-tokeN")));
        assert!(!t.matches_header(Some("s3cret-token")));
        assert!(!t.matches_header(Some("Bearer ")));
        assert!(!t.matches_header(None));
    }

    #[test]
    fn short_tokens_are_refused_with_a_way_to_make_one() {
        let e = AdminToken::checked("secret", "--admin-token").unwrap_err();
        assert!(e.contains("--admin-token has 6 characters"), "{e}");
        assert!(e.contains("at least 32"), "{e}");
        assert!(e.contains("openssl rand -hex 32"), "{e}");
        assert!(AdminToken::checked(&"x".repeat(31), "env").is_err());
        let ok = AdminToken::checked(&format!(" {} ", "x".repeat(32)), "env").unwrap();
        assert_eq!(ok.reveal(), "x".repeat(32));
    }

    #[test]
    fn a_short_token_in_the_file_is_refused() {
        if std::env::var(ADMIN_TOKEN_ENV).is_ok() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.sqlite");
        std::fs::write(token_path(&db), "letmein\n").unwrap();
        let e = AdminToken::load_or_create(&db).unwrap_err().to_string();
        assert!(e.contains("7 characters"), "{e}");
    }

    #[test]
    fn generated_token_is_saved_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.sqlite");
        // The env var must not leak in from the outside for this test to mean anything.
        if std::env::var(ADMIN_TOKEN_ENV).is_ok() {
            return;
        }
        let (t1, src1) = AdminToken::load_or_create(&db).unwrap();
        assert_eq!(src1, TokenSource::Generated(token_path(&db)));
        assert_eq!(t1.reveal().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(token_path(&db))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (t2, src2) = AdminToken::load_or_create(&db).unwrap();
        assert_eq!(src2, TokenSource::File(token_path(&db)));
        assert_eq!(t1.reveal(), t2.reveal());
        assert_ne!(random_token().unwrap(), random_token().unwrap());
    }
}
