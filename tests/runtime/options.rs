//! `#[connection(...)]` options and attribute forwarding, checked by using
//! what they generate.

use connection::{Attempt, Connect, Disconnect, connection};

mod renamed {
    use super::{Attempt, Connect, Disconnect, connection};

    pub struct Engine;

    #[connection(client = Handle, message = Request)]
    impl Engine {
        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
            Disconnect::NoConnect
        }

        #[call]
        async fn double(&mut self, n: u32) -> u32 {
            n * 2
        }
    }
}

#[tokio::test]
async fn client_and_message_options_rename_the_generated_types() {
    let handle: renamed::Handle = renamed::Engine.start().await.unwrap();
    assert_eq!(handle.double(21).await.unwrap(), 42);
    // The message enum is public under its new name.
    let _: fn(u32, connection::ReplyTo<u32>) -> renamed::Request =
        |n, reply_to| renamed::Request::Double { n, reply_to };
}

mod through_another_path {
    // The runtime reached through a path of the user's choice, as with a
    // re-export from a facade crate.
    pub(crate) mod facade {
        pub(crate) use connection as rt;
    }

    pub struct Pinger;

    #[connection::connection(crate = self::facade::rt)]
    impl Pinger {
        #[connect]
        async fn connect(&mut self, _attempt: facade::rt::Attempt<()>) -> facade::rt::Connect {
            facade::rt::Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> facade::rt::Disconnect<()> {
            facade::rt::Disconnect::NoConnect
        }

        #[call]
        async fn ping(&mut self) -> &'static str {
            "pong"
        }
    }
}

#[tokio::test]
async fn the_crate_option_names_the_runtime_by_another_path() {
    let client = through_another_path::Pinger.start().await.unwrap();
    assert_eq!(client.ping().await.unwrap(), "pong");
}

struct Flags;

#[connection]
impl Flags {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Compiled out: no variant, no client method, no dispatch arm.
    #[cfg(any())]
    #[call]
    async fn hidden(&mut self, value: NotAType) -> u32 {
        value.0
    }

    #[cfg(test)]
    #[call]
    async fn shown(&mut self) -> u32 {
        7
    }

    #[call]
    async fn r#type(&mut self, r#ref: u32) -> u32 {
        r#ref + 1
    }
}

#[tokio::test]
async fn cfg_attributes_follow_the_handler_and_raw_identifiers_work() {
    let client = Flags.start().await.unwrap();
    assert_eq!(client.shown().await.unwrap(), 7);
    assert_eq!(client.r#type(1).await.unwrap(), 2);
    let _: fn(u32, connection::ReplyTo<u32>) -> FlagsMessage =
        |r#ref, reply_to| FlagsMessage::Type { r#ref, reply_to };
}

/// A private connection type with private argument and reply types, in a
/// private module: no "private type in public interface" error or warning.
#[deny(warnings)]
mod private {
    use connection::{Attempt, Connect, Disconnect, connection};

    struct Secret(u32);

    struct Hidden;

    #[connection]
    impl Hidden {
        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
            Disconnect::NoConnect
        }

        #[call]
        async fn reveal(&mut self, secret: Secret) -> Secret {
            Secret(secret.0 + 1)
        }

        #[info]
        async fn on_secret(&mut self, secret: Secret) {
            let _ = secret.0;
        }
    }

    pub(super) async fn round_trip() -> u32 {
        let client = Hidden.start().await.unwrap();
        client.info(Secret(0)).await.unwrap();
        client.reveal(Secret(1)).await.unwrap().0
    }
}

/// `vis` sets the visibility of the generated types and `start` methods (at
/// least the connection type's own: the trait's associated types name them).
mod scoped {
    pub(crate) mod inner {
        use connection::{Attempt, Connect, Disconnect, connection};

        pub(crate) struct Scoped;

        #[connection(vis = pub(crate))]
        impl Scoped {
            #[connect]
            async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
                Connect::Ok
            }

            #[disconnect]
            async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
                Disconnect::NoConnect
            }

            #[call]
            async fn ping(&mut self) -> u8 {
                1
            }
        }
    }

    pub(crate) async fn ping() -> u8 {
        let client: inner::ScopedClient = inner::Scoped.start().await.unwrap();
        client.ping().await.unwrap()
    }
}

#[tokio::test]
async fn private_types_and_the_vis_option_compile_and_work() {
    assert_eq!(private::round_trip().await, 2);
    assert_eq!(scoped::ping().await, 1);
}
