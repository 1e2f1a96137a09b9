//! `connection::service`: a `#[call]` of a client or a pool as a
//! `tower::Service`, backpressure through `poll_ready`, `Load`, and the
//! services under tower's timeout, concurrency-limit and retry layers. On
//! tokio's paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use connection::pool::{Pool, PoolError};
use connection::service::{CallService, PoolCallError};
use connection::{Attempt, CallError, Connect, Context, Disconnect, Options, ReplyTo, connection};
use std::num::NonZeroUsize;
use tower::load::Load;
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};

/// A worker: answers `n + 1`, after `delay`, or fails the first `fail`
/// attempts of each request.
struct Worker {
    id: usize,
    delay: Duration,
    failures: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
}

#[connection]
impl Worker {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        if self.down.load(Ordering::SeqCst) {
            ctx.record_failure("worker unreachable");
            return Connect::Backoff(Duration::from_millis(100));
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::Connect(())
    }

    #[call]
    async fn work(&mut self, n: u32) -> Result<(usize, u32), String> {
        tokio::time::sleep(self.delay).await;
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
        {
            return Err("flaky".into());
        }
        Ok((self.id, n + 1))
    }

    #[cast]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(());
    }

    #[call]
    async fn respond(&mut self, reply: ReplyTo<u32>) {
        let _ = reply.send(7);
    }
}

fn worker(delay: Duration) -> Worker {
    Worker {
        id: 0,
        delay,
        failures: Arc::default(),
        down: Arc::default(),
    }
}

type WorkRequest = fn(u32, ReplyTo<Result<(usize, u32), String>>) -> WorkerMessage;

fn work_request() -> WorkRequest {
    |n, reply_to| WorkerMessage::Work { n, reply_to }
}

#[tokio::test(start_paused = true)]
async fn a_call_service_answers_and_reports_its_load() {
    let client = worker(Duration::from_millis(10)).start().await.unwrap();
    let mut service = CallService::new(&client, work_request());
    let answer = service.ready().await.unwrap().call(1).await.unwrap();
    assert_eq!(answer, Ok((0, 2)));

    // A deferred reply is a call like any other.
    let mut respond = CallService::new(&client, |(), reply| WorkerMessage::Respond { reply });
    assert_eq!(respond.ready().await.unwrap().call(()).await.unwrap(), 7);

    // Three calls held: the load says so.
    let mut pending = Vec::new();
    for n in 0..3 {
        let mut service = service.clone();
        pending.push(tokio::spawn(async move {
            service.ready().await.unwrap().call(n).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(service.load(), 3);
    for call in pending {
        assert!(call.await.unwrap().unwrap().is_ok());
    }
    assert_eq!(service.load(), 0);
}

#[tokio::test(start_paused = true)]
async fn poll_ready_holds_the_caller_back_while_the_mailbox_is_full() {
    let options = Options::default().mailbox_capacity(NonZeroUsize::new(1).unwrap());
    let client = worker(Duration::from_millis(100))
        .start_with(options)
        .await
        .unwrap();
    let mut first = CallService::new(&client, work_request());
    let mut second = first.clone();
    let mut third = first.clone();

    // The first is handled; the second fills the mailbox's one place.
    let handled = first.ready().await.unwrap().call(1);
    let handled = tokio::spawn(handled);
    tokio::time::sleep(Duration::from_millis(1)).await;
    let queued = tokio::spawn(second.ready().await.unwrap().call(2));
    tokio::time::sleep(Duration::from_millis(1)).await;

    // No place: not ready, and no request queued past the bound.
    assert!(matches!(futures_poll(&mut third), Poll::Pending));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), third.ready())
            .await
            .is_err()
    );
    // The first answered, the second taken: a place again.
    let ready_at = tokio::time::Instant::now();
    third.ready().await.unwrap();
    assert!(ready_at.elapsed() <= Duration::from_millis(50));
    assert_eq!(handled.await.unwrap().unwrap(), Ok((0, 2)));
    assert_eq!(third.call(3).await.unwrap(), Ok((0, 4)));
    assert_eq!(queued.await.unwrap().unwrap(), Ok((0, 3)));

    // A stopped connection: `poll_ready` says so.
    client.stop(connection::Stop::Normal).await.unwrap();
    let error = third.ready().await.unwrap_err();
    assert!(matches!(error, CallError::Stopped(_)), "{error:?}");
}

/// Polls `poll_ready` once.
fn futures_poll<S: Service<u32>>(service: &mut S) -> Poll<Result<(), S::Error>> {
    let waker = std::task::Waker::noop();
    service.poll_ready(&mut std::task::Context::from_waker(waker))
}

/// Retries a failed answer (the handler's own `Err`) up to `left` times.
#[derive(Clone)]
struct Retries(usize);

impl<E> tower::retry::Policy<u32, Result<(usize, u32), String>, E> for Retries {
    type Future = std::future::Ready<()>;

    fn retry(
        &mut self,
        _request: &mut u32,
        result: &mut Result<Result<(usize, u32), String>, E>,
    ) -> Option<Self::Future> {
        match result {
            Ok(Err(_)) if self.0 > 0 => {
                self.0 -= 1;
                Some(std::future::ready(()))
            }
            _ => None,
        }
    }

    fn clone_request(&mut self, request: &u32) -> Option<u32> {
        Some(*request)
    }
}

#[tokio::test(start_paused = true)]
async fn the_services_compose_with_towers_timeout_limit_and_retry() {
    let flaky = worker(Duration::from_millis(10));
    flaky.failures.store(2, Ordering::SeqCst);
    let client = flaky.start().await.unwrap();
    let mut service = ServiceBuilder::new()
        .timeout(Duration::from_millis(500))
        .retry(Retries(3))
        .concurrency_limit(2)
        .service(CallService::new(&client, work_request()));

    // Failed twice, retried, answered.
    let answer = service.ready().await.unwrap().call(41).await.unwrap();
    assert_eq!(answer, Ok((0, 42)));

    // At most two in the connection at once: the third waits in the limit.
    // (Asking for the load once starts its publishing.)
    assert_eq!(client.as_ref().load(), 0);
    let mut calls = Vec::new();
    for n in 0..3 {
        let mut service = service.clone();
        calls.push(tokio::spawn(
            async move { service.ready().await?.call(n).await },
        ));
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(client.as_ref().load(), 2);
    for call in calls {
        assert!(call.await.unwrap().is_ok());
    }

    // A call slower than the timeout layer's bound.
    let slow = worker(Duration::from_secs(2)).start().await.unwrap();
    let mut bounded = ServiceBuilder::new()
        .timeout(Duration::from_millis(500))
        .service(CallService::new(&slow, work_request()));
    let error: BoxError = bounded.ready().await.unwrap().call(1).await.unwrap_err();
    assert!(error.is::<tower::timeout::error::Elapsed>(), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_pool_service_sends_to_connected_members_and_says_why_when_none_is() {
    let down = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let pool = Pool::builder(3, {
        let (down, next) = (down.clone(), next.clone());
        move || Worker {
            id: next.fetch_add(1, Ordering::SeqCst),
            delay: Duration::from_millis(1),
            failures: Arc::default(),
            down: down.clone(),
        }
    })
    .min_connected(3)
    .wait(Duration::from_millis(300))
    .start()
    .await
    .unwrap();
    let mut service = connection::service::PoolService::new(&pool, work_request());
    let mut members = std::collections::HashSet::new();
    for n in 0..60 {
        let (member, answer) = service
            .ready()
            .await
            .unwrap()
            .call(n)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer, n + 1);
        members.insert(member);
    }
    assert_eq!(members.len(), 3, "every member took requests");
    assert_eq!(service.load(), 0);

    // Every member down: `poll_ready` waits the pool's wait, then says why.
    down.store(true, Ordering::SeqCst);
    let mut leases = Vec::new();
    for _ in 0..3 {
        let lease = pool.lease().await.unwrap();
        lease.drop_link().await.unwrap();
        leases.push(lease);
    }
    drop(leases);
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.stats().connected, 0);
    let started = tokio::time::Instant::now();
    let error = service.ready().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    let PoolCallError::Pool(PoolError::NoneConnected { cause, .. }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(cause.as_ref().unwrap().to_string(), "worker unreachable");
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_pool_service_call_counts_against_the_members_cap_until_answered() {
    let pool = Pool::builder(1, || worker(Duration::from_millis(10)))
        .concurrency_per_member(1)
        .start()
        .await
        .unwrap();
    let mut first = connection::service::PoolService::new(&pool, work_request());
    let mut second = first.clone();
    let call = first.ready().await.unwrap().call(1);
    let answered = tokio::spawn(call);
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.stats().each[0].in_progress, 1);
    // The mailbox has room, but the member is at its cap until the call
    // is answered.
    assert!(futures_poll(&mut second).is_pending());
    assert_eq!(answered.await.unwrap().unwrap(), Ok((0, 2)));
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert!(matches!(futures_poll(&mut second), Poll::Ready(Ok(()))));
    assert_eq!(second.call(2).await.unwrap(), Ok((0, 3)));
    assert_eq!(pool.stats().each[0].in_progress, 0);
    pool.stop().await;
}
