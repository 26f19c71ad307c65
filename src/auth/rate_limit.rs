//! Slowing down guessing: at most N failures per client in a sliding window. The failures
//! are stored (`db::attempts`) so that the limit holds across every app server on one
//! database; this is the rule that reads them.

use chrono::{NaiveDateTime, TimeDelta};

/// What was attempted: each kind has its own count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// A resident typing an access code.
    AccessCode,
    /// Staff signing in.
    Login,
}

impl Attempt {
    /// The name stored with each failure.
    pub fn as_str(self) -> &'static str {
        match self {
            Attempt::AccessCode => "access_code",
            Attempt::Login => "login",
        }
    }
}

/// At most `max_failures` failures per `window` per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRule {
    pub max_failures: usize,
    pub window: TimeDelta,
}

impl FailureRule {
    /// The site's rule for access codes and sign-ins: 10 failures a minute per address.
    pub const TEN_PER_MINUTE: FailureRule = FailureRule {
        max_failures: 10,
        window: TimeDelta::seconds(60),
    };

    /// Failures at or before this time no longer count at `now`.
    pub fn window_start(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - self.window
    }

    /// `Some(wait)` when `recent` (the client's failures after [`Self::window_start`],
    /// oldest first) has used up the allowance: how long until the oldest expires, at
    /// least a second.
    pub fn wait(&self, recent: &[NaiveDateTime], now: NaiveDateTime) -> Option<TimeDelta> {
        if recent.len() < self.max_failures {
            return None;
        }
        let oldest = recent[recent.len() - self.max_failures];
        let wait = (oldest + self.window) - now;
        Some(wait.max(TimeDelta::seconds(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_failure_in_a_minute_is_refused_until_the_first_expires() {
        let rule = FailureRule::TEN_PER_MINUTE;
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let at = |s: i64| t0 + TimeDelta::seconds(s);
        let mut failures = Vec::new();
        for i in 0..10 {
            assert_eq!(rule.wait(&failures, at(i)), None, "failure {i} is allowed");
            failures.push(at(i));
        }
        assert_eq!(rule.wait(&failures, at(10)), Some(TimeDelta::seconds(50)));
        // A minute after the first, the store no longer returns it.
        let recent: Vec<_> = failures
            .iter()
            .copied()
            .filter(|t| *t > rule.window_start(at(60)))
            .collect();
        assert_eq!(rule.wait(&recent, at(60)), None);
        assert_eq!(rule.wait(&failures, at(59)), Some(TimeDelta::seconds(1)));
    }
}
