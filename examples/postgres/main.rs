//! A pool of PostgreSQL connections on `connection::pool`, against the
//! server named on the command line (a `tokio-postgres` connection string,
//! `host=127.0.0.1 user=postgres password=.. dbname=postgres` by default).

mod postgres;

use std::time::{Duration, Instant};

use crate::postgres::{DbError, Param, Postgres};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "host=127.0.0.1 user=postgres dbname=postgres".to_owned());
    let config: tokio_postgres::Config = url.parse()?;

    let pool = Postgres::pool(config, 4, Duration::from_secs(5))
        .start()
        .await?;

    let db = pool.client().await?;
    db.execute(
        "CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY, name text NOT NULL, email text)"
            .into(),
    )
    .await?;
    let id = db
        .insert_user("ada".into(), Some("ada@example.com".into()))
        .await?;
    println!("inserted user {id}: {:?}", db.user(id).await?);
    drop(db);

    // A transaction on one member of its own.
    let tx = pool.lease().await?;
    tx.execute("BEGIN".into()).await?;
    let grace = tx.insert_user("grace".into(), None).await?;
    tx.execute("COMMIT".into()).await?;
    drop(tx);
    println!("committed user {grace}");

    // Rolled back: the lease is dropped before COMMIT.
    let tx = pool.lease().await?;
    tx.execute("BEGIN".into()).await?;
    let ghost = tx.insert_user("ghost".into(), None).await?;
    drop(tx);
    // The rollback runs before the member takes requests again.
    println!(
        "user {ghost} after a dropped transaction: {:?}",
        pool.client().await?.user(ghost).await?
    );

    let rows = pool
        .client()
        .await?
        .query(
            "SELECT count(*) FROM users WHERE name = $1".into(),
            vec![Box::new("ada") as Param],
        )
        .await?;
    println!("users named ada: {}", rows[0].get::<_, i64>(0));

    // 1,000 lookups from 100 tasks, spread over the members by their load.
    let started = Instant::now();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    pool.client().await?.user(id).await?;
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .collect();
    for task in tasks {
        task.await?.map_err(|error| error.to_string())?;
    }
    let stats = pool.stats();
    println!(
        "1,000 lookups in {:?}; {} members, {} connected",
        started.elapsed(),
        stats.members,
        stats.connected
    );

    println!("user -1: {:?}", pool.client().await?.user(-1).await?);
    // The server's error, and whether sending it again could run it twice.
    let typo: Result<(), DbError> = pool.client().await?.execute("SELEC 1".into()).await;
    if let Err(error) = typo {
        println!("SELEC 1: {error} (may have run: {})", error.may_have_run());
    }
    pool.stop().await;
    Ok(())
}
