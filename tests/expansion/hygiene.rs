//! The expansion names everything by absolute path: it compiles under
//! `#![no_implicit_prelude]`, beside user items that shadow prelude and std
//! names, and with the runtime reached through another path; and its own
//! locals cannot collide with the user's parameter names.

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

/// Parameters named like every local the expansion declares: the
/// expansion's own names cannot collide with them.
mod generated_local_names {
    use connection::{Attempt, Connect, Context, Disconnect, ReplyTo, connection};

    pub(crate) struct Names {
        pub(crate) seen: Vec<u64>,
    }

    #[connection(when_disconnected = queue)]
    impl Names {
        #[connect]
        async fn connect(&mut self, attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
            let _ = (attempt, ctx.is_connected());
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, info: ()) -> Disconnect<()> {
            let () = info;
            Disconnect::NoConnect
        }

        /// Generated locals' names as plain values.
        #[call]
        async fn locals(
            &mut self,
            ctx: u64,
            message: u64,
            error: u64,
            never: u64,
            value: u64,
        ) -> u64 {
            ctx + message + error + never + value
        }

        /// The rest of them.
        #[call]
        async fn more_locals(&mut self, info: u64, attempt: u64, reason: u64, client: u64) -> u64 {
            info + attempt + reason + client
        }

        /// A deferred reply named like a generated local, beside the context.
        #[call]
        async fn deferred_error(&mut self, error: ReplyTo<u64>, ctx: &mut Context<Self>) {
            let _ = ctx.is_connected();
            let _ = error.send(7);
        }

        /// A deferred reply named `ctx`.
        #[call]
        async fn deferred_ctx(&mut self, ctx: ReplyTo<u64>) {
            let _ = ctx.send(8);
        }

        /// A cast with a value named `ctx` and the context.
        #[cast]
        async fn note(&mut self, ctx: u64, message: u64, context: &mut Context<Self>) {
            let _ = context.is_connected();
            self.seen.push(ctx + message);
        }

        /// A call whose reply expression is named like the value local.
        #[call]
        async fn seen(&mut self) -> Vec<u64> {
            self.seen.clone()
        }
    }
}

#[tokio::test]
async fn parameters_named_like_generated_locals_compile_and_run() {
    use generated_local_names::Names;
    let client = Names { seen: Vec::new() }.start().await.unwrap();
    assert_eq!(client.locals(1, 2, 3, 4, 5).await.unwrap(), 15);
    assert_eq!(client.more_locals(6, 7, 8, 9).await.unwrap(), 30);
    assert_eq!(client.deferred_error().await.unwrap(), 7);
    assert_eq!(client.deferred_ctx().await.unwrap(), 8);
    client.note(1, 2).await.unwrap();
    assert_eq!(client.seen().await.unwrap(), [3]);
}

/// A connection whose handlers come in a `macro_rules!` argument: the
/// generated bodies name `self` as the generated signatures do, not with
/// the argument's hygiene.
mod handlers_from_a_macro_argument {
    use connection::{Attempt, Connect, Disconnect, connection};

    macro_rules! counter_with {
        ($($handlers:tt)*) => {
            pub(crate) struct Counter {
                pub(crate) total: u64,
            }

            #[connection]
            impl Counter {
                #[connect]
                async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
                    Connect::Ok
                }

                #[disconnect]
                async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
                    Disconnect::NoConnect
                }

                $($handlers)*
            }
        };
    }

    counter_with! {
        /// Adds `n`; answers with the total.
        #[call]
        async fn add(&mut self, n: u64) -> u64 {
            self.total += n;
            self.total
        }

        /// Adds one.
        #[cast]
        async fn bump(&mut self) {
            self.total += 1;
        }

        #[flush]
        async fn flush(&mut self) {}
    }
}

#[tokio::test]
async fn handlers_passed_through_a_macro_compile_and_run() {
    use handlers_from_a_macro_argument::Counter;
    let client = Counter { total: 0 }.start().await.unwrap();
    client.bump().await.unwrap();
    assert_eq!(client.add(2).await.unwrap(), 3);
}
