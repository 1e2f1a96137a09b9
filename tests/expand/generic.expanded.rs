//! A generic connection with a where clause, renamed types and `vis`.
use connection::{connection, Attempt, Connect, Disconnect};
pub struct Store<T, K> {
    items: Vec<(K, T)>,
}
impl<T: Clone, K> Store<T, K>
where
    K: PartialEq,
    T: ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
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
    Get { key: K, reply_to: ::connection::__private::ReplyTo<Option<T>> },
    #[doc(hidden)]
    __Phantom(::core::convert::Infallible, ::core::marker::PhantomData<fn() -> (T, K)>),
}
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> StoreRequest<T, K>
where
    K: PartialEq,
{
    /// The request's variant name, as the runtime's trace events show it.
    #[must_use]
    pub(crate) fn name(&self) -> &'static str {
        match *self {
            Self::Put { .. } => "Put",
            Self::Get { .. } => "Get",
            Self::__Phantom(never, _) => match never {}
        }
    }
}
///A handle to a running `Store<T,K>` connection, returned by `Store<T,K>::start`. Cloning is cheap; the connection stops once every clone is dropped. Besides one method per request it has the lifecycle methods every client has (below), and converts to and from the generic `connection::Client`.
pub(crate) struct StoreHandle<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    client: ::connection::__private::Client<Store<T, K>>,
}
#[allow(
    private_interfaces,
    reason = "a handler's own parameter types may rightly be less visible than the generated client"
)]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> StoreHandle<T, K>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    /// Stores `value` under `key`.
    pub async fn put(
        &self,
        key: K,
        value: T,
    ) -> ::core::result::Result<(), ::connection::__private::CallError> {
        self.client.cast(StoreRequest::Put { key, value }).await
    }
    /// The value under `key`.
    pub async fn get(
        &self,
        key: K,
    ) -> ::core::result::Result<Option<T>, ::connection::__private::CallError> {
        self.client.call(|reply_to| StoreRequest::Get { key, reply_to }).await
    }
    ::connection::__private::client_lifecycle!();
}
#[automatically_derived]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::clone::Clone for StoreHandle<T, K>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    fn clone(&self) -> Self {
        Self {
            client: ::core::clone::Clone::clone(&self.client),
        }
    }
}
#[automatically_derived]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::fmt::Debug for StoreHandle<T, K>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.client, f)
    }
}
#[automatically_derived]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::convert::AsRef<::connection::__private::Client<Store<T, K>>>
for StoreHandle<T, K>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    fn as_ref(&self) -> &::connection::__private::Client<Store<T, K>> {
        &self.client
    }
}
#[automatically_derived]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::convert::From<::connection::__private::Client<Store<T, K>>>
for StoreHandle<T, K>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    fn from(client: ::connection::__private::Client<Store<T, K>>) -> Self {
        Self { client }
    }
}
#[automatically_derived]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::core::convert::From<StoreHandle<T, K>>
for ::connection::__private::Client<Store<T, K>>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    fn from(client: StoreHandle<T, K>) -> Self {
        client.client
    }
}
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> Store<T, K>
where
    K: PartialEq,
    Store<
        T,
        K,
    >: ::connection::__private::Connection<
        Message = StoreRequest<T, K>,
        Client = StoreHandle<T, K>,
    >,
{
    /// Starts the connection on a new tokio task with default options, and
    /// returns its client once `init` has returned.
    ///
    /// # Errors
    ///
    /// When `init` stops, panics or times out.
    pub(crate) async fn start(
        self,
    ) -> ::core::result::Result<StoreHandle<T, K>, ::connection::__private::StartError> {
        ::connection::__private::start(
                self,
                <::connection::__private::Options as ::core::default::Default>::default(),
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
        options: ::connection::__private::Options,
    ) -> ::core::result::Result<StoreHandle<T, K>, ::connection::__private::StartError> {
        ::connection::__private::start(self, options).await
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl<
    T: Clone + ::core::marker::Send + 'static,
    K: ::core::marker::Send + 'static,
> ::connection::__private::Connection for Store<T, K>
where
    K: PartialEq,
{
    type Message = StoreRequest<T, K>;
    type ConnectInfo = ();
    type DisconnectInfo = ();
    type Info = ::core::convert::Infallible;
    type Client = StoreHandle<T, K>;
    async fn init(
        &mut self,
        _ctx: &mut ::connection::__private::Context<Self>,
    ) -> ::connection::__private::Init<Self::ConnectInfo> {
        ::connection::__private::Init::Connect(
            <_ as ::connection::__private::FirstConnectInfo>::first(),
        )
    }
    async fn connect(
        &mut self,
        attempt: ::connection::__private::Attempt<Self::ConnectInfo>,
        _ctx: &mut ::connection::__private::Context<Self>,
    ) -> ::connection::__private::Connect {
        ::connection::__private::handler_future(Self::connect(self, attempt)).await
    }
    async fn disconnect(
        &mut self,
        info: (),
        _ctx: &mut ::connection::__private::Context<Self>,
    ) -> ::connection::__private::Disconnect<Self::ConnectInfo> {
        ::connection::__private::handler_future(Self::disconnect(self, info)).await
    }
    fn handle(
        &mut self,
        message: Self::Message,
        ctx: &mut ::connection::__private::Context<Self>,
    ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
        async move {
            match message {
                StoreRequest::Put { key, value } => {
                    ::connection::__private::handler_future(Self::put(self, key, value))
                        .await
                }
                StoreRequest::Get { key, reply_to } => {
                    let future = ::connection::__private::handler_future(
                        Self::get(self, key),
                    );
                    let (reply_to, reply) = ::connection::__private::answering::<
                        Option<T>,
                        _,
                    >(reply_to, future)
                        .await;
                    ::connection::__private::send_reply(ctx, reply_to, reply);
                }
                StoreRequest::__Phantom(never, _) => match never {}
            }
        }
    }
    fn message_name(message: &Self::Message) -> &'static str {
        message.name()
    }
}
