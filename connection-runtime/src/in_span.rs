//! Running a connection's task inside its tracing span, for a pointer's
//! worth of memory.
//!
//! `tracing::Instrumented` keeps the `Span` inline: 40 bytes in every
//! connection's task, even when no subscriber records the span. This keeps
//! the span boxed, and no span at all when it is disabled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Span;

pin_project_lite::pin_project! {
    /// The future of [`in_span`].
    pub(crate) struct InSpan<F> {
        span: Option<Box<Span>>,
        // Taken (and dropped) inside the span when this is dropped, as
        // `Instrumented` does: what the future logs as it is dropped belongs
        // to the connection. `None` only then.
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for InSpan<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            let _entered = this.span.as_deref().map(Span::enter);
            this.future.set(None);
        }
    }
}

/// Polls (and drops) `future` inside `span`.
pub(crate) fn in_span<F: Future>(future: F, span: Span) -> InSpan<F> {
    InSpan {
        span: (!span.is_disabled()).then(|| Box::new(span)),
        future: Some(future),
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.as_deref().map(Span::enter);
        match this.future.as_pin_mut() {
            Some(future) => future.poll(cx),
            None => unreachable!("the future is taken only when this is dropped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing::subscriber::with_default;

    /// Runs `body` under a subscriber that records, for each event, the name
    /// of the span it happened in.
    fn recorded<F: FnOnce()>(body: F) -> Vec<Option<String>> {
        let names = Arc::new(Mutex::new(Vec::new()));
        with_default(recorder::Recorder(names.clone()), body);
        names.lock().unwrap().clone()
    }

    /// A minimal subscriber: spans are numbered by creation, and each event
    /// records the name of the innermost entered span.
    mod recorder {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::{Arc, Mutex};
        use tracing::span::{Attributes, Id, Record};
        use tracing::{Event, Metadata, Subscriber};

        pub(super) struct Recorder(pub(super) Arc<Mutex<Vec<Option<String>>>>);

        static NEXT: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static NAMES: std::cell::RefCell<Vec<(u64, &'static str)>> =
                const { std::cell::RefCell::new(Vec::new()) };
            static STACK: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
        }

        impl Subscriber for Recorder {
            fn enabled(&self, _: &Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, span: &Attributes<'_>) -> Id {
                let id = NEXT.fetch_add(1, Ordering::Relaxed);
                NAMES.with(|names| names.borrow_mut().push((id, span.metadata().name())));
                Id::from_u64(id)
            }
            fn record(&self, _: &Id, _: &Record<'_>) {}
            fn record_follows_from(&self, _: &Id, _: &Id) {}
            fn event(&self, _: &Event<'_>) {
                let current = STACK.with(|stack| stack.borrow().last().copied());
                let name = current.and_then(|id| {
                    NAMES.with(|names| {
                        names
                            .borrow()
                            .iter()
                            .find(|(known, _)| *known == id)
                            .map(|(_, name)| (*name).to_owned())
                    })
                });
                self.0.lock().unwrap().push(name);
            }
            fn enter(&self, span: &Id) {
                STACK.with(|stack| stack.borrow_mut().push(span.into_u64()));
            }
            fn exit(&self, _: &Id) {
                STACK.with(|stack| stack.borrow_mut().pop());
            }
        }
    }

    /// Logs when dropped.
    struct LogsOnDrop;

    impl Drop for LogsOnDrop {
        fn drop(&mut self) {
            tracing::info!("dropped");
        }
    }

    #[test]
    fn polls_and_drops_inside_the_span() {
        let names = recorded(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            runtime.block_on(async {
                let guard = LogsOnDrop;
                let future = in_span(
                    async move {
                        tracing::info!("polled");
                        std::future::pending::<()>().await;
                        drop(guard);
                    },
                    tracing::info_span!("connection"),
                );
                let mut future = Box::pin(future);
                assert!(poll_once(future.as_mut()).is_pending());
                tracing::info!("outside");
                drop(future);
            });
        });
        let names: Vec<_> = names.iter().map(Option::as_deref).collect();
        assert_eq!(names, [Some("connection"), None, Some("connection")]);
    }

    #[test]
    fn a_disabled_span_is_not_kept() {
        let future = in_span(async {}, Span::none());
        assert!(future.span.is_none());
    }

    fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
        let waker = std::task::Waker::noop();
        future.poll(&mut Context::from_waker(waker))
    }
}
