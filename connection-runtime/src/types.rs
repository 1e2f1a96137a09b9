//! The types a connection declares, apart from its callbacks: all that the
//! handles, the context and the mailbox ask of it, so that they sit below
//! the `Connection` trait, whose callbacks name them.

use crate::request::Request;

/// The types a [`Connection`](crate::Connection) declares, apart from its
/// callbacks: its supertrait, and all that [`Client`](crate::Client),
/// [`Context`](crate::Context) and the other types generic over a
/// connection ask of it.
///
/// `#[connection]` implements it with `Connection`. A connection written by
/// hand implements both:
///
/// ```
/// use std::convert::Infallible;
///
/// use connection::{
///     Attempt, Client, Connect, Connection, ConnectionTypes, Context, Disconnect, Init, Request,
/// };
///
/// struct Echo;
///
/// enum EchoMessage {}
///
/// impl Request for EchoMessage {}
///
/// impl ConnectionTypes for Echo {
///     type Message = EchoMessage;
///     type ConnectInfo = ();
///     type DisconnectInfo = ();
///     type Info = Infallible;
///     type Client = Client<Self>;
/// }
///
/// impl Connection for Echo {
///     async fn init(&mut self, _: &mut Context<Self>) -> Init<()> {
///         Init::Connect(())
///     }
///
///     async fn connect(&mut self, _: Attempt<()>, _: &mut Context<Self>) -> Connect {
///         Connect::Ok
///     }
///
///     async fn disconnect(&mut self, _: (), _: &mut Context<Self>) -> Disconnect<()> {
///         Disconnect::NoConnect
///     }
///
///     async fn handle(&mut self, message: EchoMessage, _: &mut Context<Self>) {
///         match message {}
///     }
/// }
/// ```
pub trait ConnectionTypes: Sized + Send + 'static {
    /// The requests a client can send: one variant per `#[call]` and
    /// `#[cast]`.
    type Message: Request;
    /// What a requested connect carries ([`Attempt::Requested`](crate::Attempt::Requested)).
    type ConnectInfo: Send + 'static;
    /// What `disconnect` is given (the original's disconnect info).
    /// `#[connection]` makes it a public newtype of the `#[disconnect]`
    /// parameter's type, so that type may stay private (an associated type
    /// of a public impl must be as visible as the impl); the runtime takes
    /// anything `Into` it, the handler's own type included.
    type DisconnectInfo: Send + 'static;
    /// Out-of-band messages handled by `#[info]`: a newtype of the
    /// handler's type, as for
    /// [`DisconnectInfo`](ConnectionTypes::DisconnectInfo).
    type Info: Send + 'static;
    /// The handle [`start`](crate::start) returns: made from a
    /// [`Client`](crate::Client) (`Connection` asks for the `From`).
    type Client;

    /// A disconnect info written for the `disconnect` trace event and as
    /// the link's last failure (what a pool reports), when its type can say
    /// (`#[connection]` uses its `Display`, else its `Debug`). The default
    /// says nothing.
    fn describe_disconnect(info: &Self::DisconnectInfo) -> Option<String> {
        let _ = info;
        None
    }
}

/// A disconnect info given to the runtime (`ctx.disconnect`, a watch's
/// output, `LinkToken::lost`, what a pipeline makes of a lost link): the
/// `#[disconnect]` handler's parameter type (or the generated newtype
/// behind `C::DisconnectInfo`, which converts only from it). Named by the
/// connection type `C`, so that a mismatch is reported with the user's
/// types, not the newtype.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the disconnect info of `{C}`, which is the `#[disconnect]` handler's parameter type",
    label = "not `{C}`'s disconnect info",
    note = "convert it to the handler's parameter type first (with a variant, as in `|lost| Why::Lost(lost)`, or that type's `From`): the runtime does not convert it"
)]
pub trait IntoDisconnectInfo<C: ConnectionTypes> {
    /// The connection's disconnect info.
    fn into_disconnect_info(self) -> C::DisconnectInfo;
}

#[diagnostic::do_not_recommend]
impl<C: ConnectionTypes, D: Into<C::DisconnectInfo>> IntoDisconnectInfo<C> for D {
    #[inline]
    fn into_disconnect_info(self) -> C::DisconnectInfo {
        self.into()
    }
}

/// A connect info given to the runtime (`ctx.connect(..)`): the type of the
/// `#[connect]` handler's `Attempt<I>`, named by the connection type `C` as
/// for [`IntoDisconnectInfo`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the connect info of `{C}`, which is the `I` of the `#[connect]` handler's `Attempt<I>`",
    label = "not `{C}`'s connect info",
    note = "convert it to that type first: the runtime does not convert it"
)]
pub trait IntoConnectInfo<C: ConnectionTypes> {
    /// The connection's connect info.
    fn into_connect_info(self) -> C::ConnectInfo;
}

#[diagnostic::do_not_recommend]
impl<C: ConnectionTypes, I: Into<C::ConnectInfo>> IntoConnectInfo<C> for I {
    #[inline]
    fn into_connect_info(self) -> C::ConnectInfo {
        self.into()
    }
}

/// An info given to the runtime for the `#[info]` handler (a client's or
/// `InfoSender`'s `send`, `ctx.send_after`, an attached stream's items):
/// the handler's parameter type, named by the connection type `C` as for
/// [`IntoDisconnectInfo`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an info of `{C}`, which takes the `#[info]` handler's parameter type",
    label = "not an info of `{C}`",
    note = "convert it to the handler's parameter type first (with a variant or that type's `From`): the runtime does not convert it"
)]
pub trait IntoInfo<C: ConnectionTypes> {
    /// The connection's info.
    fn into_info(self) -> C::Info;
}

#[diagnostic::do_not_recommend]
impl<C: ConnectionTypes, I: Into<C::Info>> IntoInfo<C> for I {
    #[inline]
    fn into_info(self) -> C::Info {
        self.into()
    }
}
