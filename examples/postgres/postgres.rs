//! A PostgreSQL connection on `tokio-postgres`, made to be pooled.
//!
//! One connection is one backend. Its handlers (`#[call(spawn)]`) prepare a
//! statement on the connection (once per link) and return the statement's
//! run, which goes to a task of its own: the connection takes the next
//! request at once and the driver pipelines the link's statements; each
//! counts in the connection's load until answered, which is what a pool
//! balances on. The driver's task is tied to the link (`disconnect_when`):
//! a backend that dies is a disconnect at once, not a failed query later,
//! and one that stops answering is dropped after an unanswered ping (after
//! a query's timeout, or when idle: the link's `LinkToken`);
//! requests that come meanwhile wait for the next link
//! (`when_disconnected = queue`). Statements are prepared again on the next
//! link without the caller knowing.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use connection::pool::{Pool, PoolBuilder};
use connection::{
    Attempt, Backoff, CallError, Connect, Context, Disconnect, LinkToken, Options, Stop, connection,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, Error, NoTls, Row, Statement};

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) id: i32,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
}

/// A query's parameter, owned so that it can travel to the connection.
pub(crate) type Param = Box<dyn ToSql + Send + Sync>;

const USER_BY_ID: &str = "SELECT id, name, email FROM users WHERE id = $1";
const INSERT_USER: &str = "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id";

pub(crate) struct Postgres {
    config: Config,
    /// This link's, shared with the tasks that run its statements.
    link: Option<Link>,
    /// Prepared on this link, keyed by their SQL; cleared with the link.
    statements: HashMap<String, Statement>,
    query_timeout: Duration,
}

/// A link's client and the query timeout: what a statement's task runs on.
#[derive(Clone)]
struct Link {
    client: Arc<Client>,
    query_timeout: Duration,
    /// Told when the link did not answer a ping (after a query timed out,
    /// or when idle): the link is then dropped.
    token: LinkToken<Postgres>,
}

#[connection(when_disconnected = queue)]
impl Postgres {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        match self.config.connect(NoTls).await {
            Ok((client, driver)) => {
                // The link is lost when the driver ends (the server closed
                // it, or it failed), or when it stops answering (a
                // partition, a hung backend: the kernel may not tell for
                // hours), which a ping reports with the link's token.
                ctx.disconnect_when(async {
                    let ended = driver.await;
                    ended.map_or_else(
                        |error| explained(&error),
                        |()| "closed by the server".into(),
                    )
                });
                self.link = Some(Link {
                    client: Arc::new(client),
                    query_timeout: self.query_timeout,
                    token: ctx.link_token(),
                });
                Connect::Ok
            }
            // A wrong password or database will not be right on the next
            // try: stop with the server's own message.
            Err(error) if is_fatal(&error) => Connect::Stop(Stop::error(explained(&error))),
            Err(error) => ctx.backoff_or_stop(explained(&error)),
        }
    }

    /// The link is lost: why is what a pool that finds no member connected
    /// reports (the runtime records it).
    #[disconnect]
    async fn disconnect(&mut self, _lost: String) -> Disconnect<()> {
        self.link = None;
        self.statements.clear();
        Disconnect::Connect(())
    }

    /// The user `id`, if there is one.
    #[call(spawn, flatten)]
    async fn user(&mut self, id: i32) -> impl Future<Output = Result<Option<User>, DbError>> {
        let prepared = self.prepared(USER_BY_ID).await;
        async move {
            let (link, statement) = prepared?;
            let row = link.run(link.client.query_opt(&statement, &[&id])).await?;
            Ok(row.map(|row| User {
                id: row.get(0),
                name: row.get(1),
                email: row.get(2),
            }))
        }
    }

    /// Adds a user; returns its id.
    #[call(spawn, flatten)]
    async fn insert_user(
        &mut self,
        name: String,
        email: Option<String>,
    ) -> impl Future<Output = Result<i32, DbError>> {
        let prepared = self.prepared(INSERT_USER).await;
        async move {
            let (link, statement) = prepared?;
            Ok(link
                .run(link.client.query_one(&statement, &[&name, &email]))
                .await?
                .get(0))
        }
    }

    /// Any statement with parameters, prepared once per link.
    #[call(spawn, flatten)]
    async fn query(
        &mut self,
        sql: String,
        params: Vec<Param>,
    ) -> impl Future<Output = Result<Vec<Row>, DbError>> {
        let prepared = self.prepared(&sql).await;
        async move {
            let (link, statement) = prepared?;
            let params: Vec<_> = params.iter().map(|param| &**param as _).collect();
            link.run(link.client.query(&statement, &params)).await
        }
    }

    /// Nothing happened for the idle interval (`options`): the link is
    /// pinged, so that one that died while idle (a partition, a hung
    /// server) is found before a caller meets it.
    #[timeout]
    async fn idle(&mut self) {
        if let Some(link) = self.link.clone() {
            tokio::spawn(link.ping());
        }
    }

    /// Statements without parameters or results (`BEGIN`, `COMMIT`, DDL).
    #[call(spawn, flatten)]
    async fn execute(&mut self, sql: String) -> impl Future<Output = Result<(), DbError>> {
        let link = self.link.clone().ok_or(CallError::NotConnected);
        async move {
            let link = link?;
            link.run(link.client.batch_execute(&sql)).await
        }
    }
}

impl Postgres {
    /// A connection to the server `config` names; each query may take
    /// `query_timeout` (the server is asked to cancel it past that).
    pub(crate) fn new(config: Config, query_timeout: Duration) -> Self {
        Postgres {
            config,
            link: None,
            statements: HashMap::new(),
            query_timeout,
        }
    }

    /// A pool of `size` connections to the server `config` names, each
    /// query at most `query_timeout`: call `start()` on it.
    pub(crate) fn pool(config: Config, size: usize, query_timeout: Duration) -> PoolBuilder<Self> {
        Pool::builder(size, move || Postgres::new(config.clone(), query_timeout))
            .options(Postgres::options())
            // At most 3 statements in progress on each backend, the rest
            // waiting in the pool in order: a pipelined link's lookups with
            // a checkout pool's tail (BENCHMARKS.md). Without it, more
            // lookups and a longer tail.
            .concurrency_per_member(3)
            // A backend's session renewed every half hour or so, with no
            // call lost.
            .max_lifetime(Duration::from_secs(30 * 60))
            // A transaction a lease holder left open is rolled back.
            .on_return(|db| async move {
                let _ = db.execute("ROLLBACK".into()).await;
            })
    }

    /// Back within tens of milliseconds of a server that restarts, never
    /// more than a second behind it; a link idle for 15 s is pinged (keep
    /// the query timeout shorter: a ping waits behind the statements in
    /// flight).
    pub(crate) fn options() -> Options {
        let ms = Duration::from_millis;
        Options::default()
            .backoff(move || Backoff::exp(ms(10), ms(1000)).expect("10 ms <= 1 s"))
            .idle_timeout(ms(15_000))
    }

    /// This link and its statement for `sql`, prepared once.
    async fn prepared(&mut self, sql: &str) -> Result<(Link, Statement), DbError> {
        let link = self.link.clone().ok_or(CallError::NotConnected)?;
        if let Some(statement) = self.statements.get(sql) {
            return Ok((link, statement.clone()));
        }
        let statement = link.run(link.client.prepare(sql)).await?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok((link, statement))
    }
}

impl Link {
    /// Runs `query` for at most the query timeout; past it, asks the
    /// server to cancel the query (it may have run by then), then pings the
    /// link: a slow query alone costs no link.
    async fn run<T>(&self, query: impl Future<Output = Result<T, Error>>) -> Result<T, DbError> {
        match tokio::time::timeout(self.query_timeout, query).await {
            Ok(result) => result.map_err(DbError::from),
            Err(_elapsed) => {
                let link = self.clone();
                tokio::spawn(async move {
                    let cancel = link.client.cancel_token();
                    let cancel = cancel.cancel_query(NoTls);
                    let _ = tokio::time::timeout(link.query_timeout, cancel).await;
                    link.ping().await;
                });
                Err(DbError::Timeout(self.query_timeout))
            }
        }
    }

    /// Drops the link if it does not answer a ping within the query
    /// timeout.
    async fn ping(self) {
        let ping = self.client.simple_query("");
        if tokio::time::timeout(self.query_timeout, ping)
            .await
            .is_err()
        {
            self.token.lost("the server stopped answering".to_owned());
        }
    }
}

/// The error as the server wrote it (`tokio-postgres` says only "db error"
/// for the server's errors, and keeps the message in its source).
fn explained(error: &Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => error.to_string(),
    }
}

/// Errors a connect cannot recover from by trying again.
fn is_fatal(error: &Error) -> bool {
    error.code().is_some_and(|code| {
        *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            || *code == SqlState::INVALID_CATALOG_NAME
    })
}

/// What a request can fail with, and whether its statement may have run.
#[derive(Debug)]
pub(crate) enum DbError {
    /// The server refused or failed the statement: it did not take effect
    /// (outside a transaction).
    Db(Error),
    /// The link was lost while the statement was out: it may have run.
    Lost(Error),
    /// No answer within the query timeout (the server was asked to cancel
    /// it): it may have run.
    Timeout(Duration),
    /// The request itself failed: timed out waiting, the connection stopped,
    /// or no link to send it on (`CallError::NotConnected`).
    Call(CallError),
}

impl DbError {
    /// Whether the statement may have taken effect: `false` only when it
    /// surely did not, so that sending it again is safe.
    pub(crate) fn may_have_run(&self) -> bool {
        match self {
            DbError::Db(_) => false,
            DbError::Lost(_) | DbError::Timeout(_) => true,
            DbError::Call(error) => !error.is_unsent(),
        }
    }
}

impl From<Error> for DbError {
    fn from(error: Error) -> Self {
        match error.as_db_error() {
            // A statement's own error: the session goes on.
            Some(db) if !matches!(db.severity(), "FATAL" | "PANIC") => DbError::Db(error),
            // The session ends (`pg_terminate_backend`, a shutdown), or the
            // link failed: the statement may have run.
            _ => DbError::Lost(error),
        }
    }
}

impl From<CallError> for DbError {
    fn from(error: CallError) -> Self {
        DbError::Call(error)
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
            DbError::Call(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Db(error) | DbError::Lost(error) => Some(error),
            DbError::Call(error) => Some(error),
            DbError::Timeout(_) => None,
        }
    }
}
