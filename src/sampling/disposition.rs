//! What became of each letter (調査票の配布結果), in AAPOR's terms.
//!
//! The dispositions are the ones municipal staff record; each maps to one AAPOR final
//! disposition for mail and internet surveys of specifically named persons (Standard
//! Definitions, tables 3 and 4), and so to one of the outcome categories the response
//! rates count (I, P, R, NC, O, UH, UO, NE).

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::questionnaire::Lang;

/// AAPOR outcome category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AaporCategory {
    /// I: complete.
    Complete,
    /// P: partial.
    Partial,
    /// R: refusal and break-off.
    Refusal,
    /// NC: non-contact.
    NonContact,
    /// O: other eligible non-response.
    Other,
    /// UH: unknown eligibility, nothing ever returned.
    UnknownNothingReturned,
    /// UO: unknown eligibility, other (undeliverable, moved).
    UnknownOther,
    /// NE: not eligible.
    NotEligible,
}

impl AaporCategory {
    /// AAPOR's abbreviation (`I`, `P`, `R`, `NC`, `O`, `UH`, `UO`, `NE`).
    pub fn abbreviation(self) -> &'static str {
        match self {
            AaporCategory::Complete => "I",
            AaporCategory::Partial => "P",
            AaporCategory::Refusal => "R",
            AaporCategory::NonContact => "NC",
            AaporCategory::Other => "O",
            AaporCategory::UnknownNothingReturned => "UH",
            AaporCategory::UnknownOther => "UO",
            AaporCategory::NotEligible => "NE",
        }
    }
}

/// What became of one sampled person's letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Disposition {
    /// Nothing has come back (yet). AAPOR 3.19, UH.
    NoResponse,
    /// The letter came back undeliverable (宛先不明). AAPOR 3.30, UO.
    ReturnedUndeliverable,
    /// Moved away (転居); eligibility at fieldwork unknown. AAPOR 3.40, UO.
    /// If the person had left before the reference date, record [`Disposition::Ineligible`].
    MovedAway,
    /// Died during fieldwork (死亡). AAPOR 2.31, O.
    Deceased,
    /// Too ill or otherwise unable to answer (回答困難). AAPOR 2.32, O.
    UnableToAnswer,
    /// Away for the whole field period (長期不在, 入院). AAPOR 2.25, NC.
    Away,
    /// Refused, including a blank form sent back (拒否). AAPOR 2.11/2.12, R.
    Refused,
    /// Not a member of the target population (対象外). AAPOR 4.10, NE.
    Ineligible,
    /// Paper form received and keyed as complete (紙回答). AAPOR 1.1, I.
    PaperReceived,
    /// Paper form received, partly answered but usable. AAPOR 1.2, P.
    PaperPartial,
    /// Completed online (WEB回答). AAPOR 1.1, I.
    CompletedOnline,
    /// Started online, enough answered to count as a partial. AAPOR 1.2, P.
    PartialOnline,
}

impl Disposition {
    /// Every disposition, in the order staff see them.
    pub const ALL: [Disposition; 12] = [
        Disposition::NoResponse,
        Disposition::CompletedOnline,
        Disposition::PartialOnline,
        Disposition::PaperReceived,
        Disposition::PaperPartial,
        Disposition::Refused,
        Disposition::ReturnedUndeliverable,
        Disposition::MovedAway,
        Disposition::Deceased,
        Disposition::UnableToAnswer,
        Disposition::Away,
        Disposition::Ineligible,
    ];

    /// The AAPOR outcome category.
    pub fn category(self) -> AaporCategory {
        match self {
            Disposition::PaperReceived | Disposition::CompletedOnline => AaporCategory::Complete,
            Disposition::PaperPartial | Disposition::PartialOnline => AaporCategory::Partial,
            Disposition::Refused => AaporCategory::Refusal,
            Disposition::Away => AaporCategory::NonContact,
            Disposition::Deceased | Disposition::UnableToAnswer => AaporCategory::Other,
            Disposition::NoResponse => AaporCategory::UnknownNothingReturned,
            Disposition::ReturnedUndeliverable | Disposition::MovedAway => {
                AaporCategory::UnknownOther
            }
            Disposition::Ineligible => AaporCategory::NotEligible,
        }
    }

    /// The AAPOR final disposition code.
    pub fn aapor_code(self) -> &'static str {
        match self {
            Disposition::PaperReceived | Disposition::CompletedOnline => "1.1",
            Disposition::PaperPartial | Disposition::PartialOnline => "1.2",
            Disposition::Refused => "2.11",
            Disposition::Away => "2.25",
            Disposition::Deceased => "2.31",
            Disposition::UnableToAnswer => "2.32",
            Disposition::NoResponse => "3.19",
            Disposition::ReturnedUndeliverable => "3.30",
            Disposition::MovedAway => "3.40",
            Disposition::Ineligible => "4.10",
        }
    }

    /// Whether the person answered usably: counts as a valid response (有効回答).
    pub fn is_valid_response(self) -> bool {
        matches!(
            self.category(),
            AaporCategory::Complete | AaporCategory::Partial
        )
    }

    /// Whether a reminder letter (督促状) should go to this person: nothing usable came
    /// back and nothing says a letter cannot reach them or must not be sent.
    pub fn needs_reminder(self) -> bool {
        matches!(self, Disposition::NoResponse | Disposition::PartialOnline)
    }

    /// A stable code for storage and CSV (`completed_online`).
    pub fn code(self) -> &'static str {
        match self {
            Disposition::NoResponse => "no_response",
            Disposition::ReturnedUndeliverable => "returned_undeliverable",
            Disposition::MovedAway => "moved_away",
            Disposition::Deceased => "deceased",
            Disposition::UnableToAnswer => "unable_to_answer",
            Disposition::Away => "away",
            Disposition::Refused => "refused",
            Disposition::Ineligible => "ineligible",
            Disposition::PaperReceived => "paper_received",
            Disposition::PaperPartial => "paper_partial",
            Disposition::CompletedOnline => "completed_online",
            Disposition::PartialOnline => "partial_online",
        }
    }

    /// The label staff see.
    pub fn label_ja(self) -> &'static str {
        match self {
            Disposition::NoResponse => "未回答",
            Disposition::ReturnedUndeliverable => "宛先不明で返送",
            Disposition::MovedAway => "転居",
            Disposition::Deceased => "死亡",
            Disposition::UnableToAnswer => "回答困難（病気等）",
            Disposition::Away => "長期不在",
            Disposition::Refused => "回答拒否",
            Disposition::Ineligible => "対象外",
            Disposition::PaperReceived => "紙で回答",
            Disposition::PaperPartial => "紙で回答（一部）",
            Disposition::CompletedOnline => "WEBで回答",
            Disposition::PartialOnline => "WEBで回答途中",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A disposition code nobody here knows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown disposition `{0}`; use one of: no_response, completed_online, partial_online, paper_received, paper_partial, refused, returned_undeliverable, moved_away, deceased, unable_to_answer, away, ineligible")]
pub struct UnknownDisposition(pub String);

impl FromStr for Disposition {
    type Err = UnknownDisposition;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let code = code.trim();
        Disposition::ALL
            .into_iter()
            .find(|d| d.code() == code || d.label_ja() == code)
            .ok_or_else(|| UnknownDisposition(code.to_string()))
    }
}

/// Whether staff may record this disposition by hand (the others follow from responses).
pub fn recordable(disposition: Disposition) -> bool {
    !matches!(
        disposition,
        Disposition::CompletedOnline | Disposition::PartialOnline
    )
}

/// Why a typed disposition cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error(transparent)]
    Unknown(#[from] UnknownDisposition),
    #[error("{} follows from the online answers and cannot be recorded by hand", .0.code())]
    FollowsFromAnswers(Disposition),
}

impl RecordError {
    /// The refusal in the reader's language (`Display` is the command line's English).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RecordError::Unknown(UnknownDisposition(typed)), Lang::Ja) => {
                let known: Vec<&str> = Disposition::ALL
                    .into_iter()
                    .filter(|d| recordable(*d))
                    .map(Disposition::label_ja)
                    .collect();
                format!(
                    "「{typed}」という結果はありません。次のどれかを選んでください: {}",
                    known.join("、")
                )
            }
            (RecordError::FollowsFromAnswers(d), Lang::Ja) => format!(
                "「{}」はオンラインの回答から自動で決まるため、手で記録することはできません",
                d.label_ja()
            ),
            (error, Lang::En) => error.to_string(),
        }
    }
}

/// Reads a disposition staff may record; `no_response` means "clear".
pub fn parse_recordable(text: &str) -> Result<Option<Disposition>, RecordError> {
    let disposition: Disposition = text.trim().parse()?;
    if disposition == Disposition::NoResponse {
        return Ok(None);
    }
    if !recordable(disposition) {
        return Err(RecordError::FollowsFromAnswers(disposition));
    }
    Ok(Some(disposition))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disposition_that_cannot_be_recorded_is_refused_in_each_language() {
        let online = parse_recordable("completed_online").unwrap_err();
        assert_eq!(
            online.message(Lang::Ja),
            "「WEBで回答」はオンラインの回答から自動で決まるため、手で記録することはできません"
        );
        assert!(online
            .message(Lang::En)
            .contains("cannot be recorded by hand"));
        let unknown = parse_recordable("lost").unwrap_err();
        let ja = unknown.message(Lang::Ja);
        assert!(ja.starts_with("「lost」という結果はありません"), "{ja}");
        assert!(ja.contains(Disposition::Refused.label_ja()), "{ja}");
        assert!(
            !ja.contains(Disposition::CompletedOnline.label_ja()),
            "{ja}"
        );
        assert!(!ja.is_ascii() && !ja.contains("use one of"), "{ja}");
    }

    #[test]
    fn every_disposition_round_trips_through_its_code_and_label() {
        for disposition in Disposition::ALL {
            assert_eq!(disposition.code().parse(), Ok(disposition));
            assert_eq!(disposition.label_ja().parse(), Ok(disposition));
        }
        assert!("lost".parse::<Disposition>().is_err());
    }

    #[test]
    fn returns_map_to_the_aapor_categories_of_mail_surveys_of_named_persons() {
        use AaporCategory::*;
        let expected = [
            (Disposition::NoResponse, UnknownNothingReturned),
            (Disposition::CompletedOnline, Complete),
            (Disposition::PartialOnline, Partial),
            (Disposition::PaperReceived, Complete),
            (Disposition::PaperPartial, Partial),
            (Disposition::Refused, Refusal),
            (Disposition::ReturnedUndeliverable, UnknownOther),
            (Disposition::MovedAway, UnknownOther),
            (Disposition::Deceased, Other),
            (Disposition::UnableToAnswer, Other),
            (Disposition::Away, NonContact),
            (Disposition::Ineligible, NotEligible),
        ];
        for (disposition, category) in expected {
            assert_eq!(disposition.category(), category, "{disposition}");
        }
    }

    #[test]
    fn only_people_with_nothing_usable_back_get_a_reminder() {
        let reminded: Vec<Disposition> = Disposition::ALL
            .into_iter()
            .filter(|d| d.needs_reminder())
            .collect();
        assert_eq!(
            reminded,
            [Disposition::NoResponse, Disposition::PartialOnline]
        );
    }
}
