//! Why a response changed, as the audit log keeps it: a kind with its figures, stored as JSON
//! (`response_audit.reason_code`) and worded in the reader's language when shown, so that a
//! Japanese page never shows an English reason. What a person typed (a correction's reason, a
//! reviewer's note) is kept beside it as text, as typed.

use serde::{Deserialize, Serialize};

use crate::questionnaire::Lang;

/// A reason the system gives for a change (a person's own words are the note beside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditReason {
    /// Accepted as the only entry (single entry).
    SingleEntry,
    /// Accepted automatically: both entries were identical.
    IdenticalEntries,
    /// Accepted after a reviewer reconciled `items` differing items.
    Reconciled { items: usize },
    /// One item decided in reconciliation: what each entry held as keyed (`None`: nothing,
    /// the question was skipped; `Some("")`: keyed blank) and what the reviewer decided.
    ReconciledItem {
        first: Option<String>,
        second: Option<String>,
        decision: Decision,
    },
}

/// A reviewer's decision on one differing item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Decision {
    /// Entry 1's value taken.
    First,
    /// Entry 2's value taken.
    Second,
    /// The value typed from the paper form.
    Corrected { typed: String },
    /// Removed: the questionnaire no longer has the item.
    Removed,
}

impl AuditReason {
    /// The reason in words.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AuditReason::SingleEntry, Lang::Ja) => "受理（1回入力）".into(),
            (AuditReason::SingleEntry, Lang::En) => "accepted: single entry".into(),
            (AuditReason::IdenticalEntries, Lang::Ja) => "自動受理（2回の入力が一致）".into(),
            (AuditReason::IdenticalEntries, Lang::En) => {
                "accepted automatically: both entries identical".into()
            }
            (AuditReason::Reconciled { items }, Lang::Ja) => {
                format!("照合して受理（異なる{items}項目を照合）")
            }
            (AuditReason::Reconciled { items: 1 }, Lang::En) => {
                "accepted after reconciling 1 item".into()
            }
            (AuditReason::Reconciled { items }, Lang::En) => {
                format!("accepted after reconciling {items} items")
            }
            (
                AuditReason::ReconciledItem {
                    first,
                    second,
                    decision,
                },
                Lang::Ja,
            ) => format!(
                "照合: 1回目 {}、2回目 {}。{}",
                keyed(first, lang),
                keyed(second, lang),
                match decision {
                    Decision::First => "1回目を採用".to_string(),
                    Decision::Second => "2回目を採用".to_string(),
                    Decision::Corrected { typed } => format!("原票を見て「{typed}」に修正"),
                    Decision::Removed => "削除（調査票にない項目）".to_string(),
                }
            ),
            (
                AuditReason::ReconciledItem {
                    first,
                    second,
                    decision,
                },
                Lang::En,
            ) => format!(
                "reconciliation: entry 1 {}, entry 2 {}; {}",
                keyed(first, lang),
                keyed(second, lang),
                match decision {
                    Decision::First => "chose entry 1".to_string(),
                    Decision::Second => "chose entry 2".to_string(),
                    Decision::Corrected { typed } => format!("corrected to `{typed}`"),
                    Decision::Removed => "removed (not in the questionnaire)".to_string(),
                }
            ),
        }
    }
}

/// What the audit log said in English before reasons were stored as kinds, read back as a
/// kind and the reviewer's note (`None`: not a reason the system wrote, e.g. a person's
/// correction reason, which stays as typed). The opposite of [`AuditReason::message`] in
/// English.
pub fn from_legacy(text: &str) -> Option<(AuditReason, String)> {
    match text {
        "accepted: single entry" => return Some((AuditReason::SingleEntry, String::new())),
        "accepted automatically: both entries identical" => {
            return Some((AuditReason::IdenticalEntries, String::new()))
        }
        _ => {}
    }
    if let Some(count) = text
        .strip_prefix("accepted after reconciling ")
        .and_then(|rest| rest.strip_suffix(" item(s)"))
    {
        if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) {
            let items = count.parse().ok()?;
            return Some((AuditReason::Reconciled { items }, String::new()));
        }
        return None;
    }
    let rest = text.strip_prefix("reconciliation: entry 1 ")?;
    let (first, rest) = rest.split_once(", entry 2 ")?;
    // The decision follows the last value; values and notes are free text, so the first
    // place a decision starts is taken.
    const DECISIONS: [&str; 4] = [
        "; chose entry 1",
        "; chose entry 2",
        "; corrected to `",
        "; removed (not in the questionnaire)",
    ];
    let at = (0..rest.len())
        .filter(|&i| rest.is_char_boundary(i))
        .find(|&i| DECISIONS.iter().any(|d| rest[i..].starts_with(d)))?;
    let (second, how) = (&rest[..at], &rest[at + 2..]);
    let (decision, tail) = if let Some(tail) = how.strip_prefix("chose entry 1") {
        (Decision::First, tail)
    } else if let Some(tail) = how.strip_prefix("chose entry 2") {
        (Decision::Second, tail)
    } else if let Some(tail) = how.strip_prefix("removed (not in the questionnaire)") {
        (Decision::Removed, tail)
    } else {
        let typed = how.strip_prefix("corrected to `")?;
        let (typed, tail) = match typed.find("` — ") {
            Some(end) => (&typed[..end], &typed[end + 1..]),
            None => (typed.strip_suffix('`')?, ""),
        };
        (
            Decision::Corrected {
                typed: typed.to_string(),
            },
            tail,
        )
    };
    let note = match tail {
        "" => "",
        tail => tail.strip_prefix(" — ")?,
    };
    let value = |shown: &str| match shown {
        "(none)" => None,
        "(blank)" => Some(String::new()),
        text => Some(text.to_string()),
    };
    Some((
        AuditReason::ReconciledItem {
            first: value(first),
            second: value(second),
            decision,
        },
        note.to_string(),
    ))
}

/// A keyed value as the audit log shows it.
fn keyed(value: &Option<String>, lang: Lang) -> String {
    match (value.as_deref(), lang) {
        (None, Lang::Ja) => "（記入なし）".into(),
        (None, Lang::En) => "(none)".into(),
        (Some(""), Lang::Ja) => "（空欄）".into(),
        (Some(""), Lang::En) => "(blank)".into(),
        (Some(text), _) => text.to_string(),
    }
}

/// A stored reason as shown: the worded kind (if any), then what a person typed. Rows
/// written before reasons were stored as kinds have only their text.
pub fn reason_text(code: Option<&AuditReason>, note: &str, lang: Lang) -> String {
    match (code, note.trim()) {
        (Some(code), "") => code.message(lang),
        (Some(code), note) => format!("{} — {note}", code.message(lang)),
        (None, note) => note.to_string(),
    }
}
