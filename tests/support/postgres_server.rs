//! A private PostgreSQL cluster for one test: `initdb` into a temporary
//! directory, a free loopback port, `fsync=off`, started and stopped with
//! `pg_ctl`, password authentication over TCP. Run as the `postgres` system
//! user when the test runs as root (PostgreSQL refuses root), with the
//! directory owned by it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The password of the cluster's `postgres` user.
pub const PASSWORD: &str = "connection-secret";

pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

impl PgServer {
    /// A fresh cluster, started.
    pub fn start() -> PgServer {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let bin = bin_dir();
        let dir = std::env::temp_dir().join(format!(
            "connection-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let password_file = dir.join("password");
        std::fs::write(&password_file, PASSWORD).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let server = PgServer { dir, bin, port };
        server.own_dir();
        server.run(
            "initdb",
            &[
                "-D",
                &server.data(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile",
                password_file.to_str().unwrap(),
                "--no-sync",
            ],
        );
        server.pg_ctl("start");
        server
    }

    /// The connection string of the `postgres` user, with `password`.
    pub fn url_with_password(&self, password: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres password={password} dbname=postgres connect_timeout=2",
            self.port
        )
    }

    /// The connection string of the `postgres` user.
    pub fn url(&self) -> String {
        self.url_with_password(PASSWORD)
    }

    /// Stops the server at once (as a crash would), keeping its data.
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts it again on the same port.
    pub fn start_again(&self) {
        self.pg_ctl("start");
    }

    /// `pg_ctl restart -m immediate`.
    pub fn restart(&self) {
        self.pg_ctl_with("restart", &["-m", "immediate"]);
    }

    /// A session of its own, as the `postgres` user.
    async fn session(&self) -> tokio_postgres::Client {
        let (client, driver) = tokio_postgres::connect(&self.url(), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(driver);
        client
    }

    /// Changes the `postgres` user's password (a rotation): new sessions
    /// must give `password`; this handle's own still give [`PASSWORD`].
    pub async fn set_password(&self, password: &str) {
        self.session()
            .await
            .batch_execute(&format!("ALTER ROLE postgres PASSWORD '{password}'"))
            .await
            .unwrap();
    }

    /// Ends every other client backend (`pg_terminate_backend`); how many.
    pub async fn terminate_backends(&self) -> u64 {
        let rows = self
            .session()
            .await
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .unwrap();
        rows.len() as u64
    }

    /// Creates `users (id, name, email)` with `rows` rows: user `n` is
    /// named `user n`, at `usern@example.com`.
    pub async fn create_users(&self, rows: i32) {
        self.session()
            .await
            .batch_execute(&format!(
                "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text);
                 INSERT INTO users (name, email)
                     SELECT 'user ' || n, 'user' || n || '@example.com' FROM generate_series(1, {rows}) AS n;
                 ANALYZE users;"
            ))
            .await
            .unwrap();
    }

    fn pg_ctl(&self, action: &str) {
        self.pg_ctl_with(action, &[]);
    }

    fn pg_ctl_with(&self, action: &str, extra: &[&str]) {
        let options = format!(
            "-p {} -k {} -c fsync=off -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let data = self.data();
        let log = self.dir.join("log").to_str().unwrap().to_owned();
        let mut args = vec![
            "-D",
            data.as_str(),
            "-o",
            options.as_str(),
            "-l",
            log.as_str(),
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-w", action]);
        self.run("pg_ctl", &args);
    }

    fn data(&self) -> String {
        self.dir.join("data").to_str().unwrap().to_owned()
    }

    /// Runs one of the server's programs, as `postgres` when we are root.
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("{}: {error}", program.display()));
        assert!(
            output.status.success(),
            "{} {args:?} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn own_dir(&self) {
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&self.dir)
                .status()
                .expect("chown");
            assert!(status.success(), "chown of {}", self.dir.display());
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", &data, "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
        } else {
            Command::new(&program)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    // `id -u` rather than libc: one more dependency for one number.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| output.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

/// Debian keeps `initdb` and `pg_ctl` in the package's versioned
/// directory, off the PATH: the newest one there, or `PG_BIN`.
fn bin_dir() -> PathBuf {
    if let Some(bin) = std::env::var_os("PG_BIN") {
        return PathBuf::from(bin);
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .unwrap_or_else(|_| {
            panic!("PostgreSQL must be installed (the Debian package `postgresql`)")
        })
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}
