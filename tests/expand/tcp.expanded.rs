//! The TCP example's connection.
use std::{io, net::SocketAddr, time::Duration};
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};
use tokio::{io::AsyncWriteExt, net::TcpStream};
pub struct Tcp {
    addr: SocketAddr,
    sock: Option<TcpStream>,
}
pub enum Why {
    Io(io::Error),
    Close(ReplyTo<()>),
}
#[allow(unused_imports)]
use ::connection::__private as __tcp_runtime;
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl Tcp
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    #[allow(clippy::unused_async)]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        match TcpStream::connect(self.addr).await {
            Ok(sock) => {
                self.sock = Some(sock);
                Connect::Ok
            }
            Err(_) => Connect::Backoff(Duration::from_secs(1)),
        }
    }
    #[allow(clippy::unused_async)]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        self.sock = None;
        if let Why::Close(reply) = why {
            let _ = reply.send(());
        }
        Disconnect::Connect(())
    }
    /// Sends `data`.
    #[allow(clippy::unused_async)]
    async fn send(&mut self, data: Vec<u8>, ctx: &mut Context<Self>) -> io::Result<()> {
        let sock = self.sock.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        if let Err(error) = sock.write_all(&data).await {
            ctx.disconnect(Why::Io(io::Error::new(error.kind(), error.to_string())));
            return Err(error);
        }
        Ok(())
    }
    /// Closes the socket; answers once it is closed.
    #[allow(clippy::unused_async)]
    async fn close(&mut self, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Close(reply));
    }
    /// Starts the connection on a new tokio task with default options, and
    /// returns its client once `init` has returned.
    ///
    /// # Errors
    ///
    /// When `init` stops, panics or times out.
    pub async fn start(
        self,
    ) -> ::core::result::Result<TcpClient, __tcp_runtime::StartError> {
        __tcp_runtime::start(
                self,
                <__tcp_runtime::Options as ::core::default::Default>::default(),
            )
            .await
    }
    /// Starts the connection with `options`, and returns its client once
    /// `init` has returned.
    ///
    /// # Errors
    ///
    /// When `init` stops, panics or times out.
    pub async fn start_with(
        self,
        options: __tcp_runtime::Options,
    ) -> ::core::result::Result<TcpClient, __tcp_runtime::StartError> {
        __tcp_runtime::start(self, options).await
    }
}
///The requests a `Tcp` handles: one variant per `#[call]` and `#[cast]` handler.
#[allow(missing_docs)]
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated enum"
)]
pub enum TcpMessage {
    ///A request for `Tcp::send`.
    Send { data: Vec<u8>, reply_to: __tcp_runtime::ReplyTo<io::Result<()>> },
    ///A request for `Tcp::close`.
    Close { reply: __tcp_runtime::ReplyTo<()> },
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl __tcp_runtime::Request for TcpMessage
where
    for<'__sent> TcpMessage: ::core::marker::Send,
{
    fn name(&self) -> &'static str {
        match *self {
            Self::Send { .. } => "Send",
            Self::Close { .. } => "Close",
        }
    }
}
///A handle to a running `Tcp` connection, returned by `Tcp::start`. Cloning is cheap; the connection stops once every clone is dropped. Besides one method per request it has the lifecycle methods every client has (below), and converts to and from the generic `connection::Client`.
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
pub struct TcpClient
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    client: __tcp_runtime::Client<Tcp>,
}
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated client"
)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl TcpClient
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    /// Sends `data`.
    pub async fn send(
        &self,
        data: Vec<u8>,
    ) -> ::core::result::Result<io::Result<()>, __tcp_runtime::CallError> {
        self.client.call(|reply_to| TcpMessage::Send { data, reply_to }).await
    }
    /// Closes the socket; answers once it is closed.
    pub async fn close(&self) -> ::core::result::Result<(), __tcp_runtime::CallError> {
        self.client.call(|reply| TcpMessage::Close { reply }).await
    }
    __tcp_runtime::client_lifecycle!();
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl ::core::convert::AsRef<__tcp_runtime::Client<Tcp>> for TcpClient
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    fn as_ref(&self) -> &__tcp_runtime::Client<Tcp> {
        &self.client
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl ::core::convert::From<__tcp_runtime::Client<Tcp>> for TcpClient
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    fn from(client: __tcp_runtime::Client<Tcp>) -> Self {
        Self { client }
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl ::core::convert::From<TcpClient> for __tcp_runtime::Client<Tcp>
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    fn from(client: TcpClient) -> Self {
        client.client
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl __tcp_runtime::ConnectionTypes for Tcp
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    type Message = TcpMessage;
    type Client = TcpClient;
    type ConnectInfo = ();
    type DisconnectInfo = __TcpDisconnectInfo;
    type Info = ::core::convert::Infallible;
    fn describe_disconnect(
        info: &__TcpDisconnectInfo,
    ) -> ::core::option::Option<::std::string::String> {
        #[allow(unused_imports)]
        use __tcp_runtime::{
            DescribeByDebug as _, DescribeByDisplay as _, DescribeByNothing as _,
        };
        (&&__tcp_runtime::Describe(&info.0)).describe()
    }
}
#[automatically_derived]
#[allow(deprecated)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl __tcp_runtime::Connection for Tcp
where
    for<'__sent> Tcp: ::core::marker::Send,
    for<'__sent> TcpMessage: ::core::marker::Send,
    for<'__sent> __TcpDisconnectInfo: ::core::marker::Send,
{
    async fn init(
        &mut self,
        _ctx: &mut __tcp_runtime::Context<Self>,
    ) -> __tcp_runtime::Init<Self::ConnectInfo> {
        __tcp_runtime::Init::Connect(<() as __tcp_runtime::FirstConnectInfo>::first())
    }
    async fn connect(
        &mut self,
        attempt: __tcp_runtime::Attempt<Self::ConnectInfo>,
        _ctx: &mut __tcp_runtime::Context<Self>,
    ) -> __tcp_runtime::Connect {
        __tcp_runtime::handler_future(Self::connect(self, attempt)).await
    }
    async fn disconnect(
        &mut self,
        info: __TcpDisconnectInfo,
        _ctx: &mut __tcp_runtime::Context<Self>,
    ) -> __tcp_runtime::Disconnect<Self::ConnectInfo> {
        __tcp_runtime::handler_future(Self::disconnect(self, info.0)).await
    }
    fn handle(
        &mut self,
        message: Self::Message,
        ctx: &mut __tcp_runtime::Context<Self>,
    ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
        async move {
            match message {
                TcpMessage::Send { data, reply_to } => {
                    let future = __tcp_runtime::handler_future(
                        Self::send(self, data, ctx),
                    );
                    let (reply_to, answer) = __tcp_runtime::answering::<
                        io::Result<()>,
                        _,
                    >(reply_to, future)
                        .await;
                    __tcp_runtime::send_reply(ctx, reply_to, answer);
                }
                TcpMessage::Close { reply } => {
                    __tcp_runtime::handler_future(Self::close(self, reply, ctx)).await
                }
            }
        }
    }
}
///The connection's `DisconnectInfo`: the handler's own type, wrapped.
#[doc(hidden)]
pub struct __TcpDisconnectInfo(Why, ::core::marker::PhantomData<fn() -> ()>);
#[automatically_derived]
impl ::core::convert::From<Why> for __TcpDisconnectInfo {
    #[inline]
    fn from(value: Why) -> Self {
        Self(value, ::core::marker::PhantomData)
    }
}
const _: () = {
    #[allow(dead_code, clippy::multiple_bound_locations)]
    fn check() {
        let () = <Tcp as __tcp_runtime::MovedToTask>::CHECKED;
        let () = <Why as __tcp_runtime::SentBetweenTasks>::CHECKED;
        #[allow(unused_imports)]
        use __tcp_runtime::Plain as _;
        __tcp_runtime::Probe::<ReplyTo<()>>::new().runtime_reply_to();
    }
};
