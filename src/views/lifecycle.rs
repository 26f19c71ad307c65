//! The status page of one survey: where it stands in its lifecycle (draft → fieldwork →
//! closed → published), what would stop the next step, the buttons for the allowed steps
//! (admins), the answering period, test codes while it is a draft, and the log.

use maud::{html, Markup};

use super::layout::{csrf_field, page, t};
use super::resident::answering_period;
use super::staff::Viewer;
use crate::clock::local_time;
use crate::db::surveys::SurveyLogLine;
use crate::lifecycle::{Readiness, Stage, Transition};
use crate::questionnaire::Lang;
use crate::sampling::access_code::AccessCode;
use crate::survey::Survey;

/// What the status page shows.
pub struct StatusPage<'a> {
    pub survey: &'a Survey,
    pub ready: &'a Readiness,
    pub log: &'a [SurveyLogLine],
    /// A refusal or a confirmation of the last form.
    pub notice: Option<Result<String, String>>,
}

fn action_label(lang: Lang, action: &str) -> &'static str {
    match Transition::parse(action) {
        Some(transition) => transition.label(lang),
        None if action == "test_codes" => t(lang, "テスト用コードを発行", "Issued test codes"),
        None if action == "period" => t(lang, "回答期間を変更", "Changed the answering period"),
        None => t(lang, "その他", "Other"),
    }
}

/// A log line's detail in words.
fn log_detail(lang: Lang, line: &SurveyLogLine) -> String {
    let n: Option<usize> = line.detail.parse().ok();
    match (line.action.as_str(), n, lang) {
        ("open", Some(0), _) => String::new(),
        ("open", Some(n), Lang::Ja) => format!("テスト用コードの回答{n}件を削除"),
        ("open", Some(n), Lang::En) => format!("{n} test responses deleted"),
        ("publish", Some(n), Lang::Ja) => format!("入力・照合待ちの調査票{n}件を含めずに公表"),
        ("publish", Some(n), Lang::En) => {
            format!("published without {n} paper forms still waiting")
        }
        ("test_codes", Some(n), Lang::Ja) => format!("{n}件"),
        ("test_codes", Some(n), Lang::En) => format!("{n} codes"),
        _ => line.detail.replace("..", " ～ "),
    }
}

/// The status page.
pub fn status(viewer: &Viewer<'_>, p: &StatusPage<'_>) -> Markup {
    let lang = viewer.lang;
    let slug = &p.survey.slug;
    let here = format!("/staff/surveys/{slug}/status");
    let admin = viewer.user.role == crate::auth::Role::Admin;
    let stages = [
        Stage::Draft,
        Stage::Fieldwork,
        Stage::Closed,
        Stage::Published,
    ];
    page(
        lang,
        t(lang, "調査の状態", "Survey status"),
        viewer.audience(),
        &here,
        html! {
            p.muted { a href="/staff" { (t(lang, "実査の状況", "Fieldwork")) } " › " (p.survey.title.get(lang)) }
            h1 { (t(lang, "調査の状態", "Survey status")) }
            @match &p.notice {
                Some(Ok(done)) => div.notice.ok role="status" { p { (done) } },
                Some(Err(why)) => div.notice.bad #error-summary role="alert" tabindex="-1" autofocus { p { (why) } },
                None => {},
            }
            ol.stages {
                @for stage in stages {
                    li class=[(stage == p.ready.stage).then_some("current")] {
                        @if stage == p.ready.stage { strong aria-current="step" { (stage.label(lang)) } } @else { (stage.label(lang)) }
                    }
                }
            }
            dl.facts {
                @if let Some(final_sample) = p.ready.final_sample {
                    dt { (t(lang, "標本", "Sample")) }
                    dd { @if final_sample { (t(lang, "確定済み", "Final")) } @else {
                        (t(lang, "未確定（実査の開始には標本の確定が必要です）", "Not final (needed before fieldwork)")) " "
                        a href={ "/staff/surveys/" (slug) "/sample" } { (t(lang, "標本のページへ", "To the sample")) }
                    } }
                }
                dt { (t(lang, "回答", "Responses")) }
                dd { (p.ready.responses) }
                dt { (t(lang, "入力・照合を待つ紙の調査票", "Paper forms waiting to be keyed or reconciled")) }
                dd { (p.ready.paper_backlog) }
                dt { (t(lang, "回答期間", "Answering period")) }
                dd { (answering_period(lang, p.survey)) }
                @if let Some(at) = p.survey.published_at {
                    dt { (t(lang, "公表", "Published")) }
                    dd { (local_time(lang, at, viewer.zone)) " — "
                        (t(lang, "回答・標本・重み付けは変更できません（修正するには公表を取り消します）。", "Responses, sample and weighting cannot change (unpublish to correct).")) }
                }
            }
            @if admin {
                h2 { (t(lang, "次の段階へ", "Next step")) }
                @for transition in Transition::from(p.ready.stage) {
                    form method="post" action=(here) {
                        (csrf_field(viewer.csrf))
                        input type="hidden" name="action" value=(transition.as_str());
                        @if *transition == Transition::Publish && p.ready.paper_backlog > 0 {
                            label.check {
                                input type="checkbox" name="despite_paper_backlog" value="yes";
                                " " (match lang {
                                    Lang::Ja => format!("入力・照合を待つ紙の調査票（{}件）を含めずに公表する", p.ready.paper_backlog),
                                    Lang::En => format!("Publish without the {} paper forms still waiting", p.ready.paper_backlog),
                                })
                            }
                        }
                        @if *transition == Transition::Unpublish {
                            div.field {
                                label.label for="reason" { (t(lang, "取り消す理由（記録に残ります）", "Why (it is logged)")) }
                                textarea #reason name="reason" rows="2" required {}
                            }
                        }
                        @if *transition == Transition::Open {
                            p.muted { (t(lang, "テスト用コードの回答は、実査の開始とともに削除されます。", "Answers made with test codes are deleted when fieldwork starts.")) }
                        }
                        p { button type="submit" class=[(*transition == Transition::BackToDraft || *transition == Transition::Unpublish).then_some("secondary")] { (transition.label(lang)) } }
                    }
                }
                @if p.ready.stage != Stage::Published {
                    h2 { (t(lang, "回答期間", "Answering period")) }
                    form method="post" action={ (here) "/period" } {
                        (csrf_field(viewer.csrf))
                        div.field {
                            label.label for="answer_from" { (t(lang, "開始日（この日から受付）", "First day")) }
                            input #answer_from type="date" name="answer_from" value=[p.survey.answer_from.map(|d| d.to_string())];
                        }
                        div.field {
                            label.label for="answer_until" { (t(lang, "終了日（この日まで受付）", "Last day")) }
                            input #answer_until type="date" name="answer_until" value=[p.survey.answer_until.map(|d| d.to_string())];
                        }
                        p.muted { (t(lang, "空欄にすると期間を限りません。日付は市の時刻で判定します。", "Leave empty for no limit. Days are the municipality's.")) }
                        p { button.secondary type="submit" { (t(lang, "回答期間を保存する", "Save the period")) } }
                    }
                }
                @if p.ready.stage == Stage::Draft {
                    h2 { (t(lang, "テスト用のコード", "Test codes")) }
                    p { (t(lang,
                        "準備中の調査を職員が試しに回答するためのコードです。準備中のあいだだけ使え、実査を始めると使えなくなり、その回答は削除されます（集計に数えられることはありません）。",
                        "Codes for staff to try the questionnaire while the survey is a draft. They work only in draft; when fieldwork starts they stop working and their answers are deleted (they never count).")) }
                    form.inline-form method="post" action={ (here) "/test-codes" } {
                        (csrf_field(viewer.csrf))
                        label for="count" { (t(lang, "発行する数", "How many")) }
                        input #count type="number" name="count" value="3" min="1" max="50";
                        button.secondary type="submit" { (t(lang, "テスト用コードを発行する", "Issue test codes")) }
                    }
                }
            }
            @if !p.ready.test_codes.is_empty() {
                ul.codes { @for code in &p.ready.test_codes {
                    li { code { (AccessCode::parse(code).map(|c| c.grouped()).unwrap_or_else(|_| code.clone())) } }
                } }
            }
            h2 { (t(lang, "記録", "Log")) }
            @if p.log.is_empty() {
                p { (t(lang, "まだ記録はありません。", "Nothing logged yet.")) }
            } @else {
                table {
                    thead { tr { th { (t(lang, "日時", "When")) } th { (t(lang, "担当者", "Who")) } th { (t(lang, "内容", "What")) } th { (t(lang, "詳細", "Detail")) } } }
                    tbody { @for line in p.log {
                        tr {
                            td { (local_time(lang, line.at, viewer.zone)) }
                            td { (line.user.as_deref().unwrap_or(t(lang, "コマンド", "command line"))) }
                            td { (action_label(lang, &line.action)) }
                            td { (log_detail(lang, line)) }
                        }
                    } }
                }
            }
        },
    )
}
