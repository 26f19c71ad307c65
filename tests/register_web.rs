//! The register import and the draw on the staff pages, on every backend: UTF-8 and CP932
//! uploads, the column mapping and its preview, bad rows refused by line with nothing
//! stored, and a draw that selects the same residents as the command line's for the same
//! inputs.

mod common;

use std::path::PathBuf;

use actix_web::http::StatusCode;

use common::register::{
    frame_rows, import_args, multipart, register_csv, sampled_by_stratum, HEADER,
};
use common::{add_user, client, databases, repo_path, sign_in, Client, Page, TestDb};
use tsunagari::auth::Role;
use tsunagari::cli::sample::DrawArgs;
use tsunagari::db::surveys::SurveyRow;
use tsunagari::survey::SurveySettings;

fn new_survey(db: &TestDb) -> SurveyRow {
    let settings = SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    let row =
        tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &settings)
            .unwrap_or_else(|e| panic!("{e:?}"));
    common::grant_every_survey(db);
    row
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Uploads `bytes` through the register page; returns the mapping page's path.
async fn upload<S, B>(
    web: &mut Client<S>,
    slug: &str,
    encoding: &str,
    file_name: &str,
    bytes: &[u8],
) -> Page
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let form = web.get(&format!("/staff/surveys/{slug}/register")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.hidden("csrf");
    let (content_type, body) = multipart(
        &[("csrf", &csrf), ("encoding", encoding), ("delimiter", ",")],
        file_name,
        bytes,
    );
    web.post_raw(
        &format!("/staff/surveys/{slug}/register/upload"),
        &content_type,
        body,
    )
    .await
}

/// The mapping form's fields for the header of [`register_csv`].
fn mapping_fields<'a>(csrf: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("id", "住民番号"),
        ("name1", "氏"),
        ("name2", "名"),
        ("address1", "住所"),
        ("address2", "方書"),
        ("postal", "郵便番号"),
        ("birth", "生年月日"),
        ("sex", "性別"),
        ("district", "地区"),
        ("exclude", "除外"),
        ("action", action),
    ]
}

/// Polls the progress page until the import has ended (the page stops refreshing).
async fn finished<S, B>(web: &mut Client<S>, progress: &str) -> Page
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    for _ in 0..6000 {
        let page = web.get(progress).await;
        if !page.headers.contains_key("refresh") {
            return page;
        }
        assert!(page.body.contains("<progress"), "{}", page.body);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the import did not finish");
}

/// The same register imported and drawn by the command's own functions (`frame import`
/// and `sample draw` flags) on a database of its own.
fn drawn_by_the_command(
    register: &[u8],
    strata: &str,
    n: u64,
    min: u64,
    seed: &str,
) -> std::collections::BTreeMap<String, Vec<String>> {
    let db = TestDb::sqlite();
    let survey = new_survey(&db);
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("register.csv");
    std::fs::write(&file, register).unwrap();
    let args = import_args(&survey.slug, file);
    tsunagari::cli::frame::import(&mut db.conn(), &args, &mut Vec::new())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let draw = DrawArgs {
        survey: survey.slug.clone(),
        reference_date: "2026-12-01".into(),
        min_age: 16,
        strata: strata.into(),
        age_bands: None,
        n: Some(n),
        proportional: true,
        min_per_stratum: min,
        equal: false,
        sizes: None,
        seed: Some(seed.into()),
        replace: false,
    };
    let plan = draw.plan().unwrap_or_else(|e| panic!("{e:?}"));
    tsunagari::ops::sample::draw(&mut db.conn(), survey.id, &plan)
        .unwrap_or_else(|e| panic!("{e:?}"));
    sampled_by_stratum(&db, survey.id)
}

#[actix_web::test]
async fn a_utf8_register_is_mapped_previewed_imported_and_drawn_as_the_command_draws_it() {
    for db in databases() {
        let survey = new_survey(&db);
        add_user(&db, "kana", "staff-password-1", Role::Staff);
        let mut web = client(db.state()).await;
        sign_in(&mut web, "kana", "staff-password-1").await;
        let register = register_csv(&[("中央地区", 120), ("北部地区", 80)]);

        let uploaded = upload(
            &mut web,
            &survey.slug,
            "auto",
            "register.csv",
            register.as_bytes(),
        )
        .await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        let mapping_path = uploaded.location.unwrap();
        // Nothing is stored by the upload.
        assert_eq!(frame_rows(&db, survey.id), 0);

        let mapping = web.get(&mapping_path).await;
        assert_eq!(mapping.status, StatusCode::OK, "{}", mapping.body);
        for column in HEADER.split(',') {
            assert!(
                mapping.body.contains(&format!("<th>{column}</th>")),
                "{column}"
            );
        }
        // The usual names are chosen already, and the first rows are read with them:
        // the era date in both calendars, the age on today's date.
        assert!(
            mapping
                .body
                .contains("<option value=\"住民番号\" selected>"),
            "{}",
            mapping.body
        );
        assert!(mapping.body.contains("1955-01-01"), "{}", mapping.body);
        assert!(mapping.body.contains("昭和30年1月1日"), "{}", mapping.body);
        assert!(mapping.body.contains("髙橋　花子0"), "{}", mapping.body);
        assert!(
            mapping.body.contains("文字コード: UTF-8"),
            "{}",
            mapping.body
        );

        let csrf = mapping.hidden("csrf");
        let started = web
            .post(&mapping_path, &mapping_fields(&csrf, "import"))
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let progress = started.location.unwrap();
        let done = finished(&mut web, &progress).await;
        assert_eq!(
            done.status,
            StatusCode::OK,
            "{}: {}",
            db.backend(),
            done.body
        );
        assert!(done.body.contains("取り込みました"), "{}", done.body);
        assert!(
            done.body.contains("<span class=\"rows\">200</span>"),
            "{}",
            done.body
        );
        assert_eq!(frame_rows(&db, survey.id), 200);

        // The draw page offers a seed to record; drawing with a chosen one gives the sample
        // the command gives for the same register, design and seed.
        let form = web
            .get(&format!("/staff/surveys/{}/draw", survey.slug))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(
            form.body.contains("name=\"seed\" value=\""),
            "{}",
            form.body
        );
        let csrf = form.hidden("csrf");
        let drew = web
            .post(
                &format!("/staff/surveys/{}/draw", survey.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("reference_date", "2026-12-01"),
                    ("min_age", "16"),
                    ("strata", "district"),
                    ("strata", "sex"),
                    ("age_bands", ""),
                    ("allocation", "proportional"),
                    ("n", "40"),
                    ("min_per_stratum", "3"),
                    ("sizes", ""),
                    ("seed", "20261201"),
                ],
            )
            .await;
        assert_eq!(drew.status, StatusCode::SEE_OTHER, "{}", drew.body);
        assert_eq!(
            drew.location.as_deref(),
            Some(format!("/staff/surveys/{}/sample", survey.slug).as_str())
        );
        let on_the_page = sampled_by_stratum(&db, survey.id);
        let by_the_command =
            drawn_by_the_command(register.as_bytes(), "district,sex", 40, 3, "20261201");
        assert_eq!(on_the_page, by_the_command, "{}", db.backend());
        assert_eq!(on_the_page.values().map(Vec::len).sum::<usize>(), 40);

        let summary = web
            .get(&format!("/staff/surveys/{}/sample", survey.slug))
            .await;
        assert!(summary.body.contains("20261201"), "{}", summary.body);
        assert!(
            summary.body.contains("比例配分（n = 40、各層3人以上）"),
            "{}",
            summary.body
        );
        assert!(summary.body.contains("地区 × 性別"), "{}", summary.body);
        assert!(summary.body.contains("抽出率"), "{}", summary.body);
        let english = web
            .get(&format!("/staff/surveys/{}/sample?lang=en", survey.slug))
            .await;
        assert!(
            english
                .body
                .contains("proportional, n = 40, at least 3 per stratum"),
            "{}",
            english.body
        );
        assert!(english.body.contains("district × sex"), "{}", english.body);

        // A second draw without "replace" is refused in Japanese, the sample kept.
        let again = web
            .post(
                &format!("/staff/surveys/{}/draw", survey.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("reference_date", "2026-12-01"),
                    ("min_age", "16"),
                    ("allocation", "equal"),
                    ("n", "10"),
                    ("seed", "1"),
                ],
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            again.body
        );
        assert!(
            again.body.contains("すでに標本があります"),
            "{}",
            again.body
        );
        assert_eq!(sampled_by_stratum(&db, survey.id), on_the_page);

        // Once a resident has started answering with one of its codes, not even "replace"
        // takes the sample away: the refusal says why, in Japanese.
        {
            use diesel::prelude::*;
            use tsunagari::db::schema::{access_codes, sampled_units};
            let mut conn = db.conn();
            let code_id: i64 = access_codes::table
                .inner_join(
                    sampled_units::table.on(sampled_units::access_code_id.eq(access_codes::id)),
                )
                .filter(access_codes::survey_id.eq(survey.id))
                .select(access_codes::id)
                .first(&mut *conn)
                .unwrap();
            tsunagari::db::responses::start_or_resume_online(&mut conn, survey.id, code_id)
                .unwrap();
        }
        let replaced = web
            .post(
                &format!("/staff/surveys/{}/draw", survey.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("reference_date", "2026-12-01"),
                    ("min_age", "16"),
                    ("allocation", "equal"),
                    ("n", "10"),
                    ("seed", "1"),
                    ("replace", "1"),
                ],
            )
            .await;
        assert_eq!(
            replaced.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            replaced.body
        );
        assert!(
            replaced.body.contains("すでに1人が回答しています"),
            "{}",
            replaced.body
        );
        assert!(
            !replaced.body.contains("already been used"),
            "{}",
            replaced.body
        );
        assert_eq!(sampled_by_stratum(&db, survey.id), on_the_page);
    }
}

#[actix_web::test]
async fn a_cp932_register_is_detected_and_said_so_and_its_names_are_intact() {
    for db in databases() {
        let survey = new_survey(&db);
        add_user(&db, "kana", "staff-password-1", Role::Staff);
        let mut web = client(db.state()).await;
        sign_in(&mut web, "kana", "staff-password-1").await;
        let text = format!(
            "{HEADER}\r\n000101,髙橋,﨑子,382-0000,須坂市大字須坂1番地,須坂ハイツ101,昭和45年3月12日,2,北部,\r\n000102,德永,一郎,3820001,須坂市大字日滝2番地,,H7/1/5,男,南部,0\r\n"
        );
        let uploaded = upload(
            &mut web,
            &survey.slug,
            "auto",
            "台帳.csv",
            &shift_jis(&text),
        )
        .await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        let mapping_path = uploaded.location.unwrap();
        let mapping = web.get(&mapping_path).await;
        assert!(
            mapping
                .body
                .contains("自動判定で Shift_JIS として読みました"),
            "{}",
            mapping.body
        );
        assert!(mapping.body.contains("髙橋　﨑子"), "{}", mapping.body);
        assert!(mapping.body.contains("1970-03-12"), "{}", mapping.body);
        assert!(mapping.body.contains("台帳.csv"), "{}", mapping.body);
        let csrf = mapping.hidden("csrf");
        let started = web
            .post(&mapping_path, &mapping_fields(&csrf, "import"))
            .await;
        let done = finished(&mut web, &started.location.unwrap()).await;
        assert!(
            done.body.contains("自動判定で Shift_JIS として読みました"),
            "{}",
            done.body
        );
        assert_eq!(frame_rows(&db, survey.id), 2);
        let english = web
            .get(&format!("/staff/surveys/{}/sample?lang=en", survey.slug))
            .await;
        assert!(english.body.contains("cp932"), "{}", english.body);
    }
}

#[actix_web::test]
async fn bad_rows_are_listed_by_line_in_japanese_and_nothing_is_stored() {
    for db in databases() {
        let survey = new_survey(&db);
        add_user(&db, "kana", "staff-password-1", Role::Staff);
        let mut web = client(db.state()).await;
        sign_in(&mut web, "kana", "staff-password-1").await;

        // A good frame first, which a refused import must leave as it is.
        let good = register_csv(&[("中央地区", 30)]);
        let uploaded = upload(&mut web, &survey.slug, "auto", "good.csv", good.as_bytes()).await;
        let mapping_path = uploaded.location.unwrap();
        let mapping = web.get(&mapping_path).await;
        let csrf = mapping.hidden("csrf");
        let started = web
            .post(&mapping_path, &mapping_fields(&csrf, "import"))
            .await;
        finished(&mut web, &started.location.unwrap()).await;
        assert_eq!(frame_rows(&db, survey.id), 30);

        let mut bad = register_csv(&[("中央地区", 40)]);
        bad.push_str("900001,山田,太郎,380-0000,長野市1番地,,昭和64年1月8日,1,中央地区,\r\n");
        bad.push_str("900002,山田,次郎,380-0000,長野市1番地,,1970-01-01,3,中央地区,\r\n");
        bad.push_str("000003,山田,三郎,380-0000,長野市1番地,,1970-01-01,1,中央地区,\r\n");
        let uploaded = upload(&mut web, &survey.slug, "auto", "bad.csv", bad.as_bytes()).await;
        let mapping_path = uploaded.location.unwrap();
        let mapping = web.get(&mapping_path).await;
        let csrf = mapping.hidden("csrf");
        let mut fields = mapping_fields(&csrf, "import");
        fields.push(("replace", "1"));
        let started = web.post(&mapping_path, &fields).await;
        let refused = finished(&mut web, &started.location.unwrap()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains("3行に誤りがあるため、何も取り込んでいません"),
            "{}",
            refused.body
        );
        // Lines 42–44 (the header is line 1), each with its reason in Japanese; the resident
        // id on line 44 is the one on line 5.
        assert!(
            refused.body.contains("<td class=\"num\">42</td>"),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("平成元年1月8日"), "{}", refused.body);
        assert!(
            refused.body.contains("<td class=\"num\">43</td>"),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("性別「3」を読み取れません"),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("<td class=\"num\">44</td>"),
            "{}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains("住民番号「000003」は5行目にもあります"),
            "{}",
            refused.body
        );
        assert_eq!(frame_rows(&db, survey.id), 30, "{}", db.backend());
        let english = web
            .get(&format!("{}?lang=en", progress_path(&mapping_path)))
            .await;
        assert!(
            english.body.contains("also appears on line 5"),
            "{}",
            english.body
        );
    }
}

fn progress_path(mapping_path: &str) -> String {
    format!("{mapping_path}/progress")
}

#[actix_web::test]
async fn columns_chosen_by_hand_are_checked_against_the_header_and_required_ones_asked_for() {
    for db in databases() {
        let survey = new_survey(&db);
        add_user(&db, "kana", "staff-password-1", Role::Staff);
        let mut web = client(db.state()).await;
        sign_in(&mut web, "kana", "staff-password-1").await;
        // Headers no guess knows: the columns are chosen on the page.
        let text = "KOJIN,SEIMEI,JUSHO,TANJOBI,SEX\r\nA1,佐藤　一,須坂市1,1980/4/1,F\r\nA2,佐藤　二,須坂市2,R2-4-1,M\r\n";
        let uploaded = upload(&mut web, &survey.slug, "utf-8", "x.csv", text.as_bytes()).await;
        let mapping_path = uploaded.location.unwrap();
        let mapping = web.get(&mapping_path).await;
        let csrf = mapping.hidden("csrf");

        let incomplete = web
            .post(
                &mapping_path,
                &[
                    ("csrf", csrf.as_str()),
                    ("id", "KOJIN"),
                    ("action", "import"),
                ],
            )
            .await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            incomplete
                .body
                .contains("氏名、住所、生年月日の列を選んでください"),
            "{}",
            incomplete.body
        );
        assert_eq!(frame_rows(&db, survey.id), 0);

        let chosen = [
            ("csrf", csrf.as_str()),
            ("id", "KOJIN"),
            ("name1", "SEIMEI"),
            ("address1", "JUSHO"),
            ("birth", "TANJOBI"),
            ("sex", "SEX"),
        ];
        let mut check = chosen.to_vec();
        check.push(("action", "check"));
        let checked = web.post(&mapping_path, &check).await;
        assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
        assert!(checked.body.contains("1980-04-01"), "{}", checked.body);
        assert!(checked.body.contains("令和2年4月1日"), "{}", checked.body);
        assert!(checked.body.contains(">女<"), "{}", checked.body);

        let mut wrong = chosen.to_vec();
        wrong[4] = ("birth", "NO_SUCH_COLUMN");
        wrong.push(("action", "import"));
        let refused = web.post(&mapping_path, &wrong).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("見出しに列「NO_SUCH_COLUMN」がありません"),
            "{}",
            refused.body
        );

        let mut import = chosen.to_vec();
        import.push(("action", "import"));
        let started = web.post(&mapping_path, &import).await;
        let done = finished(&mut web, &started.location.unwrap()).await;
        assert!(
            done.body.contains("<span class=\"rows\">2</span>"),
            "{}",
            done.body
        );
        assert_eq!(frame_rows(&db, survey.id), 2);

        // A draw the frame cannot give is refused with its reason in Japanese.
        let form = web
            .get(&format!("/staff/surveys/{}/draw", survey.slug))
            .await;
        let csrf = form.hidden("csrf");
        let without_n = web
            .post(
                &format!("/staff/surveys/{}/draw", survey.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("reference_date", "2026-12-01"),
                    ("min_age", "16"),
                    ("allocation", "proportional"),
                    ("seed", "7"),
                ],
            )
            .await;
        assert_eq!(without_n.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            without_n.body.contains("標本の大きさ n を入力してください"),
            "{}",
            without_n.body
        );
        let too_many = web
            .post(
                &format!("/staff/surveys/{}/draw", survey.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("reference_date", "2026-12-01"),
                    ("min_age", "16"),
                    ("allocation", "equal"),
                    ("n", "5"),
                    ("seed", "7"),
                ],
            )
            .await;
        assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Only one resident is 16 or over on the reference date.
        assert!(
            too_many.body.contains("名簿の対象者 1人より大きく"),
            "{}",
            too_many.body
        );
        let by_district = web
            .post(
                &format!("/staff/surveys/{}/draw?lang=en", survey.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("reference_date", "2026-12-01"),
                    ("min_age", "16"),
                    ("strata", "district"),
                    ("allocation", "equal"),
                    ("n", "1"),
                    ("seed", "7"),
                ],
            )
            .await;
        assert!(
            by_district.body.contains("have no district"),
            "{}",
            by_district.body
        );
    }
}

#[actix_web::test]
async fn only_staff_and_admins_open_the_register_pages_and_forms_need_their_token() {
    for db in databases() {
        let survey = new_survey(&db);
        add_user(&db, "plan", "planner-password-1", Role::Planner);
        add_user(&db, "kana", "staff-password-1", Role::Staff);
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "plan", "planner-password-1").await;
        for path in ["register", "draw"] {
            let page = planner
                .get(&format!("/staff/surveys/{}/{path}", survey.slug))
                .await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        }
        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "kana", "staff-password-1").await;
        let (content_type, body) = multipart(
            &[("csrf", "forged"), ("encoding", "auto")],
            "r.csv",
            register_csv(&[("中央地区", 3)]).as_bytes(),
        );
        let forged = staff
            .post_raw(
                &format!("/staff/surveys/{}/register/upload", survey.slug),
                &content_type,
                body,
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let empty = upload(&mut staff, &survey.slug, "auto", "empty.csv", b"").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty.body.contains("名簿のファイルを選んでください"),
            "{}",
            empty.body
        );
        let utf16 = upload(
            &mut staff,
            &survey.slug,
            "auto",
            "u16.csv",
            &[0xFF, 0xFE, b'a', 0],
        )
        .await;
        let refused = staff.get(&utf16.location.unwrap()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("UTF-16"), "{}", refused.body);
        assert_eq!(frame_rows(&db, survey.id), 0);
        let unknown = staff
            .get(&format!("/staff/surveys/{}/register/0123abcd", survey.slug))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
}
