//! Exclusive use of one member: a transaction, a blocking command, a
//! subscription.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::OwnedSemaphorePermit;

use super::Shared;
use super::member::Member;
use crate::client::Client;
use crate::connection::Connection;
use crate::error::Stop;
use crate::panic::catching;

/// One member of a [`Pool`](super::Pool) for the holder alone, from
/// [`Pool::lease`](super::Pool::lease): nothing else is routed to it until
/// the lease is dropped. Derefs to the member's generated client.
///
/// Dropping the lease gives the member back: at once, or once the pool's
/// [`on_return`](super::PoolBuilder::on_return) hook has run (a `ROLLBACK`,
/// a `DISCARD`). A member that disconnected meanwhile rejoins the rotation
/// once it has reconnected, as any member does.
pub struct Lease<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    member: Arc<Member<C>>,
    client: C::Client,
    shared: Arc<Shared<C>>,
    /// The lease's place in the pool's count of leases, given back with the
    /// member.
    place: Option<OwnedSemaphorePermit>,
}

impl<C: Connection> Lease<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    pub(super) fn new(
        member: Arc<Member<C>>,
        shared: Arc<Shared<C>>,
        place: OwnedSemaphorePermit,
    ) -> Self {
        Lease {
            client: member.client.clone(),
            member,
            shared,
            place: Some(place),
        }
    }

    /// The member's client (also reached through `Deref`).
    #[must_use]
    pub fn client(&self) -> &C::Client {
        &self.client
    }

    /// The leased member's number, as [`MemberStats::id`](super::MemberStats::id)
    /// gives it.
    #[must_use]
    pub fn member(&self) -> usize {
        self.member.id
    }
}

impl<C: Connection> Deref for Lease<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    type Target = C::Client;

    fn deref(&self) -> &C::Client {
        &self.client
    }
}

impl<C: Connection> Drop for Lease<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn drop(&mut self) {
        let place = self.place.take();
        let hook = self
            .shared
            .on_return
            .as_ref()
            .filter(|_| !self.member.is_retired());
        let runtime = tokio::runtime::Handle::try_current();
        match (hook, runtime) {
            (Some(hook), Ok(runtime)) => {
                // The member stays out of rotation until the hook is done
                // with it.
                let (hook, client) = (hook.clone(), self.client.clone());
                let member = self.member.clone();
                let shared = self.shared.clone();
                runtime.spawn(async move {
                    if let Err(panic) = catching(async { hook(client).await }).await {
                        // What the hook was undoing (a transaction) may be
                        // left open: the member stops, to be restarted or
                        // replaced on a new session, rather than be lost to
                        // the pool or handed out so.
                        tracing::error!(member = member.id, %panic, "a lease's return hook panicked");
                        let reason = Stop::Panic(format!("the lease's return hook panicked: {panic}"));
                        let _ = member.generic().stop(reason).await;
                    }
                    give_back(&shared, &member, place);
                });
            }
            (hook, _) => {
                if hook.is_some() {
                    tracing::warn!(
                        member = self.member.id,
                        "lease dropped outside a tokio runtime: its return hook did not run"
                    );
                }
                give_back(&self.shared, &self.member, place);
            }
        }
    }
}

/// Puts `member` back in rotation (or stops it, if it was removed from the
/// pool while leased) and gives the lease's place back (or drops it, if the
/// pool shrank meanwhile).
fn give_back<C: Connection>(
    shared: &Arc<Shared<C>>,
    member: &Arc<Member<C>>,
    place: Option<OwnedSemaphorePermit>,
) where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    // Its slots back before it is free to lease again (the next lease
    // takes them out), unless it left the pool meanwhile: checked again
    // after, as `retire` may have come between.
    if !member.is_retired() {
        member.offer_slots();
        if member.is_retired() {
            member.withdraw_slots();
        }
    }
    member.end_lease();
    if member.is_retired() {
        shared.stop_in_background(member.clone());
    }
    if let Some(place) = place {
        let owed = shared
            .leases_owed
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |owed| {
                owed.checked_sub(1)
            });
        if owed.is_ok() {
            place.forget();
        }
    }
    shared.changed.notify_waiters();
}

impl<C: Connection> fmt::Debug for Lease<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("member", &self.member.id)
            .finish_non_exhaustive()
    }
}
