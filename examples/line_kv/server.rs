//! The example's own key-value server: one line per request, one per reply.
//!
//! `SET key value` answers `OK`; `GET key` answers `VALUE value` or `NIL`;
//! `PING` answers `PONG`; anything else `ERR ...`. It can be stopped (every
//! connection dropped) and started again on the same address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// What outlives a restart: the data, and how many pings came.
#[derive(Clone, Default)]
pub(crate) struct Store {
    values: Arc<Mutex<HashMap<String, String>>>,
    pings: Arc<AtomicUsize>,
}

impl Store {
    /// How many `PING`s the server has answered.
    pub(crate) fn pings(&self) -> usize {
        self.pings.load(Ordering::Relaxed)
    }

    fn answer(&self, line: &str) -> String {
        let mut words = line.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("SET"), Some(key), Some(value)) => {
                let mut values = self.values.lock().unwrap();
                values.insert(key.to_owned(), value.to_owned());
                "OK".to_owned()
            }
            (Some("GET"), Some(key), None) => match self.values.lock().unwrap().get(key) {
                Some(value) => format!("VALUE {value}"),
                None => "NIL".to_owned(),
            },
            (Some("PING"), None, None) => {
                self.pings.fetch_add(1, Ordering::Relaxed);
                "PONG".to_owned()
            }
            _ => format!("ERR unknown request {line:?}"),
        }
    }
}

/// A running server; dropping it (or [`Server::stop`]) drops every
/// connection.
pub(crate) struct Server {
    addr: SocketAddr,
    connections: JoinSet<()>,
}

impl Server {
    /// Starts serving `store` on `addr` (port 0 picks a free one).
    pub(crate) async fn start(addr: SocketAddr, store: Store) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mut connections = JoinSet::new();
        connections.spawn(accept(listener, store));
        Ok(Server { addr, connections })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and drops every connection, at once.
    pub(crate) async fn stop(mut self) {
        self.connections.shutdown().await;
    }
}

async fn accept(listener: TcpListener, store: Store) {
    // Owned here: aborting this task drops every connection with it.
    let mut connections = JoinSet::new();
    while let Ok((socket, _)) = listener.accept().await {
        connections.spawn(serve(socket, store.clone()));
    }
}

async fn serve(socket: TcpStream, store: Store) {
    let _ = socket.set_nodelay(true);
    let (reader, writer) = socket.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut writer = BufWriter::new(writer);
    while let Ok(Some(line)) = lines.next_line().await {
        let reply = store.answer(&line);
        if writer
            .write_all(format!("{reply}\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
        // Answers to requests that came together go out together.
        if lines.get_ref().buffer().is_empty() && writer.flush().await.is_err() {
            return;
        }
    }
}
