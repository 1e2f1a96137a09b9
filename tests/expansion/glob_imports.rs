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

/// Another glob with the names of the runtime's hidden checks: they are not
/// in `use connection::*` (they live in `connection::checks`), so using one
/// of these is not ambiguous.
mod with_another_glob {
    #![allow(clippy::wildcard_imports)]

    mod other {
        pub(super) struct Probe(pub(super) u32);
        pub(super) fn answering() -> u32 {
            7
        }
        pub(super) trait Plain {
            fn plain(&self) -> u32 {
                1
            }
        }
        impl Plain for Probe {}
    }

    use self::other::*;
    use connection::*;

    #[test]
    fn names_of_the_hidden_checks_stay_free_for_other_globs() {
        let probe = Probe(answering());
        assert_eq!((probe.0, probe.plain()), (7, 1));
        // And what users name still comes from the glob.
        let _: fn(Stop) -> Stop = |stop| stop;
    }
}
