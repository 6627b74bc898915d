//! Organiser's tools on a database, beside a running collector: `verify-tally` recounts every
//! stored ballot and compares the result with the tally the collector keeps, and `backup` makes a
//! consistent copy of the database while it is in use.

use std::path::Path;

use crate::admin_token::AdminToken;
use crate::routes::meeting::recount;
use crate::state::AppState;
use crate::store::Database;

/// What `verify-tally` found.
#[derive(Debug)]
pub struct TallyCheck {
    pub survey_id: String,
    pub ballots: u64,
    pub equal: bool,
}

impl std::fmt::Display for TallyCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.equal {
            writeln!(
                f,
                "一致：保存的统计与重新计票结果相同（{} 张选票）。 equal: the kept tally matches a recount of {} ballots ({}).",
                self.ballots, self.ballots, self.survey_id
            )
        } else {
            writeln!(
                f,
                "不一致：保存的统计与重新计票结果不同，请以重新计票为准并报告此问题。 unequal: the kept tally differs from a recount of the stored ballots ({}); trust the recount and report this.",
                self.survey_id
            )
        }
    }
}

/// Recount every stored ballot of `survey_id` (latest version, with paper totals) and compare it
/// with the tally kept incrementally. `db` is a `--db` value: a SQLite file or a PostgreSQL URL.
/// Reads only; safe beside running collectors (SQLite WAL; PostgreSQL reads committed data).
pub fn verify_tally(db: &Path, survey_id: &str) -> Result<TallyCheck, String> {
    let location = Database::parse(db);
    let store = location
        .open()
        .map_err(|e| format!("cannot open database {location}: {e}"))?;
    let state = AppState::new(
        store,
        AdminToken::new(uuid::Uuid::new_v4().to_string()),
        crate::limits::DEFAULT_MAX_BODY_BYTES,
    );
    let (kept, counted) = recount(&state, survey_id)
        .map_err(|e| format!("{}: {}", e.body.error.code, e.body.error.message))?;
    Ok(TallyCheck {
        survey_id: survey_id.to_string(),
        ballots: counted.participation.ballots,
        equal: kept == counted,
    })
}

/// Copy the database at `db` to `out` with SQLite's online backup: a consistent snapshot of one
/// moment even while a collector writes (pages changed during the copy are copied again). `out`
/// must not exist yet. The copy is a complete database (every ballot, code check, meeting state,
/// frozen tally and tally state) that `serve --db out` opens as it is.
pub fn backup(db: &Path, out: &Path) -> Result<(), String> {
    if let Database::Postgres(_) = Database::parse(db) {
        return Err(format!(
            "backup copies a SQLite file; {} is PostgreSQL: use pg_dump (see docs/deploy.md)",
            Database::parse(db)
        ));
    }
    if out.exists() {
        return Err(format!(
            "{} already exists; choose a new file so that no copy is overwritten",
            out.display()
        ));
    }
    if !db.exists() {
        return Err(format!("no database at {}", db.display()));
    }
    let src = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open database {}: {e}", db.display()))?;
    src.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let mut dst = rusqlite::Connection::open(out)
        .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut copy = || -> Result<(), rusqlite::Error> {
        let b = rusqlite::backup::Backup::new(&src, &mut dst)?;
        // Every page in one step, from one read snapshot: in WAL mode the writer goes on
        // meanwhile. Copying a few pages a step would restart whenever the collector writes,
        // and never finish while ballots keep arriving.
        loop {
            match b.step(-1)? {
                rusqlite::backup::StepResult::Done => return Ok(()),
                _ => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
    };
    if let Err(e) = copy() {
        drop(dst);
        let _ = std::fs::remove_file(out);
        return Err(format!(
            "backup failed, nothing kept at {}: {e}",
            out.display()
        ));
    }
    Ok(())
}
