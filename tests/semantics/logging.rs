//! The logging rule (§7.5): `Normal` and `Shutdown` stops are quiet; every
//! other stop is logged at error level.

use std::fmt::{Debug, Write};
use std::sync::{Arc, Mutex};

use connection::Stop;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::probe::{Action, Log, Probe};

/// Records every event's level and fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(Level, String)>>>);

impl Capture {
    fn errors(&self) -> Vec<String> {
        let events = self.0.lock().unwrap();
        events
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
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Stops a probe through a cast requesting `action` and returns the error
/// events logged meanwhile. The runtime is current-thread, so the
/// thread-local subscriber sees the connection task's events.
async fn errors_logged_stopping_with(action: Action) -> Vec<String> {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
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
