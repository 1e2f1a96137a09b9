//! Backoff policies: how long to wait before the next connect attempt.
//!
//! The original leaves the delay to each `connect`; its companion DBConnection
//! ships `exp`, `rand` and `rand_exp` (decorrelated jitter). These are those,
//! plus any iterator of delays, so that crates such as `backon` plug in.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// Makes a connection's backoff policy: called once per connection (and
/// per incarnation), so that jittered delays differ between connections.
pub(crate) type BackoffFactory = Arc<dyn Fn() -> Backoff + Send + Sync>;
/// A backoff policy and its position in its sequence of delays.
///
/// The runtime keeps one per connection ([`Options::backoff`](crate::Options::backoff)),
/// hands out its next delay through [`Context::backoff`](crate::Context::backoff)
/// and resets it after every successful connect.
///
/// ```
/// use connection::Backoff;
/// use std::time::Duration;
///
/// let ms = Duration::from_millis;
/// let mut backoff = Backoff::exp(ms(100), ms(1000))?;
/// let delays: Vec<_> = backoff.by_ref().take(6).collect();
/// assert_eq!(delays, [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
/// backoff.reset();
/// assert_eq!(backoff.next_delay(), Some(ms(100)));
/// # Ok::<(), connection::InvalidBackoff>(())
/// ```
pub struct Backoff {
    policy: Policy,
    rng: SplitMix64,
}

enum Policy {
    Exp {
        min: Duration,
        max: Duration,
        next: Duration,
    },
    Rand {
        min: Duration,
        max: Duration,
    },
    RandExp {
        min: Duration,
        max: Duration,
        /// `max(min, max / 3)`: once the delays reach it they stay in
        /// `[lower, max]`.
        lower: Duration,
        prev: Duration,
    },
    Custom {
        restart: Box<dyn FnMut() -> Box<dyn Iterator<Item = Duration> + Send> + Send>,
        delays: Box<dyn Iterator<Item = Duration> + Send>,
    },
}

/// Why a backoff could not be built: its minimum is above its maximum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidBackoff {
    /// The minimum given.
    pub min: Duration,
    /// The maximum given.
    pub max: Duration,
}

impl fmt::Display for InvalidBackoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "backoff minimum {:?} is above its maximum {:?}",
            self.min, self.max
        )
    }
}

impl std::error::Error for InvalidBackoff {}

impl Backoff {
    /// The default minimum delay: 1 second.
    pub const DEFAULT_MIN: Duration = Duration::from_secs(1);
    /// The default maximum delay: 30 seconds.
    pub const DEFAULT_MAX: Duration = Duration::from_secs(30);

    /// `min`, then doubling, capped at `max`: `min, 2·min, 4·min, .., max, max`.
    ///
    /// # Errors
    ///
    /// When `min > max`.
    pub fn exp(min: Duration, max: Duration) -> Result<Self, InvalidBackoff> {
        check(min, max)?;
        Ok(Self::new(Policy::Exp {
            min,
            max,
            next: min,
        }))
    }

    /// Uniform in `[min, max]` every time.
    ///
    /// # Errors
    ///
    /// When `min > max`.
    pub fn rand(min: Duration, max: Duration) -> Result<Self, InvalidBackoff> {
        check(min, max)?;
        Ok(Self::new(Policy::Rand { min, max }))
    }

    /// Decorrelated jitter, as DBConnection does it: each delay is uniform in
    /// `[min(prev, lower), min(3·prev, max)]` with `lower = max(min, max / 3)`.
    /// The first is in `[min, min(3·min, max)]`; the delays grow by about ×1
    /// to ×3 a step, then stay in `[max / 3, max]`.
    ///
    /// # Errors
    ///
    /// When `min > max`.
    pub fn rand_exp(min: Duration, max: Duration) -> Result<Self, InvalidBackoff> {
        check(min, max)?;
        Ok(Self::new(Policy::RandExp {
            min,
            max,
            lower: min.max(max / 3),
            prev: min,
        }))
    }

    /// Any sequence of delays: `delays` is called for a fresh sequence at the
    /// start and on every reset. When the sequence ends, `next_delay` returns
    /// `None`: give up.
    ///
    /// ```
    /// use connection::Backoff;
    /// use std::time::Duration;
    ///
    /// // Three tries a second apart, then give up.
    /// let mut backoff = Backoff::from_fn(|| std::iter::repeat(Duration::from_secs(1)).take(3));
    /// assert_eq!(backoff.by_ref().count(), 3);
    /// assert_eq!(backoff.next_delay(), None);
    /// ```
    pub fn from_fn<I>(mut delays: impl FnMut() -> I + Send + 'static) -> Self
    where
        I: IntoIterator<Item = Duration>,
        I::IntoIter: Send + 'static,
    {
        let mut restart =
            move || -> Box<dyn Iterator<Item = Duration> + Send> { Box::new(delays().into_iter()) };
        let first = restart();
        Self::new(Policy::Custom {
            restart: Box::new(restart),
            delays: first,
        })
    }

    /// The same policy with a fixed random seed, so that the jittered
    /// strategies give the same delays every run (for tests).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = SplitMix64(seed);
        self
    }

    /// The next delay; `None` only when a [`from_fn`](Backoff::from_fn)
    /// sequence has ended.
    pub fn next_delay(&mut self) -> Option<Duration> {
        let delay = match &mut self.policy {
            Policy::Exp { max, next, .. } => {
                let delay = *next;
                *next = next.saturating_mul(2).min(*max);
                delay
            }
            Policy::Rand { min, max } => self.rng.between(*min, *max),
            Policy::RandExp {
                max, lower, prev, ..
            } => {
                let low = (*prev).min(*lower);
                let high = prev.saturating_mul(3).min(*max);
                *prev = self.rng.between(low, high);
                *prev
            }
            Policy::Custom { delays, .. } => return delays.next(),
        };
        Some(delay)
    }

    /// Starts the sequence again (the runtime does this after every
    /// successful connect).
    pub fn reset(&mut self) {
        match &mut self.policy {
            Policy::Exp { min, next, .. } => *next = *min,
            Policy::Rand { .. } => {}
            Policy::RandExp { min, prev, .. } => *prev = *min,
            Policy::Custom { restart, delays } => *delays = restart(),
        }
    }

    fn new(policy: Policy) -> Self {
        Backoff {
            policy,
            rng: SplitMix64::from_entropy(),
        }
    }
}

impl Default for Backoff {
    /// `rand_exp` from 1 s to 30 s, DBConnection's default.
    fn default() -> Self {
        Self::new(Policy::RandExp {
            min: Self::DEFAULT_MIN,
            max: Self::DEFAULT_MAX,
            lower: Self::DEFAULT_MAX / 3,
            prev: Self::DEFAULT_MIN,
        })
    }
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.next_delay()
    }
}

impl fmt::Debug for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (strategy, min, max) = match &self.policy {
            Policy::Exp { min, max, .. } => ("exp", Some(min), Some(max)),
            Policy::Rand { min, max } => ("rand", Some(min), Some(max)),
            Policy::RandExp { min, max, .. } => ("rand_exp", Some(min), Some(max)),
            Policy::Custom { .. } => ("custom", None, None),
        };
        f.debug_struct("Backoff")
            .field("strategy", &strategy)
            .field("min", &min)
            .field("max", &max)
            .finish_non_exhaustive()
    }
}

fn check(min: Duration, max: Duration) -> Result<(), InvalidBackoff> {
    if min > max {
        return Err(InvalidBackoff { min, max });
    }
    Ok(())
}

/// A small, fast generator (Steele, Lea and Flood's SplitMix64): jitter needs
/// spread, not cryptographic strength, and this keeps the crate free of a
/// random-number dependency.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn from_entropy() -> Self {
        // `RandomState` is seeded by the OS once per process and varied per
        // instance: enough to decorrelate connections.
        SplitMix64(RandomState::new().build_hasher().finish())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[low, high]`, both ends included, at nanosecond grain.
    fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let low_ns = low.as_nanos();
        let span = high.as_nanos().saturating_sub(low_ns).saturating_add(1);
        let offset = match u64::try_from(span) {
            // Multiply-shift maps 64 random bits onto the span; the bias is
            // at most span / 2^64 of a nanosecond.
            Ok(span) => (u128::from(self.next_u64()) * u128::from(span)) >> 64,
            // Spans past 2^64 ns (585 years) take 128 random bits; the
            // modulo bias is below 2^-30.
            Err(_) => ((u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())) % span,
        };
        let nanos = low_ns.saturating_add(offset);
        Duration::new(
            u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX),
            u32::try_from(nanos % 1_000_000_000).unwrap_or(0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn min_above_max_is_an_error_value() {
        let error = Backoff::rand_exp(MS(10), MS(5)).unwrap_err();
        assert_eq!(
            error,
            InvalidBackoff {
                min: MS(10),
                max: MS(5)
            }
        );
        assert_eq!(
            error.to_string(),
            "backoff minimum 10ms is above its maximum 5ms"
        );
        assert!(Backoff::exp(MS(10), MS(5)).is_err());
        assert!(Backoff::rand(MS(10), MS(5)).is_err());
    }

    #[test]
    fn the_default_is_rand_exp_from_one_to_thirty_seconds() {
        let backoff = Backoff::default();
        assert_eq!(
            format!("{backoff:?}"),
            "Backoff { strategy: \"rand_exp\", min: Some(1s), max: Some(30s), .. }"
        );
        let first = Backoff::default().with_seed(1).next_delay().unwrap();
        assert!((Duration::from_secs(1)..=Duration::from_secs(3)).contains(&first));
    }

    #[test]
    fn rand_spreads_its_delays() {
        let delays: Vec<_> = Backoff::rand(MS(0), MS(1000))
            .unwrap()
            .with_seed(7)
            .take(100)
            .collect();
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 90, "{distinct:?}");
    }

    #[test]
    fn a_seed_makes_the_jitter_repeatable() {
        let a: Vec<_> = Backoff::default().with_seed(42).take(20).collect();
        let b: Vec<_> = Backoff::default().with_seed(42).take(20).collect();
        let c: Vec<_> = Backoff::default().with_seed(43).take(20).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn a_custom_sequence_restarts_on_reset() {
        let mut backoff = Backoff::from_fn(|| [MS(1), MS(2)]);
        assert_eq!(backoff.by_ref().collect::<Vec<_>>(), [MS(1), MS(2)]);
        assert_eq!(backoff.next_delay(), None);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Some(MS(1)));
    }

    #[test]
    fn between_covers_both_ends_of_a_tiny_span() {
        let mut rng = SplitMix64(3);
        let seen: std::collections::BTreeSet<_> = (0..200)
            .map(|_| rng.between(Duration::from_nanos(5), Duration::from_nanos(6)))
            .collect();
        assert_eq!(seen.len(), 2);
        assert_eq!(rng.between(MS(4), MS(4)), MS(4));
        let huge = rng.between(Duration::ZERO, Duration::MAX);
        assert!(huge <= Duration::MAX);
    }
}
