//! What `examples/postgres/postgres.rs` does, written on bb8 over
//! tokio-postgres as bb8's documentation shows, for the line count in
//! BENCHMARKS.md (`python3 benches/lines.py`): the same typed calls,
//! statement cache, query timeout with a cancel, errors that say whether a
//! statement may have run, a request made while the server is down waiting
//! for it (up to a wait) while a wrong password fails at once with the
//! server's message, sessions renewed after half an hour (bb8's
//! `max_lifetime`), a connection whose query timed out dropped, and a
//! transaction. bb8-postgres' manager hands out a bare `Client`, with no
//! place for a statement cache or a mark that a connection stopped
//! answering, so this has a manager of its own; bb8's `get` waits out its
//! timeout on a refused connect and hands the error to an error sink, so a
//! wrong password is read from there; a hung backend would hang the ping
//! of a checkout past `get`'s timeout and be handed out again, so the ping
//! has a shorter timeout of its own. What stays different: a dead or hung
//! backend is found when it is checked out (a query per checkout, where the
//! example pings a link idle for 15 s).
//!
//! `cargo run --example bb8_postgres_client -- "host=.. user=.. password=.."`

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bb8::{ErrorSink, ManageConnection, Pool, PooledConnection, RunError};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, Error, NoTls, Row, Statement};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
}

const USER_BY_ID: &str = "SELECT id, name, email FROM users WHERE id = $1";
const INSERT_USER: &str = "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id";
/// How long a request waits for a connection.
const WAIT: Duration = Duration::from_secs(5);

/// A connection: its client, the statements prepared on it, and whether a
/// query on it went unanswered (then it is not handed out again).
pub struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    broken: bool,
}

impl Conn {
    async fn prepared(&mut self, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).await?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// Connects to the server the config names; a connection checked out is
/// pinged first, for at most the duration.
pub struct Manager(Config, Duration);

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = Error;

    async fn connect(&self) -> Result<Conn, Error> {
        let (client, driver) = self.0.connect(NoTls).await?;
        tokio::spawn(driver);
        Ok(Conn {
            client,
            statements: HashMap::new(),
            broken: false,
        })
    }

    async fn is_valid(&self, conn: &mut Conn) -> Result<(), Error> {
        match tokio::time::timeout(self.1, conn.client.simple_query("")).await {
            Ok(answer) => answer.map(|_| ()),
            // No answer: marked, and dropped rather than handed out.
            Err(_elapsed) => {
                conn.broken = true;
                Ok(())
            }
        }
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

/// The last error of a connect, kept for the request waiting for it.
#[derive(Clone, Debug, Default)]
struct LastError(Arc<Mutex<Option<Error>>>);

impl ErrorSink<Error> for LastError {
    fn sink(&self, error: Error) {
        *self.0.lock().unwrap() = Some(error);
    }

    fn boxed_clone(&self) -> Box<dyn ErrorSink<Error>> {
        Box::new(self.clone())
    }
}

#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    errors: LastError,
    query_timeout: Duration,
}

impl Db {
    pub fn new(config: Config, size: u32, query_timeout: Duration) -> Self {
        let errors = LastError::default();
        let pool = Pool::builder()
            .max_size(size)
            // Short, so that a refused connect's error is read soon; the
            // ping of a checkout is shorter still.
            .connection_timeout(Duration::from_millis(100))
            .max_lifetime(Some(Duration::from_secs(30 * 60)))
            .error_sink(Box::new(errors.clone()))
            .build_unchecked(Manager(config, Duration::from_millis(50)));
        Db {
            pool,
            errors,
            query_timeout,
        }
    }

    /// A connection; while the server is down, waited for until the wait is
    /// over. A wrong password fails at once.
    async fn client(&self) -> Result<PooledConnection<'_, Manager>, DbError> {
        let deadline = Instant::now() + WAIT;
        loop {
            let error = match self.pool.get().await {
                Ok(conn) if conn.broken => None,
                Ok(conn) => return Ok(conn),
                Err(RunError::User(error)) => Some(error),
                Err(RunError::TimedOut) => self.errors.0.lock().unwrap().take(),
            };
            let over = Instant::now() >= deadline;
            match error {
                Some(error) if over || is_fatal(&error) => {
                    return Err(DbError::Pool(explained(&error)));
                }
                None if over => return Err(DbError::Pool("timed out".to_owned())),
                _ => {}
            }
        }
    }

    /// Runs `query` on a connection of the pool for at most the query
    /// timeout; past it, asks the server to cancel the query and marks the
    /// connection broken rather than return it: it may have stopped
    /// answering.
    async fn run<T>(
        &self,
        query: impl AsyncFnOnce(&mut Conn) -> Result<T, Error>,
    ) -> Result<T, DbError> {
        let mut conn = self.client().await?;
        match tokio::time::timeout(self.query_timeout, query(&mut conn)).await {
            Ok(result) => result.map_err(DbError::from),
            Err(_elapsed) => {
                let cancel = conn.client.cancel_token();
                tokio::spawn(async move {
                    let _ = cancel.cancel_query(NoTls).await;
                });
                conn.broken = true;
                Err(DbError::Timeout(self.query_timeout))
            }
        }
    }

    pub async fn user(&self, id: i32) -> Result<Option<User>, DbError> {
        let row = self
            .run(async |conn| {
                let statement = conn.prepared(USER_BY_ID).await?;
                conn.client.query_opt(&statement, &[&id]).await
            })
            .await?;
        Ok(row.map(|row| User {
            id: row.get(0),
            name: row.get(1),
            email: row.get(2),
        }))
    }

    pub async fn insert_user(&self, name: String, email: Option<String>) -> Result<i32, DbError> {
        let row = self
            .run(async |conn| {
                let statement = conn.prepared(INSERT_USER).await?;
                conn.client.query_one(&statement, &[&name, &email]).await
            })
            .await?;
        Ok(row.get(0))
    }

    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        self.run(async |conn| {
            let statement = conn.prepared(sql).await?;
            conn.client.query(&statement, params).await
        })
        .await
    }

    pub async fn execute(&self, sql: &str) -> Result<(), DbError> {
        self.run(async |conn| conn.client.batch_execute(sql).await)
            .await
    }

    /// A transaction: `BEGIN` .. `COMMIT` on one checked-out connection,
    /// rolled back when `body` fails or the transaction is dropped.
    pub async fn in_transaction<T>(
        &self,
        body: impl AsyncFnOnce(&tokio_postgres::Transaction<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut conn = self.client().await?;
        let transaction = conn.client.transaction().await?;
        let value = body(&transaction).await?;
        transaction.commit().await?;
        Ok(value)
    }
}

fn explained(error: &Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => error.to_string(),
    }
}

fn is_fatal(error: &Error) -> bool {
    error.code().is_some_and(|code| {
        *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            || *code == SqlState::INVALID_CATALOG_NAME
    })
}

#[derive(Debug)]
pub enum DbError {
    Db(Error),
    Lost(Error),
    Timeout(Duration),
    /// No connection from the pool (none free in time, or none could be
    /// made): not sent.
    Pool(String),
}

impl DbError {
    pub fn may_have_run(&self) -> bool {
        match self {
            DbError::Db(_) | DbError::Pool(_) => false,
            DbError::Lost(_) | DbError::Timeout(_) => true,
        }
    }
}

impl From<Error> for DbError {
    fn from(error: Error) -> Self {
        match error.as_db_error() {
            Some(db) if !matches!(db.severity(), "FATAL" | "PANIC") => DbError::Db(error),
            _ => DbError::Lost(error),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Db(error) => f.write_str(&explained(error)),
            DbError::Lost(error) => write!(
                f,
                "link lost, the statement may have run: {}",
                explained(error)
            ),
            DbError::Timeout(after) => {
                write!(f, "no answer within {after:?}, the statement may have run")
            }
            DbError::Pool(error) => write!(f, "no connection: {error}"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Db(error) | DbError::Lost(error) => Some(error),
            DbError::Timeout(_) | DbError::Pool(_) => None,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "host=127.0.0.1 user=postgres dbname=postgres".to_owned());
    let db = Db::new(url.parse()?, 4, Duration::from_secs(5));
    db.execute(
        "CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY, name text NOT NULL, email text)",
    )
    .await?;
    let id = db.insert_user("ada".into(), None).await?;
    println!("{:?}", db.user(id).await?);
    let grace = db
        .in_transaction(async |tx| {
            let row = tx
                .query_one(INSERT_USER, &[&"grace", &None::<String>])
                .await?;
            Ok(row.get::<_, i32>(0))
        })
        .await?;
    println!("committed {grace}");
    println!(
        "{}",
        db.query("SELECT count(*) FROM users", &[]).await?.len()
    );
    Ok(())
}
