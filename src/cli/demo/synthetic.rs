//! Synthetic respondents for a large demo survey (`tsunagari demo --responses N`): a face
//! sheet that agrees with the sampled person's frame record (sex, age band, district), a few
//! latent traits (social network, loneliness, distress) that depend on it, and answers to
//! every question of the questionnaire drawn from those, with the associations a planner
//! expects to see (loneliness higher among those living alone, in poor health, with little
//! economic leeway, with no one to consult; K6 and LSNS-6 related to loneliness).
//!
//! Answers are never written as JSON by hand: an online response is put through
//! [`Questionnaire::save_page`] page by page as the resident flow does (required items,
//! codes, ranges, skips), and a paper response is keyed and read by
//! [`crate::entry::parse_form`] as paper entry does (blank = 無回答, `*` = several marked).
//! Questions the model does not know (a changed questionnaire) get a random valid answer.
//!
//! Pure: no database. Deterministic for a given random stream.

use rand::Rng;
use rand_chacha::ChaCha20Rng;

use crate::questionnaire::{Answers, Question, Questionnaire, RawInput, Response};

/// The national distribution of the direct question in 2023 (人々のつながりに関する基礎調査,
/// 令和5年), % of respondents in option order: 決してない, ほとんどない, たまにある, 時々ある,
/// しばしばある・常にある.
pub const NATIONAL_DIRECT_2023: [f64; 5] = [17.9, 41.4, 19.7, 14.8, 4.8];

/// The national survey's 無回答 on the direct question in 2023, % of respondents.
pub const NATIONAL_DIRECT_NO_ANSWER_2023: f64 = 1.5;

/// Share of respondents taking part in no social activity nationally in 2023 (51.8%).
pub const NATIONAL_NO_PARTICIPATION_2023: f64 = 0.518;

/// What the frame says about a sampled person.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// Stored sex (`male`, `female`, `unknown`).
    pub sex: Option<&'a str>,
    /// Age band label of the frame (`16-29`, `80-`).
    pub age_band: &'a str,
    /// District name of the frame.
    pub district: Option<&'a str>,
}

/// One synthetic respondent: the face sheet and latent traits answers are drawn from.
#[derive(Debug, Clone)]
pub struct Profile {
    age: u32,
    male: bool,
    /// F2 code (1 male, 2 female, 3 other, 4 prefer not to say).
    sex_answer: u32,
    district: Option<String>,
    /// F3: 1 married, 2 never married, 3 widowed, 4 divorced.
    marital: u32,
    household: u32,
    members: Vec<u32>,
    /// F5 code (1 regular … 10 unemployed, 11 not working otherwise, 12 other).
    employment: u32,
    /// Financial leeway in three: 1 comfortable, 2 average, 3 difficult.
    leeway: u32,
    /// F6 code: the five national levels (大変ゆとりがある … 大変苦しい).
    economic: u32,
    /// F7: 1 good, 2 average, 3 not good.
    health: u32,
    /// S2 code.
    years: u32,
    /// Someone in the household needs care.
    care: bool,
    /// Returns the form by post (keyed on paper) rather than online.
    pub paper: bool,
    network: f64,
    lonely: f64,
    distress_noise: f64,
    distress: f64,
    /// 問8 code, fixed once the whole group is known ([`calibrate`]).
    direct: u32,
    /// Uniform draw deciding who leaves 問8 blank ([`calibrate`]).
    blank_draw: f64,
    /// Leaves 問8 blank (then answers on paper, where a blank is possible).
    direct_blank: bool,
}

fn normal(rng: &mut ChaCha20Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn chance(rng: &mut ChaCha20Rng, p: f64) -> bool {
    rng.gen::<f64>() < p.clamp(0.0, 1.0)
}

/// The options of a multiple-choice item, each chosen with its own probability (in order, so
/// the draws are the same on every machine); `otherwise` when none was.
fn each_by_chance(rng: &mut ChaCha20Rng, options: &[(u32, f64)], otherwise: u32) -> Vec<u32> {
    let chosen: Vec<u32> = options
        .iter()
        .filter(|(_, p)| chance(rng, *p))
        .map(|(code, _)| *code)
        .collect();
    if chosen.is_empty() {
        vec![otherwise]
    } else {
        chosen
    }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Index drawn with the given weights.
pub(super) fn pick(rng: &mut ChaCha20Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut roll = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}

/// How many of `cuts` (ascending) lie below `z`: an ordinal category 0..=cuts.len().
fn ordinal(z: f64, cuts: &[f64]) -> u32 {
    cuts.iter().filter(|c| z > **c).count() as u32
}

/// Bounds of a frame age band label (`16-29` → 16..=29, `80+` or `80-` → 80..=95).
fn band_bounds(label: &str) -> (u32, u32) {
    let numbers: Vec<u32> = label
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|part| part.parse().ok())
        .collect();
    match numbers[..] {
        [lo, hi, ..] => (lo, hi.max(lo)),
        [lo] => (lo, 95.max(lo)),
        [] => (40, 60),
    }
}

/// The probability that a sampled person answers at all (older residents answer more, as in
/// the national survey), used to choose who responds.
pub fn response_propensity(person: &Person<'_>) -> f64 {
    let (lo, _) = band_bounds(person.age_band);
    let by_age = match lo {
        0..=29 => 0.35,
        30..=39 => 0.45,
        40..=49 => 0.5,
        50..=59 => 0.6,
        60..=69 => 0.7,
        70..=79 => 0.75,
        _ => 0.55,
    };
    by_age
        * if person.sex == Some("female") {
            1.1
        } else {
            1.0
        }
}

/// Draws the face sheet and latent traits of one respondent.
pub fn profile(person: &Person<'_>, rng: &mut ChaCha20Rng) -> Profile {
    let (lo, hi) = band_bounds(person.age_band);
    let age = rng.gen_range(lo..=hi);
    let male = match person.sex {
        Some("male") => true,
        Some("female") => false,
        _ => chance(rng, 0.48),
    };
    let sex_answer = match rng.gen_range(0..1000) {
        0..=3 => 3,
        4..=11 => 4,
        _ if male => 1,
        _ => 2,
    };
    // 1 married, 2 never married, 3 widowed, 4 divorced.
    let marital = 1 + pick(
        rng,
        &match age {
            0..=24 => [5.0, 95.0, 0.0, 0.0],
            25..=34 => [45.0, 52.0, 0.0, 3.0],
            35..=49 => [70.0, 22.0, 1.0, 7.0],
            50..=64 => [75.0, 12.0, 4.0, 9.0],
            65..=74 if male => [80.0, 6.0, 7.0, 7.0],
            65..=74 => [62.0, 5.0, 26.0, 7.0],
            _ if male => [70.0, 4.0, 20.0, 6.0],
            _ => [35.0, 4.0, 55.0, 6.0],
        },
    ) as u32;
    let alone_p = match marital {
        1 => 0.0,
        2 if age < 30 => 0.2,
        2 if age < 65 => 0.3,
        2 => 0.55,
        3 => 0.5,
        _ => 0.45,
    };
    let household = if chance(rng, alone_p) {
        1
    } else {
        let extra = match (marital, age) {
            (1, 28..=59) => pick(rng, &[25.0, 30.0, 30.0, 10.0, 5.0]),
            (1, 60..) => pick(rng, &[70.0, 18.0, 7.0, 3.0, 2.0]),
            (2, 0..=49) => pick(rng, &[15.0, 35.0, 30.0, 15.0, 5.0]),
            _ => pick(rng, &[50.0, 30.0, 12.0, 5.0, 3.0]),
        };
        2 + extra as u32
    };
    let mut members = Vec::new();
    if household >= 2 {
        if marital == 1 {
            members.push(1);
        }
        let with_children = match marital {
            1 => (28..=64).contains(&age) && household >= 3 && chance(rng, 0.85),
            3 | 4 => chance(rng, 0.7),
            _ => false,
        } || (age >= 75 && household >= 3 && chance(rng, 0.5));
        if with_children {
            members.push(2);
        }
        if (marital == 2 && age < 50 && chance(rng, 0.85)) || (age < 45 && chance(rng, 0.05)) {
            members.push(3);
            if household >= 4 && chance(rng, 0.5) {
                members.push(4);
            }
            if age < 30 && household >= 5 && chance(rng, 0.3) {
                members.push(5);
            }
        }
        if age >= 60 && household >= 4 && chance(rng, 0.4) {
            members.push(6);
        }
        if chance(rng, 0.03) {
            members.push(7);
        }
        if members.is_empty() {
            members.push(if chance(rng, 0.5) { 4 } else { 8 });
        }
        members.sort_unstable();
        members.dedup();
    }
    // Broad groups: 1 regular, 2 non-regular, 3 executive, 4 self-employed or family worker,
    // 5 student, 6 homemaker, 7 not working, 8 other; then the national categories.
    let broad = 1 + pick(
        rng,
        &match age {
            0..=18 => [0.0, 3.0, 0.0, 0.0, 95.0, 0.0, 2.0, 0.0],
            19..=22 => [12.0, 15.0, 0.0, 0.0, 70.0, 0.0, 3.0, 0.0],
            23..=59 if male => [70.0, 8.0, 4.0, 8.0, 1.0, 1.0, 6.0, 2.0],
            23..=59 => [40.0, 30.0, 1.0, 5.0, 1.0, 15.0, 6.0, 2.0],
            60..=64 if male => [40.0, 20.0, 5.0, 12.0, 0.0, 0.0, 20.0, 3.0],
            60..=64 => [15.0, 30.0, 0.0, 7.0, 0.0, 30.0, 15.0, 3.0],
            65..=74 if male => [8.0, 20.0, 3.0, 12.0, 0.0, 0.0, 52.0, 5.0],
            65..=74 => [3.0, 15.0, 0.0, 5.0, 0.0, 40.0, 34.0, 3.0],
            _ if male => [1.0, 5.0, 1.0, 10.0, 0.0, 0.0, 80.0, 3.0],
            _ => [0.0, 3.0, 0.0, 5.0, 0.0, 35.0, 55.0, 2.0],
        },
    ) as u32;
    let employment = match broad {
        1 => 1,
        2 => [2, 3, 4][pick(rng, &[65.0, 10.0, 25.0])],
        3 => 5,
        4 => [6, 7][pick(rng, &[75.0, 25.0])],
        5 => 8,
        6 => 9,
        7 if age < 65 && chance(rng, 0.4) => 10,
        7 => 11,
        _ => 12,
    };
    let jobless = matches!(employment, 10 | 11) && age < 65;
    let working = matches!(employment, 1..=7);
    let years_over = f64::from(age.saturating_sub(16));
    let poor_health = 0.08 + 0.0032 * years_over + if jobless { 0.15 } else { 0.0 };
    let good_health = (0.5 - 0.004 * years_over).max(0.15);
    let health = 1 + pick(
        rng,
        &[
            good_health,
            (1.0 - good_health - poor_health).max(0.1),
            poor_health,
        ],
    ) as u32;
    let mut little = 0.28;
    let mut leeway_p = 0.15;
    match employment {
        1 | 5 => {
            little -= 0.1;
            leeway_p += 0.1;
        }
        2..=4 => little += 0.1,
        10 => little += 0.3,
        _ if jobless => little += 0.2,
        _ => {}
    }
    if marital == 4 {
        little += 0.15;
    }
    if health == 3 {
        little += 0.08;
    }
    if household == 1 {
        little += 0.05;
    }
    let leeway = 1 + pick(rng, &[leeway_p, 1.0 - leeway_p - little, little]) as u32;
    let economic = match leeway {
        1 if chance(rng, 0.15) => 1,
        1 => 2,
        2 => 3,
        _ if chance(rng, 0.3) => 5,
        _ => 4,
    };
    let care = chance(
        rng,
        0.06 + 0.12 * f64::from(u8::from(age >= 75))
            + 0.08 * f64::from(u8::from(health == 3))
            + 0.05 * f64::from(u8::from(household >= 3 && (45..=70).contains(&age))),
    );
    // 1 under 5 years, 2 5–10, 3 10–20, 4 20 or more.
    let lived = if chance(rng, 0.55) {
        age
    } else {
        rng.gen_range(0..=age.saturating_sub(18).max(1))
    };
    let years = match lived {
        0..=4 => 1,
        5..=9 => 2,
        10..=19 => 3,
        _ => 4,
    };
    let district = if chance(rng, 0.02) {
        None
    } else {
        person.district.map(str::to_string)
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let network = normal(rng) + 0.4 * flag(marital == 1) + 0.3 * flag(household >= 3)
        - 0.3 * flag(household == 1)
        + 0.2 * flag(working)
        - 0.1 * flag(age >= 80)
        - 0.3 * flag(health == 3)
        + 0.2 * flag(years == 4);
    // Effects in the direction (and roughly the size) of the national survey's tables.
    let lonely = 0.3 * flag(household == 1)
        + 0.5 * flag(health == 3)
        + 0.15 * flag(health == 2)
        + 0.45 * flag(leeway == 3)
        - 0.15 * flag(leeway == 1)
        + 0.25 * flag(marital == 4)
        + 0.2 * flag(marital == 2 && age >= 30)
        + 0.1 * flag(marital == 3)
        + 0.25 * flag(jobless)
        + 0.15 * flag(employment == 10)
        + 0.1 * flag(care)
        + 0.3 * flag(age < 40)
        - 0.25 * flag(age >= 65)
        - 0.4 * network
        + 0.9 * normal(rng);
    let paper_p = match age {
        0..=29 => 0.1,
        30..=39 => 0.15,
        40..=49 => 0.2,
        50..=59 => 0.3,
        60..=69 => 0.45,
        70..=79 => 0.65,
        _ => 0.8,
    };
    Profile {
        age,
        male,
        sex_answer,
        district,
        marital,
        household,
        members,
        employment,
        leeway,
        economic,
        health,
        years,
        care,
        paper: chance(rng, paper_p),
        network,
        lonely,
        distress_noise: normal(rng),
        distress: 0.0,
        direct: 2,
        blank_draw: rng.gen(),
        direct_blank: false,
    }
}

fn standardise(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt().max(1e-9))
}

/// Puts the latent traits of the whole group on a common scale and gives the direct
/// question the national distribution of 2023 ([`NATIONAL_DIRECT_2023`]: 決してない 17.9%,
/// ほとんどない 41.4%, たまにある 19.7%, 時々ある 14.8%, しばしばある・常にある 4.8%, 無回答
/// 1.5%) by cutting loneliness at its quantiles. Those who leave it blank answer on paper.
pub fn calibrate(profiles: &mut [Profile]) {
    if profiles.is_empty() {
        return;
    }
    let (nm, ns) = standardise(profiles.iter().map(|p| p.network));
    let (lm, ls) = standardise(profiles.iter().map(|p| p.lonely));
    for p in profiles.iter_mut() {
        p.network = (p.network - nm) / ns;
        p.lonely = (p.lonely - lm) / ls;
        p.distress = 0.6 * p.lonely
            + 0.5 * f64::from(u8::from(p.health == 3))
            + 0.3 * f64::from(u8::from(p.leeway == 3))
            + 0.2 * f64::from(u8::from(p.age < 30))
            + 0.8 * p.distress_noise;
    }
    let (dm, ds) = standardise(profiles.iter().map(|p| p.distress));
    let mut sorted: Vec<f64> = profiles.iter().map(|p| p.lonely).collect();
    sorted.sort_by(f64::total_cmp);
    let at = |share: f64| sorted[((sorted.len() as f64 * share) as usize).min(sorted.len() - 1)];
    let answered: f64 = NATIONAL_DIRECT_2023.iter().sum();
    let mut cumulative = 0.0;
    let mut cuts = [0.0; 4];
    for (cut, share) in cuts.iter_mut().zip(NATIONAL_DIRECT_2023) {
        cumulative += share;
        *cut = at(cumulative / answered);
    }
    let blank = NATIONAL_DIRECT_NO_ANSWER_2023 / 100.0;
    for p in profiles.iter_mut() {
        p.distress = (p.distress - dm) / ds;
        p.direct = 1 + cuts.iter().filter(|c| p.lonely >= **c).count() as u32;
        p.direct_blank = p.blank_draw < blank;
        p.paper |= p.direct_blank;
    }
}

/// Short free comments (問9) some respondents write.
const COMMENTS: [&str; 8] = [
    "近所の人と話す機会が減りました。気軽に集まれる場所があるとよいと思います。",
    "一人暮らしの高齢者への見守りを続けてほしいです。",
    "相談窓口があることを知りませんでした。もっと周知してほしいです。",
    "子育て中は孤独を感じることが多く、同じ立場の人と知り合える場がほしいです。",
    "仕事が忙しく、地域の活動に参加する余裕がありません。",
    "アンケートの結果を市の施策に活かしてください。",
    "オンラインで相談できる窓口があると助かります。",
    "趣味のサークルで友人ができ、毎日が楽しくなりました。",
];

/// What the model answers to a question it knows, as raw form values (codes, a number, a
/// text); `None` for questions it does not know or leaves blank.
fn modelled(question: &Question, p: &Profile, rng: &mut ChaCha20Rng) -> Option<Vec<String>> {
    let codes = |codes: Vec<u32>| Some(codes.into_iter().map(|c| c.to_string()).collect());
    let one = |code: u32| codes(vec![code]);
    let id = question.id.as_str();
    let older = f64::from(p.age.saturating_sub(16)) / 70.0;
    match id {
        "age_band" => one(if p.age < 20 {
            1
        } else {
            (2 + (p.age - 20) / 10).min(8)
        }),
        "sex" => one(p.sex_answer),
        "marital_status" => one(p.marital),
        "household_size" => Some(vec![p.household.to_string()]),
        "household_members" => codes(p.members.clone()),
        "employment_status" => one(p.employment),
        "economic_situation" => one(p.economic),
        "health" => one(p.health),
        "years_of_residence" => one(p.years),
        "district" => {
            let label = p.district.as_deref().unwrap_or("わからない");
            let code = question
                .response
                .options()
                .iter()
                .find(|o| o.label.ja == label)
                .map(|o| o.code)?;
            one(code)
        }
        "direct" => one(p.direct),
        // 4 points; about 7% score 10–12 on the three items together.
        _ if id.starts_with("ucla_") => {
            let z = 0.85 * p.lonely + 0.5 * normal(rng);
            one(1 + ordinal(z, &[-0.47, 0.6, 1.6]))
        }
        // 5 points, mostly まったくない; about 5% score 13 or more on the six items.
        _ if id.starts_with("k6_") => {
            let z = 0.8 * p.distress + 0.6 * normal(rng);
            one(1 + ordinal(z, &[0.2, 0.92, 1.55, 2.1]))
        }
        // いない … 9人以上; family closer for those living with others.
        _ if id.starts_with("lsns_family_") => {
            let z = 0.65 * p.network + 0.35 * f64::from(u8::from(p.household >= 2)) - 0.2
                + 0.6 * normal(rng);
            one(1 + ordinal(z, &[-1.4, -0.74, -0.13, 0.58, 1.28]))
        }
        _ if id.starts_with("lsns_friends_") => {
            let z = 0.7 * p.network - 0.2 * p.lonely - 0.2 * f64::from(u8::from(p.age >= 75))
                + 0.6 * normal(rng);
            one(1 + ordinal(z, &[-1.4, -0.74, -0.13, 0.58, 1.28]))
        }
        // 1 = 週4～5回以上 … 7 = 全くない: the higher z, the more often.
        "contact_in_person" | "contact_phone" | "contact_sns_mail" => {
            let age_effect = match id {
                "contact_phone" => 0.5 * older - 0.2,
                "contact_sns_mail" => 0.6 - 1.6 * older,
                _ => 0.0,
            };
            let z = 0.7 * p.network + age_effect + 0.7 * normal(rng);
            one(7 - ordinal(z, &[-1.4, -0.9, -0.35, 0.1, 0.6, 1.2]))
        }
        // About half take part in nothing, as nationally (51.8% in 2023).
        "participation" => {
            let s = p.network;
            let mut chosen = Vec::new();
            let activities = [
                (1, -2.5 + 2.0 * older + 0.5 * s),
                (
                    2,
                    if (30..55).contains(&p.age) {
                        -1.5
                    } else {
                        -5.0
                    } + 0.3 * s,
                ),
                (3, -2.9 + 0.6 * s + 0.5 * older),
                (4, -1.2 + 0.5 * s - 0.6 * f64::from(u8::from(p.health == 3))),
                (5, -3.4 + 0.2 * s),
            ];
            for (code, x) in activities {
                if chance(rng, logistic(x)) {
                    chosen.push(code);
                }
            }
            if chosen.is_empty() {
                chosen.push(6);
            }
            codes(chosen)
        }
        "support_received" => {
            let yes = 0.03
                + 0.08 * f64::from(u8::from(p.health == 3))
                + 0.05 * f64::from(u8::from(p.leeway == 3))
                + 0.04 * f64::from(u8::from(p.age >= 80));
            one(1 + pick(rng, &[yes, 0.95 - yes, 0.05]) as u32)
        }
        "help_intention" => one(
            if chance(rng, logistic(1.3 + 0.5 * p.network - 0.3 * p.lonely)) {
                1
            } else {
                2
            },
        ),
        "rely_on_who" => {
            let family = if p.household >= 2 || p.marital == 1 {
                0.85
            } else {
                0.55
            };
            let working = matches!(p.employment, 1..=8);
            let candidates = [
                (1, family),
                (2, 0.5 + 0.1 * p.network - 0.2 * older),
                (3, if working { 0.15 } else { 0.01 }),
                (4, 0.04 + 0.04 * older),
                (5, 0.02 + 0.04 * older),
                (6, 0.02),
                (7, 0.02),
            ];
            codes(each_by_chance(
                rng,
                &candidates,
                if p.household >= 2 { 1 } else { 2 },
            ))
        }
        "rely_on" => {
            let none = logistic(
                -3.2 + 1.0 * p.lonely - 0.9 * p.network
                    + 0.5 * f64::from(u8::from(p.household == 1)),
            );
            one(if chance(rng, none) { 2 } else { 1 })
        }
        "consult" => {
            let none = logistic(
                -2.9 + 1.1 * p.lonely - 0.9 * p.network + 0.4 * f64::from(u8::from(p.male)),
            );
            one(if chance(rng, none) { 2 } else { 1 })
        }
        "consult_who" => {
            let family = if p.household >= 2 || p.marital == 1 {
                0.85
            } else {
                0.5
            };
            let working = matches!(p.employment, 1..=8);
            let candidates = [
                (1, family),
                (2, 0.55 + 0.1 * p.network - 0.2 * older),
                (3, 0.04 + 0.1 * older),
                (4, if working { 0.2 } else { 0.01 }),
                (5, 0.03),
                (6, 0.02 + 0.02 * f64::from(u8::from(p.lonely > 1.0))),
                (7, 0.01),
                (8, 0.05 + 0.1 * f64::from(u8::from(p.health == 3))),
                (9, 0.02),
            ];
            codes(each_by_chance(
                rng,
                &candidates,
                if p.household >= 2 { 1 } else { 2 },
            ))
        }
        // National-extra: the longer, the older and the lonelier.
        "loneliness_duration" => {
            let z = 0.3 * p.lonely + 0.8 * older + 0.8 * normal(rng);
            one(1 + ordinal(z, &[-0.6, 0.0, 0.45, 0.95]))
        }
        "life_events" => {
            let f = |b: bool| f64::from(u8::from(b));
            let lift = 1.0 + 0.5 * p.lonely.max(0.0);
            let events = [
                (1, 0.08 + 0.25 * f(p.marital == 3) + 0.05 * older),
                (2, 0.04 + 0.25 * f(p.household == 1)),
                (3, 0.05 + 0.2 * f(p.health == 3)),
                (4, 0.05 + 0.05 * f(p.age < 50)),
                (5, 0.02 + 0.2 * f(p.employment == 10) + 0.05 * f(p.age < 25)),
                (6, 0.02 + 0.12 * f(p.leeway == 3)),
                (7, 0.02 + 0.15 * f(p.care)),
                (8, 0.05 * f(p.age < 50)),
                (9, 0.02),
            ];
            let mut chosen: Vec<u32> = events
                .iter()
                .filter(|(_, pr)| chance(rng, pr * lift))
                .map(|(c, _)| *c)
                .collect();
            if chosen.is_empty() {
                chosen.push(10);
            }
            codes(chosen)
        }
        "casual_talk" => {
            let none = logistic(-2.6 + 0.9 * p.lonely - 0.8 * p.network);
            one(if chance(rng, none) { 2 } else { 1 })
        }
        // Suzaka's items.
        "birthplace" => one(if chance(rng, 0.45 + 0.3 * older) {
            1
        } else {
            2
        }),
        "care_needs" => one(if p.care { 1 } else { 2 }),
        "hobbies" => {
            let none = logistic(
                -1.3 + 0.5 * p.lonely - 0.4 * p.network + 0.4 * f64::from(u8::from(p.health == 3)),
            );
            one(if chance(rng, none) { 2 } else { 1 })
        }
        "outings" => {
            let z = 0.4 * p.network + 0.4 * f64::from(u8::from(matches!(p.employment, 1..=8)))
                - 0.9 * f64::from(u8::from(p.age >= 80))
                - 0.6 * f64::from(u8::from(p.health == 3))
                + normal(rng);
            one(1 + ordinal(-z, &[-0.1, 0.5, 1.1, 1.5, 2.0]))
        }
        "activity_range" => {
            let z = 0.5 * p.network + 0.3 * f64::from(u8::from(matches!(p.employment, 1..=8)))
                - 0.8 * f64::from(u8::from(p.age >= 80))
                - 0.5 * f64::from(u8::from(p.health == 3))
                + normal(rng);
            one(1 + ordinal(z, &[-2.4, -1.3, -0.6]))
        }
        "transport" => {
            let f = |b: bool| f64::from(u8::from(b));
            if p.age >= 75 && p.health == 3 && chance(rng, 0.25) {
                return codes(vec![8]);
            }
            let drives = (18..=85).contains(&p.age) && chance(rng, 0.85 - 0.45 * f(p.age >= 75));
            let means = [
                (1, 0.6 - 0.2 * f(p.health == 3)),
                (2, 0.3 * f(p.age < 70)),
                (3, f(drives)),
                (4, 0.12 + 0.3 * f(p.age >= 75 || !drives)),
                (5, 0.25 + 0.15 * f(!drives)),
                (6, 0.04 + 0.1 * f(p.age >= 75)),
                (7, 0.02),
            ];
            codes(each_by_chance(rng, &means, 1))
        }
        _ if id.starts_with("window_") => {
            let f = |b: bool| f64::from(u8::from(b));
            let (know, used) = match id {
                "window_welfare" => (0.35 + 0.2 * older, 0.05 + 0.05 * f(p.leeway == 3)),
                "window_livelihood" => (0.2, 0.02 + 0.08 * f(p.leeway == 3 || p.employment == 10)),
                "window_council" => (0.4 + 0.3 * older, 0.06 * older),
                "window_elderly" => (0.25 + 0.4 * older, 0.08 * f(p.care || p.age >= 75)),
                "window_children" => (
                    0.3 * f(p.age < 60) + 0.1,
                    0.06 * f((28..=50).contains(&p.age)),
                ),
                _ => (0.2, 0.02 + 0.04 * f(p.distress > 1.0)),
            };
            one(if chance(rng, used) {
                1
            } else if chance(rng, know) {
                2
            } else {
                3
            })
        }
        "consult_easier" => {
            let f = |b: bool| f64::from(u8::from(b));
            if chance(rng, 0.2) {
                return codes(vec![10]);
            }
            let wishes = [
                (1, 0.3 + 0.1 * older),
                (2, 0.25),
                (3, 0.1 + 0.3 * f(p.age < 40)),
                (4, 0.2 + 0.1 * f(matches!(p.employment, 1..=7))),
                (5, 0.25),
                (6, 0.15),
                (7, 0.35),
                (8, 0.25),
                (9, 0.02),
            ];
            codes(each_by_chance(rng, &wishes, 10))
        }
        "comments" => {
            chance(rng, 0.04).then(|| vec![COMMENTS[rng.gen_range(0..COMMENTS.len())].to_string()])
        }
        _ => None,
    }
}

/// A random valid answer for a question the model does not know (or whose model answer the
/// questionnaire no longer accepts); `None` leaves an optional text blank.
fn generic(question: &Question, rng: &mut ChaCha20Rng) -> Option<Vec<String>> {
    let options = question.response.options();
    match &question.response {
        Response::Single { .. } => Some(vec![options[rng.gen_range(0..options.len())]
            .code
            .to_string()]),
        Response::Multiple { .. } => {
            let plain: Vec<_> = options.iter().filter(|o| !o.exclusive).collect();
            let code = match plain.is_empty() {
                true => options[0].code,
                false => plain[rng.gen_range(0..plain.len())].code,
            };
            Some(vec![code.to_string()])
        }
        Response::Number { min, max, .. } => Some(vec![(min + f64::from(rng.gen_range(0..4u8)))
            .min(*max)
            .to_string()]),
        Response::Text { .. } if question.required => Some(vec!["特になし".to_string()]),
        Response::Text { .. } => None,
    }
}

/// The raw values a respondent gives for a shown question: the model's answer when the
/// question accepts it, otherwise a generic valid one.
fn values(question: &Question, p: &Profile, rng: &mut ChaCha20Rng) -> Vec<String> {
    if let Some(values) = modelled(question, p, rng) {
        if matches!(question.parse_values(&values), Ok(Some(_))) {
            return values;
        }
    }
    generic(question, rng).unwrap_or_default()
}

/// Share of paper forms with nothing (readable) marked for a question, on average over
/// paper forms (online, required questions cannot be left out).
fn paper_missing_rate(id: &str) -> f64 {
    match id {
        // Decided for the whole group in [`calibrate`] (the national 1.5%).
        "direct" => 0.0,
        "economic_situation" => 0.06,
        "household_size" => 0.035,
        "years_of_residence" => 0.03,
        "marital_status" | "health" | "age_band" | "sex" => 0.02,
        "participation" | "consult_who" | "household_members" => 0.035,
        "comments" => 0.0,
        _ if id.starts_with("k6_") || id.starts_with("lsns_") => 0.02,
        _ => 0.02,
    }
}

/// Share of paper forms on which a whole grid (K6, LSNS-6, contact) is left blank.
const PAPER_GRID_BLANK: f64 = 0.02;

/// A complete online response, saved page by page through the questionnaire's own parsing.
pub fn online_answers(
    q: &Questionnaire,
    p: &Profile,
    rng: &mut ChaCha20Rng,
) -> Result<Answers, String> {
    let mut answers = Answers::new();
    let mut page = q.visible_pages(&answers).first().copied();
    while let Some(index) = page {
        let visibility = q.visibility(&answers);
        let mut input = RawInput::default();
        for (question, shown) in q.questions().iter().zip(&visibility) {
            if question.page_index != index || !shown {
                continue;
            }
            for value in values(question, p, rng) {
                input.push(question.id.clone(), value);
            }
        }
        match q.save_page(index, &input, &mut answers) {
            Ok(Ok(())) => {}
            Ok(Err(errors)) => {
                return Err(format!(
                    "page {index}: {:?}",
                    errors
                        .errors
                        .iter()
                        .map(|e| e.message(crate::questionnaire::Lang::En))
                        .collect::<Vec<_>>()
                ))
            }
            Err(e) => return Err(e.to_string()),
        }
        page = q.next_page(index, &answers);
    }
    if !q.is_complete(&answers) {
        return Err("the synthetic online answers are not complete".into());
    }
    Ok(answers)
}

/// A paper form as keyed: skipped questions left blank, a few items with nothing marked or
/// several options marked on a single-choice question, read by paper entry's parser.
pub fn paper_answers(
    q: &Questionnaire,
    p: &Profile,
    rng: &mut ChaCha20Rng,
) -> Result<Answers, String> {
    let mut answers = Answers::new();
    let mut input = RawInput::default();
    // Most forms are filled in completely; blanks cluster on the others (more so among the
    // oldest), and sometimes a whole grid is left out.
    let blanks = if chance(rng, 0.6) {
        0.0
    } else {
        -2.5 * (1.0 - rng.gen::<f64>()).ln() * if p.age >= 75 { 1.5 } else { 1.0 }
    };
    let mut blank_grids: Vec<&str> = Vec::new();
    let mut seen_grids: Vec<&str> = Vec::new();
    for (index, question) in q.questions().iter().enumerate() {
        // Shown as the form's skip instructions read, given what was marked so far.
        if !q.visibility(&answers)[index] {
            continue;
        }
        if question.stem.is_some() && !seen_grids.contains(&question.item_id.as_str()) {
            seen_grids.push(&question.item_id);
            if chance(rng, PAPER_GRID_BLANK * blanks) {
                blank_grids.push(&question.item_id);
            }
        }
        let keyed = if question.id == "direct" {
            match p.direct_blank {
                true => String::new(),
                false => values(question, p, rng).join(" "),
            }
        } else if blank_grids.contains(&question.item_id.as_str())
            || chance(rng, paper_missing_rate(&question.id) * blanks)
        {
            String::new()
        } else if matches!(question.response, Response::Single { .. }) && chance(rng, 0.003) {
            crate::entry::KEY_MULTIPLE_MARKED.to_string()
        } else {
            values(question, p, rng).join(" ")
        };
        let answer = crate::entry::parse_keyed(question, &keyed).map_err(|e| {
            format!(
                "{}: {}",
                question.id,
                e.message(crate::questionnaire::Lang::En)
            )
        })?;
        answers.insert(question.id.clone(), answer);
        input.push(question.id.clone(), keyed);
    }
    let form = crate::entry::parse_form(q, &input);
    if let Some(e) = form.errors.first().or(form.skip_flags.first()) {
        return Err(format!(
            "synthetic paper form, {}: {}",
            e.question_id,
            e.message(crate::questionnaire::Lang::En)
        ));
    }
    Ok(form.answers)
}

/// Comments a few participants of the demo's training evaluation leave.
const OPEN_COMMENTS: [&str; 6] = [
    "声のかけ方を具体的に練習できたのがよかったです。",
    "相談窓口の一覧を職場でも共有したいと思います。",
    "時間が短く感じました。事例の紹介をもっと聞きたかったです。",
    "身近な人の変化に気づくことの大切さがわかりました。",
    "オンラインでも受講できるとありがたいです。",
    "",
];

/// One participant's answers to an open questionnaire (the demo's training evaluation): the
/// first options most often, every choice question answered, now and then a comment.
pub fn open_answers(q: &Questionnaire, rng: &mut ChaCha20Rng) -> Answers {
    use crate::questionnaire::Answer;
    let mut answers = Answers::new();
    for question in q.questions() {
        match &question.response {
            Response::Single { options } => {
                let weights: Vec<f64> = (0..options.len())
                    .map(|i| 0.55_f64.powi(i as i32))
                    .collect();
                answers.insert(
                    &question.id,
                    Answer::Choice(options[pick(rng, &weights)].code),
                );
            }
            Response::Text { .. } if chance(rng, 0.4) => {
                let text = OPEN_COMMENTS[rng.gen_range(0..OPEN_COMMENTS.len())];
                if !text.is_empty() {
                    answers.insert(&question.id, Answer::Text(text.into()));
                }
            }
            _ => {}
        }
    }
    answers
}

/// Whether `answers` is a valid stored answer set: every answer valid for its question and
/// no answer to a question the skips hide.
pub fn check(q: &Questionnaire, answers: &Answers) -> Result<(), String> {
    let mut problems = q.check_answers(answers);
    problems.extend(q.skip_violations(answers));
    match problems.first() {
        Some(e) => Err(format!(
            "{}: {}",
            e.question_id,
            e.message(crate::questionnaire::Lang::En)
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::Answer;
    use rand::SeedableRng;

    fn questionnaire() -> Questionnaire {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        );
        let q = crate::questionnaire::load_file(path).unwrap();
        let all: Vec<String> = q.modules().iter().map(|m| m.id.clone()).collect();
        q.with_modules(all).unwrap()
    }

    /// `n` calibrated respondents spread over the frame's age bands and both sexes.
    fn group(n: usize, rng: &mut ChaCha20Rng) -> Vec<Profile> {
        let bands = ["16-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-"];
        let mut profiles: Vec<Profile> = (0..n)
            .map(|i| {
                let person = Person {
                    sex: Some(if i % 2 == 0 { "male" } else { "female" }),
                    age_band: bands[i % bands.len()],
                    district: Some("中央地区"),
                };
                profile(&person, rng)
            })
            .collect();
        calibrate(&mut profiles);
        profiles
    }

    #[test]
    fn the_direct_question_follows_the_national_distribution_of_2023_with_its_blanks() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let profiles = group(8000, &mut rng);
        let n = profiles.len() as f64;
        let blank = profiles.iter().filter(|p| p.direct_blank).count() as f64 / n;
        assert!((blank - 0.015).abs() < 0.004, "無回答 {blank}");
        assert!(profiles.iter().filter(|p| p.direct_blank).all(|p| p.paper));
        for (code, national) in (1..=5).zip(NATIONAL_DIRECT_2023) {
            let share = profiles
                .iter()
                .filter(|p| !p.direct_blank && p.direct == code)
                .count() as f64
                / n;
            assert!(
                (100.0 * share - national).abs() < 0.6,
                "code {code}: {:.1}% vs {national}%",
                100.0 * share
            );
        }
        // A blank on paper is read as 無回答; the form is otherwise valid.
        let q = questionnaire();
        let blank = profiles.iter().find(|p| p.direct_blank).unwrap();
        let answers = paper_answers(&q, blank, &mut rng).unwrap();
        assert!(matches!(answers.get("direct"), Some(Answer::Missing(_))));
        check(&q, &answers).unwrap();
    }

    #[test]
    fn about_half_take_part_in_no_activity_and_every_module_gets_valid_answers() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let q = questionnaire();
        let profiles = group(1500, &mut rng);
        let mut none = 0;
        let mut activities = [0usize; 5];
        let mut no_transport = 0;
        let mut no_hobbies = 0;
        for p in &profiles {
            let answers = match p.paper {
                true => paper_answers(&q, p, &mut rng),
                false => online_answers(&q, p, &mut rng),
            }
            .unwrap();
            check(&q, &answers).unwrap();
            match answers.get("participation") {
                Some(Answer::Choices(codes)) if codes == &[6] => none += 1,
                Some(Answer::Choices(codes)) => {
                    for code in codes {
                        activities[*code as usize - 1] += 1;
                    }
                }
                _ => {}
            }
            no_transport +=
                usize::from(answers.get("transport") == Some(&Answer::Choices(vec![8])));
            no_hobbies += usize::from(answers.get("hobbies") == Some(&Answer::Choice(2)));
        }
        let share = |count: usize| count as f64 / profiles.len() as f64;
        assert!((0.44..=0.60).contains(&share(none)), "none {}", share(none));
        // Sport and hobbies the most common activity, then the local community.
        assert!(activities[3] > activities[0] && activities[0] > activities[4]);
        assert!(share(activities[3]) < 0.4, "{activities:?}");
        assert!(share(no_transport) < 0.05 && no_transport > 0);
        assert!((0.1..0.45).contains(&share(no_hobbies)));
    }
}
