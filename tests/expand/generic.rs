//! A generic connection with a where clause, renamed types and `vis`.

use connection::{connection, Attempt, Connect, Disconnect};

pub struct Store<T, K> {
    items: Vec<(K, T)>,
}

#[connection(client = StoreHandle, message = StoreRequest, vis = pub(crate))]
impl<T: Clone, K> Store<T, K>
where
    K: PartialEq,
{
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Stores `value` under `key`.
    #[cast]
    async fn put(&mut self, key: K, value: T) {
        self.items.push((key, value));
    }

    /// The value under `key`.
    #[call]
    async fn get(&mut self, key: K) -> Option<T> {
        self.items.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }
}
