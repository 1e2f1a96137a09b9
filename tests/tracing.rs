//! The logging rule (§7.5): `Normal` and `Shutdown` stops are quiet; every
//! other stop is logged at error level. And the tracing a connection emits:
//! one span per connection, an event per lifecycle step.
//!
//! A binary of its own, with one global subscriber that routes each event to
//! the capture of the test thread it happens on (the tests run on tokio's
//! current-thread runtime, so a connection's task runs on its test's
//! thread). Thread-local `set_default` subscribers race with tracing's
//! callsite-interest cache when tests run in parallel.

use std::fmt::{Debug, Write};
use std::sync::{Arc, Mutex};

use connection::Stop;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

#[allow(dead_code, unreachable_pub)]
#[path = "semantics/probe.rs"]
mod probe;

use std::cell::RefCell;
use std::sync::Once;

use crate::probe::{Action, Log, Probe};

/// Records every event's level and fields, every span's name and fields,
/// and which span each event happened in.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

#[derive(Default)]
struct Captured {
    events: Vec<(Level, String)>,
    spans: Vec<String>,
    entered: Vec<u64>,
    events_in_spans: Vec<Option<u64>>,
}

impl Capture {
    fn errors(&self) -> Vec<String> {
        let captured = self.0.lock().unwrap();
        captured
            .events
            .iter()
            .filter(|(level, _)| *level == Level::ERROR)
            .map(|(_, fields)| fields.clone())
            .collect()
    }
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(format!("{} ", span.metadata().name()));
        span.record(&mut fields);
        let mut captured = self.0.lock().unwrap();
        captured.spans.push(fields.0);
        Id::from_u64(captured.spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let mut captured = self.0.lock().unwrap();
        let span = captured.entered.last().copied();
        captured.events.push((*event.metadata().level(), fields.0));
        captured.events_in_spans.push(span);
    }
    fn enter(&self, span: &Id) {
        self.0.lock().unwrap().entered.push(span.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.0.lock().unwrap().entered.pop();
    }
}

/// The global subscriber: forwards to the current thread's capture, if any.
struct Router;

thread_local! {
    static CURRENT: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

impl Router {
    fn with<R>(f: impl FnOnce(&Capture) -> R) -> Option<R> {
        CURRENT.with_borrow(|capture| capture.as_ref().map(f))
    }
}

impl Subscriber for Router {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        Router::with(|capture| capture.new_span(span)).unwrap_or_else(|| Id::from_u64(u64::MAX))
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        Router::with(|capture| capture.event(event));
    }
    fn enter(&self, span: &Id) {
        Router::with(|capture| capture.enter(span));
    }
    fn exit(&self, span: &Id) {
        Router::with(|capture| capture.exit(span));
    }
}

/// Captures what this thread emits until the guard is dropped.
fn capture() -> (Capture, impl Drop) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| tracing::subscriber::set_global_default(Router).unwrap());
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            CURRENT.set(None);
        }
    }
    let capture = Capture::default();
    CURRENT.set(Some(capture.clone()));
    (capture, Release)
}

/// Stops a probe through a cast requesting `action` and returns the error
/// events logged meanwhile. The runtime is current-thread, so the
/// thread-local subscriber sees the connection task's events.
async fn errors_logged_stopping_with(action: Action) -> Vec<String> {
    let (capture, _guard) = capture();
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.note("stop", action).await.unwrap();
    client.stopped().await;
    capture.errors()
}

#[tokio::test(start_paused = true)]
async fn a_normal_stop_is_not_logged_as_an_error() {
    assert_eq!(
        errors_logged_stopping_with(Action::Stop(Stop::Normal)).await,
        Vec::<String>::new()
    );
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_stop_is_not_logged_as_an_error() {
    let errors = errors_logged_stopping_with(Action::Stop(Stop::shutdown("bye"))).await;
    assert_eq!(errors, Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn an_error_stop_is_logged_at_error_level_with_its_reason() {
    let io = std::io::Error::other("reset by peer");
    let errors = errors_logged_stopping_with(Action::Stop(Stop::error(io))).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("error: reset by peer"), "{errors:?}");
    assert!(errors[0].contains("Probe"), "{errors:?}");
}

#[tokio::test(start_paused = true)]
async fn a_panic_stop_is_logged_at_error_level() {
    let errors = errors_logged_stopping_with(Action::Panic).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("panic: probe panicked on request"),
        "{errors:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn each_connection_has_a_span_and_an_event_per_lifecycle_step() {
    use connection::{Connect, Disconnect};
    use std::time::Duration;

    let (capture, _guard) = capture();
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_connects([Connect::Backoff(Duration::from_millis(100)), Connect::Ok])
        .with_disconnects([Disconnect::NoConnect]);
    let client = probe.start().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    client.stop(Stop::shutdown("done")).await.unwrap();

    let captured = capture.0.lock().unwrap();
    assert_eq!(captured.spans.len(), 1, "{:?}", captured.spans);
    let span = &captured.spans[0];
    assert!(span.starts_with("connection "), "{span}");
    assert!(span.contains("type=") && span.contains("Probe"), "{span}");
    assert!(span.contains("id="), "{span}");
    let messages: Vec<_> = captured
        .events
        .iter()
        .filter(|(level, _)| *level <= Level::DEBUG)
        .map(|(_, fields)| fields.as_str())
        .collect();
    let expected = [
        "connect attempt",
        "backoff",
        "connect attempt",
        "connected",
        "disconnect",
        "connection stopped",
    ];
    let mut found = messages.iter();
    for step in expected {
        assert!(
            found.any(|fields| fields.contains(step)),
            "no {step:?} in order in {messages:?}"
        );
    }
    assert!(
        messages
            .iter()
            .any(|fields| fields.contains("delay_ms=100")),
        "{messages:?}"
    );
    assert!(
        captured.events_in_spans.iter().all(Option::is_some),
        "every event happens inside the connection's span"
    );
}

/// The events captured so far, as `LEVEL fields`.
fn events(capture: &Capture) -> Vec<String> {
    capture
        .0
        .lock()
        .unwrap()
        .events
        .iter()
        .map(|(level, fields)| format!("{level} {fields}"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_request_event_names_its_variant_and_a_disconnect_its_reason() {
    let (capture, _guard) = capture();
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.note("x", Action::Nothing).await.unwrap();
    client
        .ask("drop", Action::Disconnect("peer closed"))
        .await
        .unwrap();
    client.stop(Stop::Normal).await.unwrap();
    let events = events(&capture);
    assert!(
        events.iter().any(|e| e.contains("request=\"Note\"")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("request=\"Ask\"")),
        "{events:?}"
    );
    let disconnect = events
        .iter()
        .find(|e| e.contains("message=disconnect"))
        .expect("a disconnect event");
    assert!(
        disconnect.contains(r#"reason="Plain(\"peer closed\")""#),
        "{disconnect}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_blocks_the_executor_is_reported() {
    let (capture, _guard) = capture();
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.ask("quick", Action::Nothing).await.unwrap();
    let quick = events(&capture);
    assert!(
        quick
            .iter()
            .any(|e| e.starts_with("TRACE") && e.contains("poll_us=")),
        "{quick:?}"
    );
    assert!(!quick.iter().any(|e| e.starts_with("WARN")), "{quick:?}");
    client
        .note("slow", Action::Block(std::time::Duration::from_millis(15)))
        .await
        .unwrap();
    client.stop(Stop::Normal).await.unwrap();
    let warnings: Vec<String> = events(&capture)
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("blocked the executor"), "{warnings:?}");
}

#[tokio::test(start_paused = true)]
async fn a_callback_that_waits_is_told_with_its_whole_duration() {
    let (capture, _guard) = capture();
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.ask("quick", Action::Nothing).await.unwrap();
    let waited = |events: &[String]| {
        events
            .iter()
            .filter(|e| e.contains("callback returned after waiting"))
            .count()
    };
    assert_eq!(waited(&events(&capture)), 0, "one poll: no wait to tell");
    client
        .ask("slow", Action::Sleep(std::time::Duration::from_millis(10)))
        .await
        .unwrap();
    let after = events(&capture);
    assert_eq!(waited(&after), 1, "{after:?}");
    assert!(after.iter().any(|e| e.contains("waited_us=")), "{after:?}");
}

#[tokio::test(start_paused = true)]
async fn a_pool_traces_members_down_slow_leases_and_exhaustion() {
    use connection::pool::Pool;
    use std::time::Duration;

    let (capture, _guard) = capture();
    let log = Log::default();
    let pool = Pool::builder(1, {
        let log = log.clone();
        move || Probe::new(&log).with_init(connection::Init::Ok)
    })
    .slow_lease(Duration::from_millis(50))
    .start()
    .await
    .unwrap();

    // Exhaustion: the only member leased, a request waits.
    let held = pool.lease().await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(10), pool.client()).await;
    assert!(waiting.is_err());
    // A lease that waits 100 ms for the member.
    let slow = tokio::spawn({
        let pool = pool.clone();
        async move { pool.lease().await.map(|lease| lease.member()) }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    assert_eq!(slow.await.unwrap().unwrap(), 0);

    // The member goes down: the reason is its disconnect's info.
    let member = pool.client().await.unwrap().client();
    member
        .ask("drop", Action::Disconnect("peer closed"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    pool.stop().await;

    let events = events(&capture);
    let has = |needle: &str| events.iter().any(|event| event.contains(needle));
    assert!(
        has("WARN message=no pool member connected and free: waiting"),
        "{events:?}"
    );
    let slow = events
        .iter()
        .find(|event| event.contains("message=slow pool lease"))
        .unwrap_or_else(|| panic!("no slow-lease event: {events:?}"));
    assert!(
        slow.starts_with("WARN") && slow.contains("waited=100"),
        "{slow}"
    );
    let down = events
        .iter()
        .find(|event| event.contains("message=pool member disconnected"))
        .unwrap_or_else(|| panic!("no member-down event: {events:?}"));
    assert!(
        down.starts_with("WARN") && down.contains("peer closed"),
        "{down}"
    );
    assert!(
        has("DEBUG message=pool member connected member=0"),
        "{events:?}"
    );
}
