//! Demo data below the command line: a deterministic synthetic register of the demo city,
//! used by `tsunagari demo`, the tests and the benchmarks. Pure: no database, no web.

/// The districts of the demo city (as in the national questionnaire's F9).
const DEMO_DISTRICTS: [&str; 10] = [
    "中央地区",
    "北部地区",
    "東部地区",
    "西部地区",
    "南部地区",
    "旭ヶ丘地区",
    "川原地区",
    "山手地区",
    "緑が丘地区",
    "港地区",
];

/// The columns of [`synthetic_register`]'s header (住民番号, 氏, 名, 住所, 郵便番号, 生年月日,
/// 性別, 地区).
pub fn synthetic_register_columns() -> crate::sampling::register::ColumnMapping {
    crate::sampling::register::ColumnMapping {
        resident_id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into()],
        postal_code: Some("郵便番号".into()),
        birth_date: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: None,
    }
}

/// A deterministic synthetic register extract (UTF-8 CSV) of `rows` residents of the demo
/// city: names, addresses, postal codes, era-form birth dates, sex codes, districts.
pub fn synthetic_register(rows: usize) -> String {
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    const FAMILY: [&str; 16] = [
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "伊藤",
        "渡辺",
        "山本",
        "中村",
        "小林",
        "加藤",
        "吉田",
        "山田",
        "佐々木",
        "松本",
        "井上",
        "木村",
    ];
    const MALE: [&str; 8] = ["翔太", "健一", "大輔", "誠", "浩二", "蓮", "隆", "勇気"];
    const FEMALE: [&str; 8] = [
        "花子",
        "陽子",
        "美咲",
        "恵子",
        "結衣",
        "由美",
        "さくら",
        "幸子",
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut csv = String::from("住民番号,氏,名,郵便番号,住所,生年月日,性別,地区\n");
    for i in 0..rows {
        let district = rng.gen_range(0..DEMO_DISTRICTS.len());
        let male = rng.gen_bool(0.48);
        let year = rng.gen_range(1930..2012);
        let month = rng.gen_range(1..=12);
        let day = rng.gen_range(1..=28);
        let given = if male {
            MALE[rng.gen_range(0..MALE.len())]
        } else {
            FEMALE[rng.gen_range(0..FEMALE.len())]
        };
        let birth = match year {
            1930..=1988 => format!("昭和{}年{month}月{day}日", year - 1925),
            _ => format!("{year}-{month:02}-{day:02}"),
        };
        csv.push_str(&format!(
            "{:07},{},{},390-08{:02},デモ市{}{}丁目{}番{}号,{birth},{},{}\n",
            100_001 + i,
            FAMILY[rng.gen_range(0..FAMILY.len())],
            given,
            district + 10,
            DEMO_DISTRICTS[district].trim_end_matches("地区"),
            rng.gen_range(1..=5),
            rng.gen_range(1..=20),
            rng.gen_range(1..=30),
            if male { 1 } else { 2 },
            DEMO_DISTRICTS[district],
        ));
    }
    csv
}
