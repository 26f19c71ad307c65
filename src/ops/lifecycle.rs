//! A survey's lifecycle as an admin runs it: draft (test codes that never count) → fieldwork
//! (open, within its answering period) → closed (paper keying may finish) → published (the
//! data frozen by the database until it is unpublished with a reason). Every transition is
//! checked, runs in one transaction with its log line and its notices, and is allowed back
//! only where that is safe.

use crate::db::{self, DbConnection, DbError};
pub use crate::lifecycle::{Readiness, Stage, Transition};
use crate::mail::messages::SurveyEvent;
use crate::ops::accounts::LinkContext;
use crate::ops::notices;
use crate::questionnaire::Lang;
use crate::survey::{Survey, SurveyStatus};

/// What the admin confirmed or wrote with the transition.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    /// Publish although paper forms still wait to be keyed or reconciled.
    pub despite_paper_backlog: bool,
    /// Why it is unpublished.
    pub reason: String,
}

/// Why a transition was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("the survey is {from:?}: {transition:?} is not possible from there")]
    NotFromHere { from: Stage, transition: Transition },
    #[error("no final sample: draw it and make it final before fieldwork")]
    NoFinalSample,
    #[error("{0} responses exist; a survey with answers cannot go back to draft")]
    HasResponses(i64),
    #[error("{0} paper forms wait to be keyed or reconciled")]
    PaperBacklog(usize),
    #[error("a reason is needed to unpublish")]
    NoReason,
    #[error("the answering period of a published survey cannot change")]
    PeriodWhilePublished,
    #[error("test codes are issued only while the survey is a draft")]
    TestCodesOnlyInDraft,
    #[error(transparent)]
    Codes(crate::ops::codes::CodesError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl LifecycleError {
    /// The sentence for the page: what is wrong and what to do.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (LifecycleError::NotFromHere { from, transition }, Lang::Ja) => format!(
                "この調査は「{}」のため、「{}」はできません。",
                from.label(lang),
                transition.label(lang)
            ),
            (LifecycleError::NotFromHere { from, transition }, Lang::En) => format!(
                "The survey is “{}”, so “{}” is not possible.",
                from.label(lang),
                transition.label(lang)
            ),
            (LifecycleError::NoFinalSample, Lang::Ja) => "標本が確定していないため、実査を開始できません。「標本」のページで標本を抽出し、依頼状を印刷する前に「標本を確定する」を押してください。".into(),
            (LifecycleError::NoFinalSample, Lang::En) => "The sample is not final, so fieldwork cannot start. Draw the sample on the Sample page and make it final before printing the letters.".into(),
            (LifecycleError::HasResponses(n), Lang::Ja) => format!("すでに{n}件の回答があるため、準備中には戻せません。受付を止めるには「実査を終了する」を使ってください。"),
            (LifecycleError::HasResponses(n), Lang::En) => format!("{n} responses exist, so the survey cannot go back to draft. To stop taking answers, end fieldwork."),
            (LifecycleError::PaperBacklog(n), Lang::Ja) => format!("紙の調査票{n}件が、入力または照合を待っています。入力を終えてから公表するか、このまま公表する場合は確認の欄にチェックを入れてください（待っている調査票は数値に含まれません）。"),
            (LifecycleError::PaperBacklog(n), Lang::En) => format!("{n} paper forms wait to be keyed or reconciled. Finish them first, or tick the box to publish without them (they are not in the numbers)."),
            (LifecycleError::NoReason, Lang::Ja) => "公表を取り消す理由を入力してください（記録に残ります）。".into(),
            (LifecycleError::NoReason, Lang::En) => "Please give the reason for unpublishing (it is logged).".into(),
            (LifecycleError::PeriodWhilePublished, Lang::Ja) => "公表済みの調査の回答期間は変更できません。".into(),
            (LifecycleError::PeriodWhilePublished, Lang::En) => "The answering period of a published survey cannot change.".into(),
            (LifecycleError::TestCodesOnlyInDraft, Lang::Ja) => "テスト用のコードは、調査が準備中のあいだだけ発行できます（実査が始まると使えなくなり、その回答は削除されます）。".into(),
            (LifecycleError::TestCodesOnlyInDraft, Lang::En) => "Test codes are issued only while the survey is a draft (they stop working when fieldwork starts, and their answers are deleted).".into(),
            (LifecycleError::Codes(crate::ops::codes::CodesError::Count(_)), Lang::Ja) => format!("発行する数は1〜{}件で指定してください。", crate::ops::codes::MOST_CODES),
            (LifecycleError::Codes(e), _) => e.to_string(),
            (LifecycleError::Db(e), _) => e.to_string(),
        }
    }
}

/// The survey's stage and what the transitions would check.
pub fn readiness(
    conn: &mut DbConnection,
    survey: &Survey,
    sampled: bool,
) -> Result<Readiness, DbError> {
    let final_sample = if sampled {
        Some(
            db::sample::find(conn, survey.id)?
                .is_some_and(|sample| sample.letters_printed_at.is_some()),
        )
    } else {
        None
    };
    let (in_progress, submitted) = db::responses::counts(conn, survey.id)?;
    let backlog = db::fieldwork::paper_backlog(conn, survey.id)?;
    Ok(Readiness {
        stage: Stage::of(survey),
        final_sample,
        responses: submitted + in_progress,
        paper_backlog: backlog.awaiting_second
            + backlog.awaiting_reconciliation
            + backlog.unfinished,
        test_codes: db::codes::test_codes(conn, survey.id)?,
    })
}

/// The log's detail is plain data the page words: the number of test responses deleted
/// (open), of paper forms left out (publish), of test codes issued; the reason (unpublish);
/// the period (`2026-12-01..2026-12-20`).
///
/// Takes `transition` for `user_id` (`None`: the command line), checked against the survey as
/// it is now, in one transaction with its log line and notices.
pub fn transition(
    conn: &mut DbConnection,
    survey_id: i64,
    sampled: bool,
    user_id: Option<i64>,
    transition: Transition,
    confirmation: &Confirmation,
    links: LinkContext<'_>,
) -> Result<(), LifecycleError> {
    db::transaction_with(conn, |conn| {
        let survey =
            Survey::try_from(db::surveys::find(conn, survey_id)?).map_err(DbError::from)?;
        let ready = readiness(conn, &survey, sampled)?;
        if !Transition::from(ready.stage).contains(&transition) {
            return Err(LifecycleError::NotFromHere {
                from: ready.stage,
                transition,
            });
        }
        let mut detail = String::new();
        match transition {
            Transition::Open => {
                if ready.final_sample == Some(false) {
                    return Err(LifecycleError::NoFinalSample);
                }
                let removed = db::codes::delete_test_responses(conn, survey.id)?;
                detail = removed.to_string();
                notices::set_survey_status(conn, survey.id, SurveyStatus::Open, links)?;
            }
            Transition::Close => {
                notices::set_survey_status(conn, survey.id, SurveyStatus::Closed, links)?;
            }
            Transition::Reopen => {
                notices::set_survey_status(conn, survey.id, SurveyStatus::Open, links)?;
            }
            Transition::BackToDraft => {
                // `readiness` counted every response, online and paper, started or sent.
                let real = ready.responses - db::codes::test_response_count(conn, survey.id)?;
                if real > 0 {
                    return Err(LifecycleError::HasResponses(real));
                }
                db::surveys::set_status(conn, survey.id, SurveyStatus::Draft.as_str())?;
            }
            Transition::Publish => {
                if ready.paper_backlog > 0 && !confirmation.despite_paper_backlog {
                    return Err(LifecycleError::PaperBacklog(ready.paper_backlog));
                }
                if ready.paper_backlog > 0 {
                    detail = ready.paper_backlog.to_string();
                }
                db::surveys::set_published(conn, survey.id, true, user_id)?;
                notices::notify(conn, &survey, SurveyEvent::Published, links)?;
            }
            Transition::Unpublish => {
                let reason = confirmation.reason.trim();
                if reason.is_empty() {
                    return Err(LifecycleError::NoReason);
                }
                detail = reason.to_string();
                db::surveys::set_published(conn, survey.id, false, None)?;
            }
        }
        db::surveys::log(conn, survey.id, user_id, transition.as_str(), &detail)?;
        Ok(())
    })
}

/// Sets the answering period (both days included; checked: the last day not before the
/// first), logged. Not once published.
pub fn set_answering_period(
    conn: &mut DbConnection,
    survey: &Survey,
    user_id: i64,
    from: Option<chrono::NaiveDate>,
    until: Option<chrono::NaiveDate>,
) -> Result<(), LifecycleError> {
    if Stage::of(survey) == Stage::Published {
        return Err(LifecycleError::PeriodWhilePublished);
    }
    db::transaction_with(conn, |conn| {
        db::surveys::set_answering_period(conn, survey.id, from, until)?;
        let detail = format!(
            "{}..{}",
            from.map(|d| d.to_string()).unwrap_or_default(),
            until.map(|d| d.to_string()).unwrap_or_default()
        );
        db::surveys::log(conn, survey.id, Some(user_id), "period", &detail)?;
        Ok(())
    })
}

/// Issues `count` test codes for a draft survey, logged.
pub fn issue_test_codes(
    conn: &mut DbConnection,
    survey: &Survey,
    user_id: i64,
    count: usize,
) -> Result<Vec<crate::sampling::access_code::AccessCode>, LifecycleError> {
    if Stage::of(survey) != Stage::Draft {
        return Err(LifecycleError::TestCodesOnlyInDraft);
    }
    let codes = crate::ops::codes::issue(conn, survey.id, count, true).map_err(|e| match e {
        crate::ops::codes::CodesError::Db(e) => LifecycleError::Db(e),
        other => LifecycleError::Codes(other),
    })?;
    db::surveys::log(
        conn,
        survey.id,
        Some(user_id),
        "test_codes",
        &count.to_string(),
    )?;
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_offers_only_safe_steps() {
        assert_eq!(Transition::from(Stage::Draft), [Transition::Open]);
        assert!(!Transition::from(Stage::Published).contains(&Transition::Reopen));
        assert!(!Transition::from(Stage::Fieldwork).contains(&Transition::Publish));
        for stage in [
            Stage::Draft,
            Stage::Fieldwork,
            Stage::Closed,
            Stage::Published,
        ] {
            for t in Transition::from(stage) {
                assert_eq!(Transition::parse(t.as_str()), Some(*t));
            }
        }
    }
}
