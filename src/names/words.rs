//! The words a host institution's name is read with (`names::compare`): institution
//! words of Chinese and other languages with their English, so that names written in two
//! languages have the same tokens; numbers written as words; the words that say what kind
//! of institution a name is; and tokens that carry nothing.

/// Institution words in Chinese, and their English.
pub const HAN_WORDS: &[(&str, &str)] = &[
    ("大学", "university"),
    ("大學", "university"),
    ("学院", "college"),
    ("學院", "college"),
    ("学校", "school"),
    ("學校", "school"),
    ("理工", "technology"),
    ("科技", "science technology"),
    ("技术", "technical"),
    ("技術", "technical"),
    ("职业", "vocational"),
    ("職業", "vocational"),
    ("国立", "state"),
    ("國立", "state"),
    ("国家", "national"),
    ("國家", "national"),
    ("工业", "industrial"),
    ("工業", "industrial"),
    ("农业", "agricultural"),
    ("農業", "agricultural"),
    ("社区", "community"),
    ("社區", "community"),
    ("教育", "education"),
    ("交通", "transport"),
    ("运输", "transport"),
    ("物流", "logistics"),
    ("通讯", "communications"),
    ("通訊", "communications"),
    ("信息", "information"),
    ("维修", "maintenance"),
    ("維修", "maintenance"),
    ("高级", "advanced"),
    ("高級", "advanced"),
    ("人文", "humanities"),
    ("铁道", "railway"),
    ("铁路", "railway"),
    ("医学", "medical"),
    ("研究", "research"),
    ("中心", "center"),
    ("理工学院", "institute technology"),
    ("东", "east"),
    ("東", "east"),
    ("西", "west"),
    ("南", "south"),
    ("北", "north"),
    ("与", ""),
    ("與", ""),
    ("和", ""),
];

/// Institution words of other languages (as `deunicode` spells them, or as pinyin is
/// written in English names: "Jiaotong"), by the start of the word, and their English.
pub const FOREIGN_STEMS: &[(&str, &str)] = &[
    ("universit", "university"),
    ("institut", "institute"),
    ("politekhni", "polytechnic"),
    ("polytechni", "polytechnic"),
    ("politecni", "polytechnic"),
    ("tekhnichesk", "technical"),
    ("tekhnolog", "technology"),
    ("tecnolog", "technology"),
    ("technolog", "technology"),
    ("tecnic", "technical"),
    ("technique", "technical"),
    ("gosudarstvenn", "state"),
    ("natsional", "national"),
    ("nacional", "national"),
    ("akadem", "academy"),
    ("academi", "academy"),
    ("kolledzh", "college"),
    ("ecole", "school"),
    ("escuela", "school"),
    ("escola", "school"),
    ("superieur", "higher"),
    ("superior", "higher"),
    ("formation", "training"),
    ("professionnel", "vocational"),
    ("profesional", "vocational"),
    ("agricol", "agricultural"),
    ("agrarn", "agricultural"),
    ("jiaotong", "transport"),
    ("centre", "center"),
    ("centro", "center"),
    ("tsentr", "center"),
];

/// Numbers written as words (ordinal or cardinal), as digits: "Second Vocational
/// School" is "No 2 Vocational School"; "Host One" is not "Host Two".
pub const ORDINALS: &[(&str, &str)] = &[
    ("first", "1"),
    ("second", "2"),
    ("third", "3"),
    ("fourth", "4"),
    ("fifth", "5"),
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
];

/// Words that say what kind of institution a name is. Two names of one institution
/// rarely disagree on it ("Taita Taveta University" is not "Taita Taveta National
/// Polytechnic").
pub const KINDS: &[&str] = &[
    "university",
    "college",
    "institute",
    "school",
    "academy",
    "polytechnic",
    "agency",
    "authority",
    "center",
];

/// Tokens that carry nothing: number words before a numeral.
pub const DROPPED: &[&str] = &["no", "nr", "number"];
