//! A private PostgreSQL cluster for the collector's tests: Debian's `postgresql` package
//! (installed by `cargo xtask setup`), a throw-away data directory in the temporary folder,
//! loopback only on port [`PORT`], trust authentication, `fsync=off` (test data only).
//!
//! `initdb` refuses to run as root, so as root the cluster runs as the `postgres` user that the
//! Debian package creates, in a directory that user owns. The tests find the cluster through
//! `PINGYI_TEST_POSTGRES` ([`URL`]); under `CI=true` a test that needs it fails without it.

use crate::shell::{self, run};
use std::path::PathBuf;
use std::process::Command;

/// The cluster's port on 127.0.0.1.
pub const PORT: u16 = 55433;

/// The administrator's URL the tests get in `PINGYI_TEST_POSTGRES`.
pub const URL: &str = "postgres://postgres@127.0.0.1:55433/postgres";

/// The environment variable the collector's tests read.
pub const TEST_ENV: &str = "PINGYI_TEST_POSTGRES";

/// The newest `/usr/lib/postgresql/<major>/bin` holding `initdb` and `pg_ctl`.
pub fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major: u32 = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A running cluster, stopped and removed when dropped.
pub struct Cluster {
    bin: PathBuf,
    base: PathBuf,
    as_postgres: bool,
}

impl Cluster {
    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.current_dir(&self.base);
        command
    }

    fn data(&self) -> PathBuf {
        self.base.join("data")
    }

    /// Initialise and start a fresh cluster for tests (`fsync=off`).
    pub fn start() -> Result<Cluster, String> {
        Cluster::start_with(false)
    }

    /// The same, but durable as a real server (`fsync`, `synchronous_commit` and
    /// `full_page_writes` left on), for the ingest benchmark: a commit waits for the disk, as
    /// SQLite's does with `synchronous=FULL`.
    pub fn start_durable() -> Result<Cluster, String> {
        Cluster::start_with(true)
    }

    fn start_with(durable: bool) -> Result<Cluster, String> {
        let bin = bin_dir().ok_or(
            "PostgreSQL is not installed (/usr/lib/postgresql/*/bin): run `cargo xtask setup`",
        )?;
        let base = std::env::temp_dir().join(format!("pingyi-pg-{PORT}"));
        let cluster = Cluster {
            bin,
            base,
            as_postgres: shell::is_root(),
        };
        if cluster.data().join("postmaster.pid").exists() {
            // Left over by an interrupted run.
            let _ = cluster
                .command("pg_ctl")
                .arg("-D")
                .arg(cluster.data())
                .args(["-m", "immediate", "stop"])
                .status();
        }
        let _ = std::fs::remove_dir_all(&cluster.base);
        std::fs::create_dir_all(&cluster.base)
            .map_err(|e| format!("cannot make {}: {e}", cluster.base.display()))?;
        if cluster.as_postgres {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(&cluster.base))?;
        }
        run(cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .stdout(std::process::Stdio::null()))?;
        let unsafe_but_fast = if durable {
            ""
        } else {
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        };
        let options = format!(
            "-p {PORT} -h 127.0.0.1 -k {} {unsafe_but_fast}-c max_connections=200",
            cluster.base.display()
        );
        run(cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(cluster.data())
            .arg("-l")
            .arg(cluster.base.join("log"))
            .args(["-o", &options, "-w", "start"]))?;
        println!("PostgreSQL test cluster on {URL}");
        Ok(cluster)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// `cargo xtask with-postgres COMMAND…`: run one command with a private cluster and
/// `PINGYI_TEST_POSTGRES` set, e.g. `cargo xtask with-postgres cargo test -p pingyi-collector
/// --test instances`; the cluster is stopped and removed afterwards.
pub fn with_postgres(args: &[String]) -> Result<(), String> {
    let (program, rest) = args.split_first().ok_or(
        "with-postgres needs a command, e.g. `cargo xtask with-postgres cargo test -p pingyi-collector --test instances`",
    )?;
    let _cluster = Cluster::start()?;
    run(shell::command(program).args(rest).env(TEST_ENV, URL))
}
