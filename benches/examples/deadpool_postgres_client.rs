//! What `examples/postgres/postgres.rs` does, written on deadpool-postgres
//! as its documentation shows: for the line count in BENCHMARKS.md (the
//! same typed calls, statement cache, query timeout with a cancel, and
//! errors that say whether a statement may have run). What it cannot do
//! the same way is said where it would be: a request made while the server
//! is down fails at once instead of waiting for the next link, and a dead
//! backend is found by the query that meets it.
//!
//! `cargo run --example deadpool_postgres_client -- "host=.. user=.. password=.."`

use std::fmt;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, NoTls, Row};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
}

const USER_BY_ID: &str = "SELECT id, name, email FROM users WHERE id = $1";
const INSERT_USER: &str = "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id";

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
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size)
            .wait_timeout(Some(Duration::from_secs(5)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|error| DbError::Pool(error.to_string()))?;
        Ok(Db {
            pool,
            query_timeout,
        })
    }

    async fn client(&self) -> Result<Object, DbError> {
        self.pool
            .get()
            .await
            .map_err(|error: PoolError| DbError::Pool(error.to_string()))
    }

    pub async fn user(&self, id: i32) -> Result<Option<User>, DbError> {
        let client = self.client().await?;
        let statement = within(
            self.query_timeout,
            &client,
            client.prepare_cached(USER_BY_ID),
        )
        .await?;
        let row = within(
            self.query_timeout,
            &client,
            client.query_opt(&statement, &[&id]),
        )
        .await?;
        Ok(row.map(|row| User {
            id: row.get(0),
            name: row.get(1),
            email: row.get(2),
        }))
    }

    pub async fn insert_user(&self, name: String, email: Option<String>) -> Result<i32, DbError> {
        let client = self.client().await?;
        let statement = within(
            self.query_timeout,
            &client,
            client.prepare_cached(INSERT_USER),
        )
        .await?;
        let row = within(
            self.query_timeout,
            &client,
            client.query_one(&statement, &[&name, &email]),
        )
        .await?;
        Ok(row.get(0))
    }

    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let client = self.client().await?;
        let statement = within(self.query_timeout, &client, client.prepare_cached(sql)).await?;
        within(
            self.query_timeout,
            &client,
            client.query(&statement, params),
        )
        .await
    }

    pub async fn execute(&self, sql: &str) -> Result<(), DbError> {
        let client = self.client().await?;
        within(self.query_timeout, &client, client.batch_execute(sql)).await
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

async fn within<T>(
    timeout: Duration,
    client: &tokio_postgres::Client,
    query: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, DbError> {
    match tokio::time::timeout(timeout, query).await {
        Ok(result) => result.map_err(DbError::from),
        Err(_elapsed) => {
            let cancel = client.cancel_token();
            tokio::spawn(async move {
                let _ = cancel.cancel_query(NoTls).await;
            });
            Err(DbError::Timeout(timeout))
        }
    }
}

fn explained(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => error.to_string(),
    }
}

#[derive(Debug)]
pub enum DbError {
    Db(tokio_postgres::Error),
    Lost(tokio_postgres::Error),
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

impl From<tokio_postgres::Error> for DbError {
    fn from(error: tokio_postgres::Error) -> Self {
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

impl std::error::Error for DbError {}

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
