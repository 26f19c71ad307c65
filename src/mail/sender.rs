//! The background sender: takes due messages from the outbox, sends them, and records the
//! outcome — delivered, retried later with back-off, or (refused for good) left for an admin.
//!
//! `serve` runs it on a thread of its own ([`spawn`]); pages only wake it ([`Wakeup`]) after
//! committing a message, so no page ever waits for SMTP. Tests call [`deliver_due`] directly.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;

use super::{Mailer, RenderedMail};
use crate::db::{self, DbResult, Pool};

/// How long a sender holds a claimed message before another may try it (a crash mid-send).
const CLAIM: chrono::Duration = chrono::Duration::minutes(5);
/// The longest wait between two attempts at one message.
const LONGEST_BACKOFF_MINUTES: i64 = 6 * 60;
/// How often the sender looks at the outbox when nobody wakes it.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// How many messages one pass sends at most.
const BATCH: i64 = 50;

/// The wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    let minutes = 2i64.saturating_pow(exponent).min(LONGEST_BACKOFF_MINUTES);
    chrono::Duration::minutes(minutes)
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    /// Failed attempts that will be retried.
    pub deferred: usize,
    /// Messages refused for good, now waiting for an admin.
    pub given_up: usize,
}

/// Sends every message due at `at`. The database connection is not held while sending.
pub fn deliver_due(pool: &Pool, mailer: &Mailer, at: NaiveDateTime) -> DbResult<Pass> {
    let due = {
        let mut conn = pool.get()?;
        db::outbox::due(&mut conn, at, BATCH)?
    };
    let mut pass = Pass::default();
    for row in due {
        let claimed = {
            let mut conn = pool.get()?;
            db::outbox::claim(&mut conn, row.id, at, at + CLAIM)?
        };
        if !claimed {
            continue; // another sender has it
        }
        let mail = RenderedMail {
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            html: row.body_html.clone(),
        };
        let outcome = mailer.send(&row.recipient, &mail);
        let mut conn = pool.get()?;
        match outcome {
            Ok(delivery) => {
                db::outbox::mark_sent(&mut conn, row.id, at, &delivery.to_string())?;
                log::info!("mail {} ({}) {delivery}", row.id, row.kind);
                pass.sent += 1;
            }
            Err(e) if e.permanent => {
                db::outbox::mark_attempt_failed(&mut conn, row.id, &e.message, None)?;
                log::error!(
                    "mail {} ({}) refused for good: {}",
                    row.id,
                    row.kind,
                    e.message
                );
                pass.given_up += 1;
            }
            Err(e) => {
                let retry_at = at + backoff(row.attempts + 1);
                db::outbox::mark_attempt_failed(&mut conn, row.id, &e.message, Some(retry_at))?;
                log::warn!(
                    "mail {} ({}) attempt {} failed, next at {retry_at} UTC: {}",
                    row.id,
                    row.kind,
                    row.attempts + 1,
                    e.message
                );
                pass.deferred += 1;
            }
        }
    }
    Ok(pass)
}

/// Wakes the background sender when a message was queued, or stops it. Cheap to clone.
#[derive(Clone, Default)]
pub struct Wakeup(Arc<(Mutex<Signal>, Condvar)>);

#[derive(Default)]
struct Signal {
    woken: bool,
    stopped: bool,
}

impl Wakeup {
    /// Tells the sender there is something to send.
    pub fn wake(&self) {
        self.signal(|s| s.woken = true);
    }

    /// Tells the sender to finish its pass and end.
    pub fn stop(&self) {
        self.signal(|s| s.stopped = true);
    }

    fn signal(&self, change: impl FnOnce(&mut Signal)) {
        let (state, condvar) = &*self.0;
        change(&mut state.lock().unwrap_or_else(|e| e.into_inner()));
        condvar.notify_all();
    }

    /// Waits until woken, stopped or `timeout` passes; `false` once stopped.
    fn wait(&self, timeout: Duration) -> bool {
        let (state, condvar) = &*self.0;
        let guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let (mut signal, _) = condvar
            .wait_timeout_while(guard, timeout, |s| !s.woken && !s.stopped)
            .unwrap_or_else(|e| e.into_inner());
        signal.woken = false;
        !signal.stopped
    }

    fn stopped(&self) -> bool {
        self.0 .0.lock().unwrap_or_else(|e| e.into_inner()).stopped
    }
}

/// Runs the sender on its own thread until [`Wakeup::stop`]: a pass at once, then whenever
/// woken, when the next retry falls due, or every 30 s. `before_each_pass` may queue
/// scheduled messages first (`serve` queues the weekly digest there).
pub fn spawn(
    pool: Pool,
    mailer: Mailer,
    wakeup: Wakeup,
    mut before_each_pass: impl FnMut(&Pool) + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("mail-sender".into())
        .spawn(move || {
            while !wakeup.stopped() {
                before_each_pass(&pool);
                if let Err(e) = deliver_due(&pool, &mailer, db::now()) {
                    log::error!("the mail sender could not read the outbox: {e}");
                }
                let until_next = pool
                    .get()
                    .ok()
                    .and_then(|mut conn| db::outbox::next_due(&mut conn).ok().flatten())
                    .map(|next| (next - db::now()).to_std().unwrap_or(Duration::ZERO))
                    .unwrap_or(IDLE_POLL)
                    .clamp(Duration::from_secs(1), IDLE_POLL);
                if !wakeup.wait(until_next) {
                    break;
                }
            }
        })
        .expect("the mail sender thread starts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_minute_up_to_six_hours() {
        let minutes: Vec<i64> = (1..=12).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]);
        assert_eq!(backoff(1000).num_minutes(), 360);
    }
}
