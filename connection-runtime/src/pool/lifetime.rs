//! Members renewed after a lifetime ([`PoolBuilder::max_lifetime`](super::PoolBuilder::max_lifetime)):
//! a member that has served for about the pool's lifetime is replaced by a
//! new one on a new link, without a request failing or the pool having
//! fewer members connected meanwhile. The new member is started and waits
//! for its link while the old one serves; once it is connected it takes the
//! old one's place, and the old one answers what it holds, then stops (a
//! leased one serves its holder until the lease ends). What this is for:
//! sessions that grow (server-side caches, prepared statements), proxies and
//! load balancers that cut long-lived links or rebalance only new ones, and
//! credentials that rotate.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::Shared;
use super::member::{Member, random};
use crate::client::Client;
use crate::connection::Connection;
use crate::deadline::sleep_for;
use crate::error::Stop;

/// How often a renewal waiting for its link looks whether the member it is
/// for is still the pool's (so that it does not outlive a `stop`).
const LOOK_AGAIN: Duration = Duration::from_secs(1);

impl<C: Connection> Shared<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// Renews `member`, one of the members now, once it has been for about
    /// the pool's lifetime (at a point drawn in its last eighth, so that
    /// members started together are not renewed together); nothing for a
    /// pool without one.
    pub(super) fn renew_in_time(self: &Arc<Self>, member: &Arc<Member<C>>) {
        let Some(lifetime) = self.max_lifetime else {
            return;
        };
        let eighths = (random() % 1_000) as f64 / 8_000.0;
        let after = lifetime - lifetime.mul_f64(eighths);
        let (pool, id) = (Arc::downgrade(self), member.id);
        // The status only: it keeps nothing alive.
        let status = member.status().clone();
        tokio::spawn(async move {
            tokio::select! {
                () = sleep_for(after) => Self::renew(pool, id).await,
                // Stopped first (past its restart policy, or with the pool
                // dropped): nothing to renew, and no timer left behind.
                _stopped = status.stopped() => {}
            }
        });
    }

    /// Replaces member `id` with a new one once the new one is connected;
    /// while a renewal fails to start or stops for good before it connects,
    /// the old member serves on and it is tried again after the restart
    /// policy's delays (not at all once they run out). Ends as soon as the
    /// pool stops or is dropped, or member `id` leaves it otherwise (a
    /// `resize`, a replacement after it stopped).
    async fn renew(pool: Weak<Self>, id: usize) {
        let mut delays = None;
        loop {
            let Some(shared) = Self::holding(&pool, id) else {
                return;
            };
            let policy = shared.restart.clone();
            // Started outside the lock: `init` may take its timeout.
            let started = shared.new_member().await;
            drop(shared);
            let renewal = match started {
                Ok(renewal) => Self::once_connected(&pool, id, renewal).await,
                Err(error) => {
                    tracing::warn!(member = id, %error, "pool member not renewed: its renewal failed to start");
                    None
                }
            };
            if let Some(renewal) = renewal {
                match Self::holding(&pool, id) {
                    Some(shared) => shared.take_over(id, renewal).await,
                    None => renewal.drain_and_stop(Duration::ZERO).await,
                }
                return;
            }
            let Some(delay) = delays.get_or_insert_with(|| policy.delays()).next_delay() else {
                tracing::warn!(
                    member = id,
                    "pool member not renewed: its backoff policy ran out"
                );
                return;
            };
            sleep_for(delay).await;
        }
    }

    /// `renewal`, once connected, while member `id` is still the pool's;
    /// `None` when it stopped for good first (it is stopped then), or
    /// member `id` left the pool (the renewal is stopped).
    async fn once_connected(
        pool: &Weak<Self>,
        id: usize,
        renewal: Arc<Member<C>>,
    ) -> Option<Arc<Member<C>>> {
        loop {
            match tokio::time::timeout(LOOK_AGAIN, renewal.status().until_connected()).await {
                Ok(Ok(())) => return Some(renewal),
                Ok(Err(reason)) => {
                    tracing::warn!(member = id, %reason, "pool member not renewed: its renewal stopped");
                    return None;
                }
                Err(_elapsed) if Self::holding(pool, id).is_some() => {}
                Err(_elapsed) => {
                    let _ = renewal.generic().stop(Stop::Normal).await;
                    return None;
                }
            }
        }
    }

    /// Puts `renewal` (connected) in member `id`'s place, then lets the old
    /// member answer what it holds and stops it.
    async fn take_over(self: &Arc<Self>, id: usize, renewal: Arc<Member<C>>) {
        let one_at_a_time = self.resizing.lock().await;
        match self.put_in_place(id, &renewal, None) {
            Some(old) => {
                drop(one_at_a_time);
                tracing::info!(
                    member = id,
                    by = renewal.id,
                    "pool member renewed after its lifetime"
                );
                self.stop_all(vec![old]).await;
            }
            // A `stop` or a `resize` took the member out meanwhile.
            None => self.stop_in_background(renewal),
        }
    }
}
