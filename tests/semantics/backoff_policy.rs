//! The backoff policy (`Options::backoff`, `ctx.backoff()`): reached from the
//! callbacks, reset by the runtime after every successful connect, and
//! replaceable by any sequence of delays.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::{Attempt, Backoff, Connect, Context, Disconnect, Options, Stop, connection};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Fails its first `failures` connects with `ctx.backoff()`, recording when
/// each connect ran; a disconnect backs off with the policy too.
struct Retrying {
    started: Instant,
    failures: u32,
    attempts: Arc<Mutex<Vec<u128>>>,
}

#[connection]
impl Retrying {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.attempts
            .lock()
            .unwrap()
            .push(self.started.elapsed().as_millis());
        if self.failures == 0 {
            return Connect::Ok;
        }
        self.failures -= 1;
        match ctx.backoff() {
            Some(delay) => Connect::Backoff(delay),
            None => Connect::Stop(Stop::shutdown("gave up")),
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, failures: u32, ctx: &mut Context<Self>) -> Disconnect<()> {
        self.failures = failures;
        match ctx.backoff() {
            Some(delay) => Disconnect::Backoff(delay),
            None => Disconnect::Stop(Stop::shutdown("gave up")),
        }
    }

    /// Drops the link; the next `failures` connects fail.
    #[cast]
    async fn drop_link(&mut self, failures: u32, ctx: &mut Context<Self>) {
        ctx.disconnect(failures);
    }
}

async fn start(failures: u32, options: Options) -> (RetryingClient, Arc<Mutex<Vec<u128>>>) {
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let retrying = Retrying {
        started: Instant::now(),
        failures,
        attempts: attempts.clone(),
    };
    (retrying.start_with(options).await.unwrap(), attempts)
}

#[tokio::test(start_paused = true)]
async fn connect_retries_follow_the_policy_and_a_successful_connect_resets_it() {
    let options = Options::default().backoff(|| Backoff::exp(MS(100), MS(1_000)).unwrap());
    let (client, attempts) = start(3, options).await;
    sleep(MS(5_000)).await;
    // 0, then +100, +200, +400: connected.
    assert_eq!(*attempts.lock().unwrap(), [0, 100, 300, 700]);

    // Reset: the disconnect's backoff starts from the minimum again.
    client.drop_link(1).await.unwrap();
    sleep(MS(5_000)).await;
    assert_eq!(*attempts.lock().unwrap(), [0, 100, 300, 700, 5_100, 5_300]);
}

#[tokio::test(start_paused = true)]
async fn the_default_policy_is_rand_exp_from_one_to_thirty_seconds() {
    let (client, attempts) = start(20, Options::default()).await;
    sleep(Duration::from_secs(3_600)).await;
    let attempts = attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 21);
    for pair in attempts.windows(2) {
        let delay = pair[1] - pair[0];
        assert!(
            (1_000..=30_000).contains(&delay),
            "{delay} ms in {attempts:?}"
        );
    }
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_sequence_lets_the_connection_give_up() {
    let options = Options::default().backoff(|| Backoff::from_fn(|| [MS(10), MS(20)]));
    let (client, attempts) = start(5, options).await;
    let reason = client.stopped().await;
    assert!(
        matches!(&reason, Stop::Shutdown(Some(why)) if why == "gave up"),
        "{reason:?}"
    );
    assert_eq!(*attempts.lock().unwrap(), [0, 10, 30]);
}

#[tokio::test(start_paused = true)]
async fn a_backon_builder_plugs_in() {
    use backon::BackoffBuilder;

    let options = Options::default().backoff(|| {
        Backoff::from_fn(|| {
            backon::ConstantBuilder::default()
                .with_delay(MS(250))
                .with_max_times(2)
                .build()
        })
    });
    let (client, attempts) = start(10, options).await;
    assert!(matches!(client.stopped().await, Stop::Shutdown(_)));
    assert_eq!(*attempts.lock().unwrap(), [0, 250, 500]);
}

/// Refuses every connect with `ctx.backoff_or_stop`.
struct Refused;

#[connection]
impl Refused {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let _ = attempt;
        ctx.backoff_or_stop(format!("refused at {:?}", Instant::now()))
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_or_stop_backs_off_recording_the_failure_then_stops_with_it() {
    let options = Options::default().backoff(|| Backoff::from_fn(|| [MS(10), MS(20)]));
    let started = Instant::now();
    let client = Refused.start_with(options).await.unwrap();
    let generic: &connection::Client<Refused> = client.as_ref();
    sleep(MS(1)).await;
    let failure = generic.last_failure().expect("recorded while backing off");
    assert_eq!(failure.to_string(), format!("refused at {started:?}"));

    // The third attempt (at 30 ms) finds the policy spent: a stop with
    // that attempt's failure.
    let reason = client.stopped().await;
    let Stop::Error(error) = &reason else {
        panic!("{reason:?}");
    };
    assert_eq!(
        error.to_string(),
        format!("refused at {:?}", started + MS(30))
    );
}
