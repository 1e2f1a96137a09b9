//! What `examples/postgres/postgres.rs` does, written on deadpool-postgres
//! as its documentation shows, for the line count in BENCHMARKS.md
//! (`python3 benches/lines.py`): the same typed calls, statement cache,
//! query timeout with a cancel, errors that say whether a statement may
//! have run, a request made while the server is down waiting for it (up to
//! a wait) while a wrong password fails at once with the server's message,
//! sessions renewed after half an hour (deadpool's `retain` recipe), a
//! connection whose query timed out dropped, and a transaction left open
//! rolled back. What stays different: a dead or hung
//! backend is found when it is checked out (a verification query per
//! checkout, where the example pings a link idle for 15 s), and each
//! waiting request tries a connect of its own.
//!
//! `cargo run --example deadpool_postgres_client -- "host=.. user=.. password=.."`

use std::fmt;
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, Error, NoTls, Row};

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

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    query_timeout: Duration,
}

impl Db {
    pub fn new(config: Config, size: usize, query_timeout: Duration) -> Result<Self, DbError> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A dead idle connection is found when checked out: a
                // query per checkout, bounded by the recycle timeout.
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size)
            .wait_timeout(Some(WAIT))
            .recycle_timeout(Some(query_timeout))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|error| DbError::Pool(error.to_string()))?;
        // Sessions renewed after about half an hour.
        let weak = pool.weak();
        tokio::spawn(async move {
            while let Some(pool) = weak.upgrade() {
                pool.retain(|_, metrics| metrics.age() < Duration::from_secs(30 * 60));
                drop(pool);
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
        Ok(Db {
            pool,
            query_timeout,
        })
    }

    /// A connection; while the server is down, tried again with a growing
    /// delay until the wait is over. A wrong password fails at once.
    async fn client(&self) -> Result<Object, DbError> {
        let deadline = Instant::now() + WAIT;
        let mut delay = Duration::from_millis(10);
        loop {
            match self.pool.get().await {
                Ok(client) => return Ok(client),
                Err(PoolError::Backend(error))
                    if is_fatal(&error) || Instant::now() >= deadline =>
                {
                    return Err(DbError::Pool(explained(&error)));
                }
                Err(PoolError::Backend(_)) => {
                    tokio::time::sleep(
                        delay.min(deadline.saturating_duration_since(Instant::now())),
                    )
                    .await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
                Err(error) => return Err(DbError::Pool(error.to_string())),
            }
        }
    }

    /// Runs `query` on a connection of the pool for at most the query
    /// timeout; past it, asks the server to cancel the query and drops the
    /// connection rather than return it: it may have stopped answering.
    async fn run<T>(
        &self,
        query: impl AsyncFnOnce(&Object) -> Result<T, Error>,
    ) -> Result<T, DbError> {
        let client = self.client().await?;
        match tokio::time::timeout(self.query_timeout, query(&client)).await {
            Ok(result) => result.map_err(DbError::from),
            Err(_elapsed) => {
                let cancel = client.cancel_token();
                tokio::spawn(async move {
                    let _ = cancel.cancel_query(NoTls).await;
                });
                drop(Object::take(client));
                Err(DbError::Timeout(self.query_timeout))
            }
        }
    }

    pub async fn user(&self, id: i32) -> Result<Option<User>, DbError> {
        let row = self
            .run(async |client| {
                let statement = client.prepare_cached(USER_BY_ID).await?;
                client.query_opt(&statement, &[&id]).await
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
            .run(async |client| {
                let statement = client.prepare_cached(INSERT_USER).await?;
                client.query_one(&statement, &[&name, &email]).await
            })
            .await?;
        Ok(row.get(0))
    }

    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        self.run(async |client| {
            let statement = client.prepare_cached(sql).await?;
            client.query(&statement, params).await
        })
        .await
    }

    pub async fn execute(&self, sql: &str) -> Result<(), DbError> {
        self.run(async |client| client.batch_execute(sql).await)
            .await
    }

    /// A transaction: `BEGIN` .. `COMMIT` on one checked-out connection,
    /// rolled back when `body` fails or the transaction is dropped.
    pub async fn in_transaction<T>(
        &self,
        body: impl AsyncFnOnce(&deadpool_postgres::Transaction<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
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
    let db = Db::new(url.parse()?, 4, Duration::from_secs(5))?;
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
