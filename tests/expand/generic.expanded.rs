//! A generic connection with a where clause, renamed types and `vis`.
use connection::{connection, Attempt, Connect, Disconnect};
pub struct Store<T, K> {
    items: Vec<(K, T)>,
}
#[allow(unused_imports)]
use ::connection::__private as __store_runtime;
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<T: Clone, K> Store<T, K>
where
    K: PartialEq,
    T: ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    #[allow(clippy::unused_async)]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }
    #[allow(clippy::unused_async)]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
    /// Stores `value` under `key`.
    #[allow(clippy::unused_async)]
    async fn put(&mut self, key: K, value: T) {
        self.items.push((key, value));
    }
    /// The value under `key`.
    #[allow(clippy::unused_async)]
    async fn get(&mut self, key: K) -> Option<T> {
        self.items.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }
    /// Starts the connection on a new tokio task with default options, and
    /// returns its client once `init` has returned.
    ///
    /// # Errors
    ///
    /// When `init` stops, panics or times out.
    pub(crate) async fn start(
        self,
    ) -> ::core::result::Result<StoreHandle<T, K>, __store_runtime::StartError> {
        __store_runtime::start(
                self,
                <__store_runtime::Options as ::core::default::Default>::default(),
            )
            .await
    }
    /// Starts the connection with `options`, and returns its client once
    /// `init` has returned.
    ///
    /// # Errors
    ///
    /// When `init` stops, panics or times out.
    pub(crate) async fn start_with(
        self,
        options: __store_runtime::Options,
    ) -> ::core::result::Result<StoreHandle<T, K>, __store_runtime::StartError> {
        __store_runtime::start(self, options).await
    }
}
///The requests a `Store<T,K>` handles: one variant per `#[call]` and `#[cast]` handler.
#[allow(missing_docs)]
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated enum"
)]
pub(crate) enum StoreRequest<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
>
where
    K: PartialEq,
{
    ///A request for `Store<T,K>::put`.
    Put { key: K, value: T },
    ///A request for `Store<T,K>::get`.
    Get { key: K, reply_to: __store_runtime::ReplyTo<Option<T>> },
    #[doc(hidden)]
    __Phantom(::core::convert::Infallible, ::core::marker::PhantomData<fn() -> (T, K)>),
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> __store_runtime::Request for StoreRequest<T, K>
where
    K: PartialEq,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    fn name(&self) -> &'static str {
        match *self {
            Self::Put { .. } => "Put",
            Self::Get { .. } => "Get",
            Self::__Phantom(never, _) => match never {}
        }
    }
}
///A handle to a running `Store<T,K>` connection, returned by `Store<T,K>::start`. Cloning is cheap; the connection stops once every clone is dropped. Besides one method per request it has the lifecycle methods every client has (below), and converts to and from the generic `connection::Client`.
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
pub(crate) struct StoreHandle<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    client: __store_runtime::Client<Store<T, K>>,
}
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated client"
)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> StoreHandle<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    /// Stores `value` under `key`.
    pub async fn put(
        &self,
        key: K,
        value: T,
    ) -> ::core::result::Result<(), __store_runtime::CallError> {
        self.client.cast(StoreRequest::Put { key, value }).await
    }
    /// The value under `key`.
    pub async fn get(
        &self,
        key: K,
    ) -> ::core::result::Result<Option<T>, __store_runtime::CallError> {
        self.client.call(|reply_to| StoreRequest::Get { key, reply_to }).await
    }
    __store_runtime::client_lifecycle!();
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::clone::Clone for StoreHandle<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    fn clone(&self) -> Self {
        Self {
            client: ::core::clone::Clone::clone(&self.client),
        }
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::fmt::Debug for StoreHandle<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("StoreHandle").field("client", &self.client).finish()
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::convert::AsRef<__store_runtime::Client<Store<T, K>>> for StoreHandle<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    fn as_ref(&self) -> &__store_runtime::Client<Store<T, K>> {
        &self.client
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::convert::From<__store_runtime::Client<Store<T, K>>> for StoreHandle<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    fn from(client: __store_runtime::Client<Store<T, K>>) -> Self {
        Self { client }
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::convert::From<StoreHandle<T, K>> for __store_runtime::Client<Store<T, K>>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    fn from(client: StoreHandle<T, K>) -> Self {
        client.client
    }
}
#[automatically_derived]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> __store_runtime::ConnectionTypes for Store<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    type Message = StoreRequest<T, K>;
    type Client = StoreHandle<T, K>;
    type ConnectInfo = ();
    type DisconnectInfo = ();
    type Info = ::core::convert::Infallible;
}
#[automatically_derived]
#[allow(deprecated)]
#[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> __store_runtime::Connection for Store<T, K>
where
    K: PartialEq,
    for<'__sent> Store<T, K>: ::core::marker::Send,
    for<'__sent> StoreRequest<T, K>: ::core::marker::Send,
{
    async fn init(
        &mut self,
        _ctx: &mut __store_runtime::Context<Self>,
    ) -> __store_runtime::Init<Self::ConnectInfo> {
        __store_runtime::Init::Connect(
            <() as __store_runtime::FirstConnectInfo>::first(),
        )
    }
    async fn connect(
        &mut self,
        attempt: __store_runtime::Attempt<Self::ConnectInfo>,
        _ctx: &mut __store_runtime::Context<Self>,
    ) -> __store_runtime::Connect {
        __store_runtime::handler_future(Self::connect(self, attempt)).await
    }
    async fn disconnect(
        &mut self,
        info: (),
        _ctx: &mut __store_runtime::Context<Self>,
    ) -> __store_runtime::Disconnect<Self::ConnectInfo> {
        __store_runtime::handler_future(Self::disconnect(self, info)).await
    }
    fn handle(
        &mut self,
        message: Self::Message,
        ctx: &mut __store_runtime::Context<Self>,
    ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
        async move {
            match message {
                StoreRequest::Put { key, value } => {
                    __store_runtime::handler_future(Self::put(self, key, value)).await
                }
                StoreRequest::Get { key, reply_to } => {
                    let future = __store_runtime::handler_future(Self::get(self, key));
                    let (reply_to, answer) = __store_runtime::answering::<
                        Option<T>,
                        _,
                    >(reply_to, future)
                        .await;
                    __store_runtime::send_reply(ctx, reply_to, answer);
                }
                StoreRequest::__Phantom(never, _) => match never {}
            }
        }
    }
}
const _: () = {
    #[allow(dead_code, clippy::multiple_bound_locations)]
    fn check<
        T: Clone + ::core::marker::Send + 'static,
        K: ::core::marker::Send + 'static,
    >()
    where
        K: PartialEq,
    {
        let () = <Store<T, K> as __store_runtime::MovedToTask>::CHECKED;
        let () = <K as __store_runtime::SentBetweenTasks>::CHECKED;
        let () = <T as __store_runtime::SentBetweenTasks>::CHECKED;
        #[allow(unused_imports)]
        use __store_runtime::Plain as _;
        __store_runtime::Probe::<K>::new().not_reply_to();
        __store_runtime::Probe::<K>::new().not_context();
        __store_runtime::Probe::<T>::new().not_reply_to();
        __store_runtime::Probe::<T>::new().not_context();
        __store_runtime::Probe::<K>::new().not_reply_to();
        __store_runtime::Probe::<K>::new().not_context();
    }
};
