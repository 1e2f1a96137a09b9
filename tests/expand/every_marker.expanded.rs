//! One handler of every kind.
use std::future::Future;
use std::time::Duration;
use connection::{connection, Attempt, Connect, Context, Disconnect, Init, ReplyTo, Stop};
pub struct Device {
    pending: Vec<ReplyTo<u32>>,
    reading: u32,
}
#[allow(unused_imports)]
use ::connection::__private as __device_runtime;
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl Device
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    #[allow(clippy::unused_async)]
    async fn init(&mut self) -> Init<&'static str> {
        Init::Backoff(Duration::from_millis(10))
    }
    #[allow(clippy::unused_async)]
    async fn connect(
        &mut self,
        attempt: Attempt<&'static str>,
        ctx: &mut Context<Self>,
    ) -> Connect {
        let _ = attempt;
        ctx.idle_timeout(Duration::from_secs(30));
        Connect::Ok
    }
    #[allow(clippy::unused_async)]
    async fn disconnect(&mut self, why: &'static str) -> Disconnect<&'static str> {
        let _ = why;
        Disconnect::Backoff(Duration::from_secs(1))
    }
    /// The last reading.
    #[allow(clippy::unused_async)]
    async fn read(&mut self) -> u32 {
        self.reading
    }
    /// The next reading, when it comes.
    #[allow(clippy::unused_async)]
    async fn next(&mut self, reply: ReplyTo<u32>) {
        self.pending.push(reply);
    }
    /// The reading after `ms` milliseconds, answered from a task.
    #[allow(clippy::unused_async)]
    async fn later(
        &mut self,
        ms: u64,
    ) -> impl Future<Output = u32> + __device_runtime::OwnedBySpawnedTask {
        let reading = self.reading;
        async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            reading
        }
    }
    /// Resets the device.
    #[allow(clippy::unused_async)]
    async fn reset(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect("reset");
    }
    #[allow(clippy::unused_async)]
    async fn on_reading(&mut self, reading: u32) {
        self.reading = reading;
        for reply in self.pending.drain(..) {
            let _ = reply.send(reading);
        }
    }
    #[allow(clippy::unused_async)]
    async fn on_idle(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(Stop::shutdown("idle"));
    }
    #[allow(clippy::unused_async)]
    async fn flush(&mut self) {}
    #[allow(clippy::unused_async)]
    async fn terminate(&mut self, reason: &Stop) {
        let _ = reason;
    }
    /// Starts the connection on a new tokio task with default options, and
    /// returns its client once `init` has returned.
    ///
    /// # Errors
    ///
    /// When `init` stops, panics or times out.
    pub async fn start(
        self,
    ) -> ::core::result::Result<DeviceClient, __device_runtime::StartError> {
        __device_runtime::start(
                self,
                <__device_runtime::Options as ::core::default::Default>::default(),
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
        options: __device_runtime::Options,
    ) -> ::core::result::Result<DeviceClient, __device_runtime::StartError> {
        __device_runtime::start(self, options).await
    }
}
///The requests a `Device` handles: one variant per `#[call]` and `#[cast]` handler.
#[allow(missing_docs)]
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated enum"
)]
pub enum DeviceMessage {
    ///A request for `Device::read`.
    Read { reply_to: __device_runtime::ReplyTo<u32> },
    ///A request for `Device::next`.
    Next { reply: __device_runtime::ReplyTo<u32> },
    ///A request for `Device::later`.
    Later { ms: u64, reply_to: __device_runtime::ReplyTo<u32> },
    ///A request for `Device::reset`.
    Reset {},
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl __device_runtime::Request for DeviceMessage
where
    for<'__sent> DeviceMessage: ::core::marker::Send,
{
    fn name(&self) -> &'static str {
        match *self {
            Self::Read { .. } => "Read",
            Self::Next { .. } => "Next",
            Self::Later { .. } => "Later",
            Self::Reset { .. } => "Reset",
        }
    }
}
///A handle to a running `Device` connection, returned by `Device::start`. Cloning is cheap; the connection stops once every clone is dropped. Besides one method per request it has the lifecycle methods every client has (below), and converts to and from the generic `connection::Client`.
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
pub struct DeviceClient
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    client: __device_runtime::Client<Device>,
}
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated client"
)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl DeviceClient
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    /// The last reading.
    pub async fn read(
        &self,
    ) -> ::core::result::Result<u32, __device_runtime::CallError> {
        self.client.call(|reply_to| DeviceMessage::Read { reply_to }).await
    }
    /// The next reading, when it comes.
    pub async fn next(
        &self,
    ) -> ::core::result::Result<u32, __device_runtime::CallError> {
        self.client.call(|reply| DeviceMessage::Next { reply }).await
    }
    /// The reading after `ms` milliseconds, answered from a task.
    pub async fn later(
        &self,
        ms: u64,
    ) -> ::core::result::Result<u32, __device_runtime::CallError> {
        self.client
            .call(|reply_to| DeviceMessage::Later {
                ms,
                reply_to,
            })
            .await
    }
    /// Resets the device.
    pub async fn reset(
        &self,
    ) -> ::core::result::Result<(), __device_runtime::CallError> {
        self.client.cast(DeviceMessage::Reset {}).await
    }
    /// Delivers `info` to the `#[info]` handler, waiting for mailbox space
    /// for at most this client's timeout.
    ///
    /// # Errors
    ///
    /// When the mailbox stays full, or the connection has stopped.
    #[allow(dead_code)]
    pub(crate) async fn info(
        &self,
        info: u32,
    ) -> ::core::result::Result<(), __device_runtime::CallError> {
        __device_runtime::info(&self.client, ::core::convert::From::from(info)).await
    }
    /// Delivers `info` to the `#[info]` handler if the mailbox has room now.
    ///
    /// # Errors
    ///
    /// When the mailbox is full, or the connection has stopped.
    #[allow(dead_code)]
    pub(crate) fn try_info(
        &self,
        info: u32,
    ) -> ::core::result::Result<(), __device_runtime::CallError> {
        __device_runtime::try_info(&self.client, ::core::convert::From::from(info))
    }
    /// A sender to the `#[info]` handler that does not keep the connection alive.
    #[must_use]
    #[allow(dead_code)]
    pub(crate) fn info_sender(&self) -> __device_runtime::InfoSender<Device> {
        __device_runtime::info_sender(&self.client)
    }
    __device_runtime::client_lifecycle!();
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl ::core::convert::AsRef<__device_runtime::Client<Device>> for DeviceClient
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    fn as_ref(&self) -> &__device_runtime::Client<Device> {
        &self.client
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl ::core::convert::From<__device_runtime::Client<Device>> for DeviceClient
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    fn from(client: __device_runtime::Client<Device>) -> Self {
        Self { client }
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl ::core::convert::From<DeviceClient> for __device_runtime::Client<Device>
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    fn from(client: DeviceClient) -> Self {
        client.client
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl __device_runtime::ConnectionTypes for Device
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    type Message = DeviceMessage;
    type Client = DeviceClient;
    type ConnectInfo = __DeviceConnectInfo;
    type DisconnectInfo = __DeviceDisconnectInfo;
    type Info = __DeviceInfo;
    fn describe_disconnect(
        info: &__DeviceDisconnectInfo,
    ) -> ::core::option::Option<::std::string::String> {
        #[allow(unused_imports)]
        use __device_runtime::{
            DescribeByDebug as _, DescribeByDisplay as _, DescribeByNothing as _,
        };
        (&&__device_runtime::Describe(&info.0)).describe()
    }
}
#[automatically_derived]
#[allow(deprecated)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl __device_runtime::Connection for Device
where
    for<'__sent> Device: ::core::marker::Send,
    for<'__sent> DeviceMessage: ::core::marker::Send,
    for<'__sent> __DeviceInfo: ::core::marker::Send,
    for<'__sent> __DeviceDisconnectInfo: ::core::marker::Send,
    for<'__sent> __DeviceConnectInfo: ::core::marker::Send,
{
    async fn init(
        &mut self,
        _ctx: &mut __device_runtime::Context<Self>,
    ) -> __device_runtime::Init<Self::ConnectInfo> {
        __device_runtime::init_outcome::<
            &'static str,
            &'static str,
            Self::ConnectInfo,
        >({ __device_runtime::handler_future(Self::init(self)).await })
    }
    async fn connect(
        &mut self,
        attempt: __device_runtime::Attempt<Self::ConnectInfo>,
        ctx: &mut __device_runtime::Context<Self>,
    ) -> __device_runtime::Connect {
        __device_runtime::handler_future(
                Self::connect(
                    self,
                    __device_runtime::attempt_inner(attempt, |info| info.0),
                    ctx,
                ),
            )
            .await
    }
    async fn disconnect(
        &mut self,
        info: __DeviceDisconnectInfo,
        _ctx: &mut __device_runtime::Context<Self>,
    ) -> __device_runtime::Disconnect<Self::ConnectInfo> {
        __device_runtime::disconnect_outcome::<
            &'static str,
            &'static str,
            Self::ConnectInfo,
        >({ __device_runtime::handler_future(Self::disconnect(self, info.0)).await })
    }
    fn handle(
        &mut self,
        message: Self::Message,
        ctx: &mut __device_runtime::Context<Self>,
    ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
        async move {
            match message {
                DeviceMessage::Read { reply_to } => {
                    let future = __device_runtime::handler_future(Self::read(self));
                    let (reply_to, answer) = __device_runtime::answering::<
                        u32,
                        _,
                    >(reply_to, future)
                        .await;
                    __device_runtime::send_reply(ctx, reply_to, answer);
                }
                DeviceMessage::Next { reply } => {
                    __device_runtime::handler_future(Self::next(self, reply)).await
                }
                DeviceMessage::Later { ms, reply_to } => {
                    let future = __device_runtime::handler_future(Self::later(self, ms));
                    let (reply_to, answer) = __device_runtime::spawning(reply_to, future)
                        .await;
                    __device_runtime::reply_from_task(ctx, reply_to, answer);
                }
                DeviceMessage::Reset {} => {
                    __device_runtime::handler_future(Self::reset(self, ctx)).await
                }
            }
        }
    }
    fn info(
        &mut self,
        info: __DeviceInfo,
        _ctx: &mut __device_runtime::Context<Self>,
    ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
        async move {
            { __device_runtime::handler_future(Self::on_reading(self, info.0)).await }
        }
    }
    async fn timeout(&mut self, ctx: &mut __device_runtime::Context<Self>) {
        { __device_runtime::handler_future(Self::on_idle(self, ctx)).await }
    }
    const FLUSHES: bool = true;
    async fn flush(&mut self, _ctx: &mut __device_runtime::Context<Self>) {
        { __device_runtime::handler_future(Self::flush(self)).await }
    }
    async fn terminate(&mut self, reason: &__device_runtime::Stop) {
        { __device_runtime::handler_future(Self::terminate(self, reason)).await }
    }
}
///The connection's `Info`: the handler's own type, wrapped.
#[doc(hidden)]
pub struct __DeviceInfo(u32, ::core::marker::PhantomData<fn() -> ()>);
#[automatically_derived]
impl ::core::convert::From<u32> for __DeviceInfo {
    #[inline]
    fn from(value: u32) -> Self {
        Self(value, ::core::marker::PhantomData)
    }
}
///The connection's `DisconnectInfo`: the handler's own type, wrapped.
#[doc(hidden)]
pub struct __DeviceDisconnectInfo(&'static str, ::core::marker::PhantomData<fn() -> ()>);
#[automatically_derived]
impl ::core::convert::From<&'static str> for __DeviceDisconnectInfo {
    #[inline]
    fn from(value: &'static str) -> Self {
        Self(value, ::core::marker::PhantomData)
    }
}
///The connection's `ConnectInfo`: the handler's own type, wrapped.
#[doc(hidden)]
pub struct __DeviceConnectInfo(&'static str, ::core::marker::PhantomData<fn() -> ()>);
#[automatically_derived]
impl ::core::convert::From<&'static str> for __DeviceConnectInfo {
    #[inline]
    fn from(value: &'static str) -> Self {
        Self(value, ::core::marker::PhantomData)
    }
}
const _: () = {
    #[allow(dead_code, clippy::multiple_bound_locations)]
    fn check() {
        let () = <Device as __device_runtime::MovedToTask>::CHECKED;
        let () = <&'static str as __device_runtime::SentBetweenTasks>::CHECKED;
        #[allow(unused_imports)]
        use __device_runtime::Plain as _;
        __device_runtime::Probe::<ReplyTo<u32>>::new().runtime_reply_to();
    }
};
