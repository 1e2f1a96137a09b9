//! `#[call(spawn)]`: the handler runs on the connection and returns a
//! future, which runs on a task of its own and answers the call; the
//! connection takes its next request meanwhile, and counts the request in
//! its load until answered.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use connection::{Attempt, CallError, Client, Connect, Disconnect, Stop, connection};
use tokio::time::Instant;

/// Answers after a delay, from a task; counts the handler's runs.
struct Spawner {
    handled: u32,
}

#[derive(Debug)]
enum Refused {
    Odd(u64),
    Call(CallError),
}

impl From<CallError> for Refused {
    fn from(error: CallError) -> Self {
        Refused::Call(error)
    }
}

#[connection]
impl Spawner {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Which run of the handler this was, answered `after` later.
    #[call(spawn)]
    async fn slow(&mut self, after: Duration) -> impl Future<Output = u32> + Send + 'static {
        self.handled += 1;
        let run = self.handled;
        async move {
            tokio::time::sleep(after).await;
            run
        }
    }

    /// `n` if even, the handler's own error if odd.
    #[call(spawn, flatten)]
    async fn even(
        &mut self,
        n: u64,
    ) -> impl Future<Output = Result<u64, Refused>> + Send + 'static {
        async move {
            tokio::task::yield_now().await;
            if n.is_multiple_of(2) {
                Ok(n)
            } else {
                Err(Refused::Odd(n))
            }
        }
    }

    /// An answer whose task panics.
    #[call(spawn)]
    async fn broken(&mut self) -> impl Future<Output = u32> + Send + 'static {
        async { panic!("the answer's task failed") }
    }

    /// An answer whose task panics after its first wait (the one above
    /// panics in the poll the connection gives it first).
    #[call(spawn)]
    async fn broken_later(&mut self) -> impl Future<Output = u32> + Send + 'static {
        async {
            tokio::task::yield_now().await;
            panic!("the answer's task failed later")
        }
    }

    /// Raises `sent` before its first wait (as a statement handed to a
    /// driver), answers after `after`.
    #[call(spawn)]
    async fn send_then_wait(
        &mut self,
        sent: Arc<AtomicBool>,
        after: Duration,
    ) -> impl Future<Output = ()> + Send + 'static {
        async move {
            sent.store(true, Ordering::SeqCst);
            tokio::time::sleep(after).await;
        }
    }

    /// Asks its own connection, through `me`, how many handlers ran: from
    /// the answer, as from any task.
    #[call(spawn)]
    async fn ask_self(&mut self, me: SpawnerClient) -> impl Future<Output = u32> + Send + 'static {
        async move { me.handled().await.unwrap() }
    }

    /// The task its answer ran on, when the answer is ready at once.
    #[call(spawn)]
    async fn ready_at_once(
        &mut self,
    ) -> impl Future<Output = Option<tokio::task::Id>> + Send + 'static {
        async { tokio::task::try_id() }
    }

    /// The connection's own task.
    #[call]
    async fn own_task(&mut self) -> Option<tokio::task::Id> {
        tokio::task::try_id()
    }

    /// Whether `sent` was raised when this handler ran.
    #[call]
    async fn saw(&mut self, sent: Arc<AtomicBool>) -> bool {
        sent.load(Ordering::SeqCst)
    }

    /// The same by hand: a deferred reply handed to a task that panics.
    #[call]
    async fn broken_by_hand(&mut self, reply: connection::ReplyTo<u32>) {
        tokio::spawn(async move {
            let _reply = reply;
            panic!("the task holding the reply failed");
        });
    }

    #[call]
    async fn handled(&mut self) -> u32 {
        self.handled
    }
}

#[tokio::test(start_paused = true)]
async fn the_connection_takes_the_next_request_while_a_spawned_answer_runs() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    let generic: &Client<Spawner> = client.as_ref();
    // The connection counts its load once someone has asked.
    assert_eq!(generic.load(), 0);
    let started = Instant::now();
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.slow(Duration::from_millis(100)).await }
    });
    tokio::time::sleep(Duration::from_millis(1)).await;
    // The handler ran; its answer has not come yet, and counts in the load.
    assert_eq!(client.handled().await.unwrap(), 1);
    assert_eq!(started.elapsed(), Duration::from_millis(1));
    assert!(!slow.is_finished());
    assert_eq!(generic.load(), 1);

    assert_eq!(slow.await.unwrap().unwrap(), 1);
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(generic.load(), 0);
}

#[tokio::test(start_paused = true)]
async fn handlers_run_in_order_and_answers_come_as_their_tasks_end() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    // Sent in order with delays 30, 20, 10 ms: each handler runs in the
    // order sent (its run number), each answer when its own task ends.
    let calls: Vec<_> = [30, 20, 10]
        .into_iter()
        .map(|ms| {
            let client = client.clone();
            tokio::spawn(async move {
                let run = client.slow(Duration::from_millis(ms)).await.unwrap();
                (run, Instant::now())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    let runs: Vec<u32> = answers.iter().map(|(run, _)| *run).collect();
    assert_eq!(runs, [1, 2, 3]);
    assert!(answers[2].1 < answers[1].1 && answers[1].1 < answers[0].1);
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_gives_up_times_out_and_the_late_answer_is_dropped() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    let generic: &Client<Spawner> = client.as_ref();
    // The connection counts its load once someone has asked.
    assert_eq!(generic.load(), 0);
    let impatient = client.with_timeout(Duration::from_millis(10));
    assert!(matches!(
        impatient.slow(Duration::from_millis(100)).await,
        Err(CallError::Timeout)
    ));
    // Still counted until its task ends, which answers no one.
    assert_eq!(generic.load(), 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(generic.load(), 0);
    assert_eq!(client.slow(Duration::ZERO).await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn flatten_gives_the_spawned_answer_and_a_failed_call_as_the_handlers_error() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    assert!(matches!(client.even(4).await, Ok(4)));
    assert!(matches!(client.even(5).await, Err(Refused::Odd(5))));
    client.stop(Stop::Normal).await.unwrap();
    assert!(matches!(
        client.even(2).await,
        Err(Refused::Call(CallError::Stopped(_)))
    ));
}

#[tokio::test(start_paused = true)]
async fn an_answer_whose_task_panics_is_no_reply_and_the_connection_goes_on() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    // The panic stops nothing: the caller is told at once, not left waiting
    // for a stop's reason.
    assert!(matches!(client.broken().await, Err(CallError::NoReply)));
    assert!(matches!(
        client.without_timeout().broken_by_hand().await,
        Err(CallError::NoReply)
    ));
    assert!(matches!(
        client.broken_later().await,
        Err(CallError::NoReply)
    ));
    assert!(client.is_alive());
    assert_eq!(client.slow(Duration::ZERO).await.unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn what_an_answer_does_before_its_first_wait_is_done_before_the_next_request() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    let sent = Arc::new(AtomicBool::new(false));
    let answered = tokio::spawn({
        let (client, sent) = (client.clone(), sent.clone());
        async move { client.send_then_wait(sent, Duration::from_millis(50)).await }
    });
    let next = tokio::spawn({
        let (client, sent) = (client.clone(), sent.clone());
        async move { client.saw(sent).await }
    });
    // Polled once on the connection as its handler returned it: its
    // statement is out before the next request is handled, in their order.
    assert!(next.await.unwrap().unwrap(), "the next request came first");
    assert!(!answered.is_finished());
    answered.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_answer_may_call_its_own_connection() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    assert_eq!(client.ask_self(client.clone()).await.unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn an_answer_ready_at_its_first_poll_needs_no_task_of_its_own() {
    let client = Spawner { handled: 0 }.start().await.unwrap();
    let own = client.own_task().await.unwrap();
    assert!(own.is_some());
    assert_eq!(client.ready_at_once().await.unwrap(), own);
}
