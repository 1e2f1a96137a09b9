//! The expansion names everything by absolute path: it compiles under
//! `#![no_implicit_prelude]`, beside user items that shadow prelude and std
//! names, and with the runtime reached through another path.

// Names a careless expansion would pick up instead of the real ones.
#[allow(dead_code)]
mod shadows {
    pub(crate) struct Result;
    pub(crate) struct Option;
    pub(crate) struct Box;
    pub(crate) struct Send;
    pub(crate) struct Clone;
    pub(crate) mod core {}
    pub(crate) mod std {}
    pub(crate) mod tokio {}
}

mod no_prelude {
    #![no_implicit_prelude]

    #[allow(unused_imports)]
    use super::shadows::{Box, Clone, Option, Result, Send, core, std, tokio};

    pub(crate) struct Bare {
        pub(crate) count: u32,
    }

    #[::connection::connection]
    impl Bare {
        #[connect]
        async fn connect(&mut self, _attempt: ::connection::Attempt<()>) -> ::connection::Connect {
            ::connection::Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> ::connection::Disconnect<()> {
            ::connection::Disconnect::NoConnect
        }

        /// Counts.
        #[call]
        async fn bump(&mut self, by: u32) -> u32 {
            self.count += by;
            self.count
        }

        /// Answers later.
        #[call]
        async fn later(&mut self, reply: ::connection::ReplyTo<u32>) {
            let _ = reply.send(self.count);
        }

        /// Fire and forget.
        #[cast]
        async fn reset(&mut self) {
            self.count = 0;
        }

        #[info]
        async fn on_info(&mut self, message: u32, ctx: &mut ::connection::Context<Self>) {
            self.count = message;
            ctx.idle_timeout(::core::time::Duration::from_secs(1));
        }

        #[timeout]
        async fn idle(&mut self) {}

        #[terminate]
        async fn terminate(&mut self, _reason: &::connection::Stop) {}
    }
}

mod renamed {
    // As if the runtime were only reachable under another name.
    use connection as runtime;

    pub(crate) struct Renamed;

    #[runtime::connection(crate = runtime)]
    impl Renamed {
        #[connect]
        async fn connect(&mut self, _attempt: runtime::Attempt<u8>) -> runtime::Connect {
            runtime::Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> runtime::Disconnect<u8> {
            runtime::Disconnect::NoConnect
        }

        #[call]
        async fn ping(&mut self) -> bool {
            true
        }
    }
}

#[tokio::test]
async fn a_block_under_no_implicit_prelude_works() {
    let client = no_prelude::Bare { count: 0 }.start().await.unwrap();
    assert_eq!(client.bump(2).await.unwrap(), 2);
    assert_eq!(client.later().await.unwrap(), 2);
    client.reset().await.unwrap();
    client.info(7).await.unwrap();
    assert_eq!(client.bump(1).await.unwrap(), 8);
}

#[tokio::test]
async fn a_block_naming_the_runtime_by_another_path_works() {
    let client = renamed::Renamed.start().await.unwrap();
    assert!(client.ping().await.unwrap());
}
