//! Supervised restart (`supervise`): a new incarnation on the same mailbox,
//! restart kinds, the restart limit, and requests sent meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use connection::{
    Attempt, Backoff, CallError, Connect, Context, Disconnect, Init, Options, Restart,
    RestartPolicy, StartError, Stop, connection, supervise,
};
use tokio::time::{Instant, sleep};

use crate::probe::settle;

/// Each incarnation knows which it is; `init` fails from `fail_init_from` on.
struct Worker {
    generation: u32,
    fail_init_from: u32,
    terminated: Arc<AtomicU32>,
}

#[connection]
impl Worker {
    #[init]
    async fn init(&mut self) -> Init<()> {
        if self.generation >= self.fail_init_from {
            return Init::Stop(Stop::error(std::io::Error::other("init refused")));
        }
        Init::Connect(())
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Which incarnation answers.
    #[call]
    async fn generation(&mut self) -> u32 {
        self.generation
    }

    #[call]
    async fn crash(&mut self) -> u32 {
        panic!("crash in generation {}", self.generation)
    }

    #[cast]
    async fn crash_later(&mut self) {
        panic!("crash in generation {}", self.generation)
    }

    #[cast]
    async fn stop_with(&mut self, reason: Stop, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self) {
        self.terminated.fetch_add(1, Ordering::SeqCst);
    }
}

struct Fixture {
    client: WorkerClient,
    built: Arc<AtomicU32>,
    terminated: Arc<AtomicU32>,
}

async fn supervised(policy: RestartPolicy, fail_init_from: u32) -> Result<Fixture, StartError> {
    let built = Arc::new(AtomicU32::new(0));
    let terminated = Arc::new(AtomicU32::new(0));
    let factory = {
        let built = built.clone();
        let terminated = terminated.clone();
        move || Worker {
            generation: built.fetch_add(1, Ordering::SeqCst) + 1,
            fail_init_from,
            terminated: terminated.clone(),
        }
    };
    let client = supervise(factory, policy, Options::default()).await?;
    Ok(Fixture {
        client,
        built,
        terminated,
    })
}

fn quick(restart: Restart) -> RestartPolicy {
    RestartPolicy::new(restart).backoff(|| Backoff::exp(Duration::ZERO, Duration::ZERO).unwrap())
}

#[tokio::test(start_paused = true)]
async fn a_restarted_connection_answers_through_the_same_client() {
    let Fixture {
        client, terminated, ..
    } = supervised(quick(Restart::Transient), u32::MAX)
        .await
        .unwrap();
    assert_eq!(client.generation().await.unwrap(), 1);
    let error = client.crash().await.unwrap_err();
    assert!(
        matches!(&error, CallError::Stopped(Stop::Panic(m)) if m == "crash in generation 1"),
        "{error:?}"
    );
    assert_eq!(client.generation().await.unwrap(), 2);
    assert!(client.is_alive());
    assert_eq!(
        terminated.load(Ordering::SeqCst),
        1,
        "terminate ran for the first"
    );
}

#[tokio::test(start_paused = true)]
async fn requests_sent_during_a_restart_wait_for_the_new_incarnation() {
    let policy = RestartPolicy::default()
        .backoff(|| Backoff::exp(Duration::from_secs(1), Duration::from_secs(1)).unwrap());
    let Fixture { client, .. } = supervised(policy, u32::MAX).await.unwrap();
    client.crash_later().await.unwrap();
    settle().await;
    let sent = Instant::now();
    assert_eq!(client.generation().await.unwrap(), 2);
    assert_eq!(sent.elapsed(), Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_request_waiting_in_a_restart_still_times_out() {
    let policy = RestartPolicy::default()
        .backoff(|| Backoff::exp(Duration::from_secs(10), Duration::from_secs(10)).unwrap());
    let Fixture { client, .. } = supervised(policy, u32::MAX).await.unwrap();
    client.crash_later().await.unwrap();
    settle().await;
    let error = client
        .with_timeout(Duration::from_secs(1))
        .generation()
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    // A caller patient enough sees the new incarnation.
    let patient = client.with_timeout(Duration::from_secs(20));
    assert_eq!(patient.generation().await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn past_the_restart_limit_the_connection_stops_for_good() {
    let policy = quick(Restart::Transient).max_restarts(2, Duration::from_secs(10));
    let Fixture { client, built, .. } = supervised(policy, u32::MAX).await.unwrap();
    for _ in 0..3 {
        assert!(client.crash().await.is_err());
    }
    let reason = client.stopped().await;
    assert!(
        matches!(&reason, Stop::Panic(m) if m == "crash in generation 3"),
        "{reason:?}"
    );
    assert!(!client.is_alive());
    assert_eq!(built.load(Ordering::SeqCst), 3);
    let error = client.generation().await.unwrap_err();
    assert!(
        matches!(error, CallError::Stopped(Stop::Panic(_))),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn restarts_spread_out_in_time_stay_within_the_limit() {
    let policy = quick(Restart::Transient).max_restarts(1, Duration::from_secs(1));
    let Fixture { client, .. } = supervised(policy, u32::MAX).await.unwrap();
    for generation in 1..=4 {
        assert_eq!(client.generation().await.unwrap(), generation);
        assert!(client.crash().await.is_err());
        sleep(Duration::from_secs(2)).await;
    }
    assert!(client.is_alive());
}

#[tokio::test(start_paused = true)]
async fn transient_does_not_restart_after_a_quiet_stop() {
    let Fixture { client, built, .. } = supervised(quick(Restart::Transient), u32::MAX)
        .await
        .unwrap();
    client.stop_with(Stop::shutdown("done")).await.unwrap();
    assert!(matches!(client.stopped().await, Stop::Shutdown(_)));
    assert_eq!(built.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn transient_restarts_after_an_error_stop() {
    let Fixture { client, .. } = supervised(quick(Restart::Transient), u32::MAX)
        .await
        .unwrap();
    client
        .stop_with(Stop::error(std::io::Error::other("lost")))
        .await
        .unwrap();
    assert_eq!(client.generation().await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn permanent_restarts_after_a_quiet_stop_too() {
    let Fixture { client, .. } = supervised(quick(Restart::Permanent), u32::MAX)
        .await
        .unwrap();
    client.stop_with(Stop::Normal).await.unwrap();
    assert_eq!(client.generation().await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn temporary_never_restarts() {
    let Fixture { client, built, .. } = supervised(quick(Restart::Temporary), u32::MAX)
        .await
        .unwrap();
    assert!(client.crash().await.is_err());
    assert!(matches!(client.stopped().await, Stop::Panic(_)));
    assert_eq!(built.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stop_asked_by_a_client_is_final_even_when_permanent() {
    let Fixture {
        client,
        built,
        terminated,
    } = supervised(quick(Restart::Permanent), u32::MAX)
        .await
        .unwrap();
    client.stop(Stop::Normal).await.unwrap();
    assert!(!client.is_alive());
    assert_eq!(built.load(Ordering::SeqCst), 1);
    assert_eq!(terminated.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_every_client_is_final_even_when_permanent() {
    let Fixture {
        client,
        built,
        terminated,
    } = supervised(quick(Restart::Permanent), u32::MAX)
        .await
        .unwrap();
    drop(client);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(built.load(Ordering::SeqCst), 1);
    assert_eq!(terminated.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failing_first_init_fails_supervise() {
    let error = supervised(quick(Restart::Permanent), 1)
        .await
        .err()
        .unwrap();
    assert!(
        matches!(error, StartError::Stopped(Stop::Error(_))),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_init_that_fails_on_restart_counts_toward_the_limit() {
    let policy = quick(Restart::Transient).max_restarts(3, Duration::from_secs(10));
    let Fixture { client, built, .. } = supervised(policy, 2).await.unwrap();
    assert!(client.crash().await.is_err());
    let reason = client.stopped().await;
    assert_eq!(reason.to_string(), "error: init refused");
    // The first, then three restarts whose init failed.
    assert_eq!(built.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn no_new_incarnation_is_built_for_clients_that_left_during_the_wait() {
    let policy = RestartPolicy::default()
        .backoff(|| Backoff::exp(Duration::from_secs(1), Duration::from_secs(1)).unwrap());
    let Fixture {
        client,
        built,
        terminated,
    } = supervised(policy, u32::MAX).await.unwrap();
    client.crash_later().await.unwrap();
    settle().await;
    drop(client);
    sleep(Duration::from_secs(5)).await;
    assert_eq!(built.load(Ordering::SeqCst), 1);
    assert_eq!(terminated.load(Ordering::SeqCst), 1);
}
