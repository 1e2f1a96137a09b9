//! Properties of every backoff strategy over random bounds, a million steps
//! each: never above the maximum, never below the minimum, no panic, no
//! overflow; `exp` reaches its maximum and stays; a reset starts over.

use std::time::Duration;

use connection::Backoff;
use proptest::prelude::*;

const STEPS: usize = 1_000_000;

/// Bounds from a nanosecond to centuries, up to `Duration::MAX` itself.
fn bounds() -> impl Strategy<Value = (Duration, Duration)> {
    let any_duration = prop_oneof![
        (0..1_000_000_000_000u64).prop_map(Duration::from_nanos),
        any::<u64>().prop_map(Duration::from_secs),
        Just(Duration::MAX),
        Just(Duration::ZERO),
    ];
    (any_duration.clone(), any_duration).prop_map(|(a, b)| (a.min(b), a.max(b)))
}

fn strategies(min: Duration, max: Duration, seed: u64) -> [(&'static str, Backoff); 3] {
    [
        ("exp", Backoff::exp(min, max).unwrap().with_seed(seed)),
        ("rand", Backoff::rand(min, max).unwrap().with_seed(seed)),
        (
            "rand_exp",
            Backoff::rand_exp(min, max).unwrap().with_seed(seed),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn every_delay_stays_within_the_bounds((min, max) in bounds(), seed in any::<u64>()) {
        for (name, mut backoff) in strategies(min, max, seed) {
            for step in 0..STEPS {
                let delay = backoff.next_delay().unwrap();
                prop_assert!(delay >= min && delay <= max, "{name} step {step}: {delay:?} outside [{min:?}, {max:?}]");
            }
        }
    }

    #[test]
    fn exp_doubles_up_to_the_maximum_and_stays((min, max) in bounds()) {
        let mut backoff = Backoff::exp(min, max).unwrap();
        let mut expected = min;
        for _ in 0..200 {
            prop_assert_eq!(backoff.next_delay(), Some(expected));
            expected = expected.saturating_mul(2).min(max);
        }
        // 200 doublings pass any `Duration`: from here on it is the maximum,
        // unless the minimum is zero and it never grows.
        let settled = if min.is_zero() { Duration::ZERO } else { max };
        for _ in 0..1000 {
            prop_assert_eq!(backoff.next_delay(), Some(settled));
        }
    }

    #[test]
    fn rand_exp_never_falls_below_the_previous_delay_until_max_over_three((min, max) in bounds(), seed in any::<u64>()) {
        let lower = min.max(max / 3);
        let mut backoff = Backoff::rand_exp(min, max).unwrap().with_seed(seed);
        let mut prev = min;
        for _ in 0..10_000 {
            let delay = backoff.next_delay().unwrap();
            prop_assert!(delay >= prev.min(lower), "{delay:?} after {prev:?}");
            prop_assert!(delay <= prev.saturating_mul(3).min(max));
            prev = delay;
        }
    }

    #[test]
    fn a_reset_starts_the_sequence_over((min, max) in bounds(), seed in any::<u64>(), steps in 1..100usize) {
        for (name, mut backoff) in strategies(min, max, seed) {
            for _ in 0..steps {
                backoff.next_delay();
            }
            backoff.reset();
            let first = backoff.next_delay().unwrap();
            let ceiling = match name {
                "exp" => min,
                "rand" => max,
                _ => min.saturating_mul(3).min(max),
            };
            prop_assert!(first >= min && first <= ceiling, "{name}: {first:?} not in [{min:?}, {ceiling:?}]");
        }
    }
}
