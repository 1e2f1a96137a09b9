//! `use connection::*` beside `use tracing::*`: the handler markers live in
//! `connection::markers`, so `info!` is tracing's and still unambiguous,
//! and a block written with the glob import compiles.

#![allow(clippy::wildcard_imports)]

use connection::*;
use tracing::*;

struct Chatty {
    said: Vec<&'static str>,
}

#[connection]
impl Chatty {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        info!("connected");
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[info]
    async fn on_info(&mut self, what: &'static str) {
        debug!(what, "info");
        self.said.push(what);
    }

    #[call]
    async fn said(&mut self) -> Vec<&'static str> {
        self.said.clone()
    }
}

#[tokio::test]
async fn a_glob_import_of_connection_and_tracing_compiles_and_runs() {
    let client = Chatty { said: Vec::new() }.start().await.unwrap();
    client.info("hello").await.unwrap();
    assert_eq!(client.said().await.unwrap(), ["hello"]);
    info!("done");
}
