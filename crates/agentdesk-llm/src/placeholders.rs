//! Personal data swapped for placeholders before text leaves the machine, and put back locally.
//!
//! A `Redactor` lives for one call to a provider: the same phone number in the conversation, the
//! customer's facts and the agent's draft becomes the same `[PHONE_1]` everywhere, so the model can
//! still say "we will call [PHONE_1]" and the agent reads the real number. Two sources of truth:
//! what the workbench already knows is personal (the customer's name, phone, orders and parcels,
//! replaced wherever they appear), and detectors for what a customer types (phone, ID, bank-card,
//! order and waybill numbers, e-mail and street addresses). The detectors err towards replacing:
//! a date written as 20241129 becomes `[NUMBER_1]` and comes back unchanged, while a missed
//! phone number would have left the desk.

use std::collections::HashMap;

/// What a placeholder stands for; its label is the placeholder's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Name,
    Phone,
    IdNumber,
    BankCard,
    Email,
    Address,
    Order,
    Waybill,
    /// A long number whose kind the text does not say (6 or more digits).
    Number,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Name => "NAME",
            Kind::Phone => "PHONE",
            Kind::IdNumber => "ID",
            Kind::BankCard => "CARD",
            Kind::Email => "EMAIL",
            Kind::Address => "ADDRESS",
            Kind::Order => "ORDER",
            Kind::Waybill => "WAYBILL",
            Kind::Number => "NUMBER",
        }
    }

    fn from_label(label: &str) -> Option<Kind> {
        [
            Kind::Name,
            Kind::Phone,
            Kind::IdNumber,
            Kind::BankCard,
            Kind::Email,
            Kind::Address,
            Kind::Order,
            Kind::Waybill,
            Kind::Number,
        ]
        .into_iter()
        .find(|k| k.label() == label)
    }
}

/// One call's placeholders: original → placeholder and back.
#[derive(Debug, Default)]
pub struct Redactor {
    known: Vec<(String, Kind)>,
    placeholder_of: HashMap<String, String>,
    original_of: HashMap<String, String>,
    counts: HashMap<Kind, usize>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Declares `value` personal (the customer's name, an order id from the order system):
    /// replaced wherever it appears, whatever the detectors think of it. Values under two
    /// characters are ignored (a one-character name would erase that character everywhere).
    pub fn know(&mut self, value: &str, kind: Kind) {
        let value = value.trim();
        if value.chars().count() < 2 || self.known.iter().any(|(v, _)| v == value) {
            return;
        }
        self.known.push((value.to_string(), kind));
        // Longest first, so "SF1234567890" is not half-replaced by a shorter known value.
        self.known
            .sort_by_key(|(v, _)| std::cmp::Reverse(v.chars().count()));
    }

    /// `text` with every known value and every detected piece of personal data replaced.
    pub fn redact(&mut self, text: &str) -> String {
        let mut text = text.to_string();
        for (value, kind) in self.known.clone() {
            if text.contains(value.as_str()) {
                let placeholder = self.placeholder_for(&value, kind);
                text = text.replace(value.as_str(), &placeholder);
            }
        }
        let spans = detect(&text);
        if spans.is_empty() {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans {
            out.push_str(&text[at..span.start]);
            let original = &text[span.start..span.end];
            let placeholder = self.placeholder_for(original, span.kind);
            out.push_str(&placeholder);
            at = span.end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// `text` (from the provider) with each placeholder of this call put back.
    pub fn restore(&self, text: &str) -> String {
        let mut restorer = StreamingRestorer::new(self, 0);
        let mut out = restorer.push(text);
        out.push_str(&restorer.finish());
        out
    }

    /// Every original value replaced so far (what must never reach the provider).
    pub fn originals(&self) -> impl Iterator<Item = &str> {
        self.placeholder_of.keys().map(String::as_str)
    }

    fn placeholder_for(&mut self, original: &str, kind: Kind) -> String {
        if let Some(existing) = self.placeholder_of.get(original) {
            return existing.clone();
        }
        let count = self.counts.entry(kind).or_insert(0);
        *count += 1;
        let placeholder = format!("[{}_{}]", kind.label(), count);
        self.placeholder_of
            .insert(original.to_string(), placeholder.clone());
        self.original_of
            .insert(placeholder.clone(), original.to_string());
        placeholder
    }
}

/// Restores placeholders in a stream of fragments: a fragment ending in `[PHO` waits for the rest
/// before anything is shown. Citation marks `[1]`…`[n]` for the prompt's `n` articles are taken
/// out (the draft shows its sources beside the text, not inside it) and counted.
pub struct StreamingRestorer<'a> {
    redactor: &'a Redactor,
    articles: usize,
    pending: String,
    cited: Vec<usize>,
}

/// Longest bracketed mark worth waiting for (`[ADDRESS_123]`).
const LONGEST_MARK: usize = 16;

impl<'a> StreamingRestorer<'a> {
    pub fn new(redactor: &'a Redactor, articles: usize) -> StreamingRestorer<'a> {
        StreamingRestorer {
            redactor,
            articles,
            pending: String::new(),
            cited: Vec::new(),
        }
    }

    /// The text ready to show after `fragment`.
    pub fn push(&mut self, fragment: &str) -> String {
        let mut out = String::with_capacity(fragment.len());
        for c in fragment.chars() {
            if self.pending.is_empty() {
                if c == '[' {
                    self.pending.push(c);
                } else {
                    out.push(c);
                }
                continue;
            }
            if c == ']' {
                self.pending.push(c);
                let mark = std::mem::take(&mut self.pending);
                out.push_str(&self.resolve(&mark));
                continue;
            }
            let could_be_mark = c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
            if could_be_mark && self.pending.len() < LONGEST_MARK {
                self.pending.push(c);
            } else {
                out.push_str(&std::mem::take(&mut self.pending));
                if c == '[' {
                    self.pending.push(c);
                } else {
                    out.push(c);
                }
            }
        }
        out
    }

    /// Whatever was held back, at the end of the stream; a mark cut in half by a broken stream
    /// (`[ORD`) is dropped rather than shown.
    pub fn finish(&mut self) -> String {
        let pending = std::mem::take(&mut self.pending);
        let half_mark = pending.len() > 1;
        if half_mark {
            String::new()
        } else {
            pending
        }
    }

    /// The articles cited, by their 1-based number in the prompt, in order of first citation.
    pub fn cited(&self) -> &[usize] {
        &self.cited
    }

    fn resolve(&mut self, mark: &str) -> String {
        let inner = &mark[1..mark.len() - 1];
        if let Ok(number) = inner.parse::<usize>() {
            if (1..=self.articles).contains(&number) {
                if !self.cited.contains(&number) {
                    self.cited.push(number);
                }
                return String::new();
            }
            return mark.to_string();
        }
        let known = inner
            .rsplit_once('_')
            .and_then(|(label, n)| Kind::from_label(label).zip(n.parse::<usize>().ok()))
            .is_some();
        match self.redactor.original_of.get(mark) {
            Some(original) if known => original.clone(),
            _ => mark.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
}

/// Personal data found in `text`, in order, not overlapping (byte ranges).
fn detect(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    spans.extend(emails(text));
    spans.extend(chinese_addresses(text));
    spans.extend(english_addresses(text));
    spans.extend(numbers(text));
    // Earlier and longer first; a span inside one already taken is dropped.
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut taken: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        if taken.last().is_some_and(|last| span.start < last.end) {
            continue;
        }
        taken.push(span);
    }
    taken
}

fn emails(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let mut spans = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > 0 && local(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        if start < at && text[at + 1..end].contains('.') {
            spans.push(Span {
                start,
                end,
                kind: Kind::Email,
            });
        }
    }
    spans
}

/// Words before a number that say what it is, nearest wins (looked for in the 12 characters before
/// it).
const NUMBER_CUES: &[(&str, Kind)] = &[
    ("订单", Kind::Order),
    ("单号", Kind::Waybill),
    ("运单", Kind::Waybill),
    ("快递", Kind::Waybill),
    ("物流", Kind::Waybill),
    ("包裹", Kind::Waybill),
    ("order", Kind::Order),
    ("waybill", Kind::Waybill),
    ("tracking", Kind::Waybill),
    ("parcel", Kind::Waybill),
    ("shipment", Kind::Waybill),
    ("电话", Kind::Phone),
    ("手机", Kind::Phone),
    ("phone", Kind::Phone),
    ("身份证", Kind::IdNumber),
    ("卡号", Kind::BankCard),
    ("银行卡", Kind::BankCard),
    ("card", Kind::BankCard),
];

/// Runs of ASCII letters and digits (digit groups joined by single spaces or dashes, as people
/// write phone and card numbers) with at least six digits, classified by shape and the words
/// before them.
fn numbers(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        // Extend over alphanumerics, and over a single space or dash between two digits.
        while end < bytes.len() {
            let joins_digit_groups = matches!(bytes[end], b' ' | b'-')
                && end > start
                && bytes[end - 1].is_ascii_digit()
                && end + 1 < bytes.len()
                && bytes[end + 1].is_ascii_digit();
            if bytes[end].is_ascii_alphanumeric() || joins_digit_groups {
                end += 1;
            } else {
                break;
            }
        }
        // A leading "+86" belongs to the phone number after it.
        let with_plus = start > 0 && bytes[start - 1] == b'+';
        let token = &text[start..end];
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        let letters = token.chars().filter(char::is_ascii_alphabetic).count();
        if digits.len() >= 6 {
            let kind = classify(&text[..start], token, &digits, letters);
            if let Some(kind) = kind {
                spans.push(Span {
                    start: if with_plus { start - 1 } else { start },
                    end,
                    kind,
                });
            }
        }
        i = end.max(i + 1);
    }
    spans
}

fn classify(before: &str, token: &str, digits: &str, letters: usize) -> Option<Kind> {
    let cue = {
        let tail: String = before
            .chars()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
            .to_lowercase();
        NUMBER_CUES
            .iter()
            .filter_map(|(word, kind)| tail.rfind(word).map(|at| (at, *kind)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, kind)| kind)
    };
    let id_tail = token.ends_with(['X', 'x']) && digits.len() == 17 && letters == 1;
    if letters > 0 && !id_tail {
        // Letters and digits: an order or waybill number (SF1234567890, LM123456789CN), or a
        // product code; the words before it say which, a waybill by default (carrier prefixes).
        let word_like = letters > digits.len();
        return match cue {
            Some(Kind::Order) => Some(Kind::Order),
            Some(Kind::Waybill) => Some(Kind::Waybill),
            _ if word_like => None,
            _ => Some(Kind::Waybill),
        };
    }
    let len = digits.len();
    let phone = (len == 11 && digits.starts_with('1'))
        || (len == 13 && digits.starts_with("861"))
        || (token.starts_with('0') && token.contains('-') && (10..=12).contains(&len));
    Some(match cue {
        Some(Kind::Order) if !phone => Kind::Order,
        Some(Kind::Waybill) if !phone => Kind::Waybill,
        _ if phone => Kind::Phone,
        _ if id_tail || (len == 18 && looks_like_birth_date(&digits[6..14])) => Kind::IdNumber,
        _ if len == 15 && cue == Some(Kind::IdNumber) => Kind::IdNumber,
        Some(Kind::BankCard) if (12..=19).contains(&len) => Kind::BankCard,
        _ if (15..=19).contains(&len) && luhn(digits) => Kind::BankCard,
        Some(Kind::Phone) => Kind::Phone,
        _ => Kind::Number,
    })
}

fn looks_like_birth_date(yyyymmdd: &str) -> bool {
    let year: u32 = yyyymmdd[..4].parse().unwrap_or(0);
    let month: u32 = yyyymmdd[4..6].parse().unwrap_or(0);
    let day: u32 = yyyymmdd[6..8].parse().unwrap_or(0);
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 1 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Where a street ends: a road word (路 街 道 巷 弄 胡同 大道) then a house number (88号).
const ROAD_WORDS: &[&str] = &["大道", "胡同", "路", "街", "道", "巷", "弄", "里"];
/// What may follow the house number inside an address (3栋2单元501室).
const UNIT_WORDS: &[char] = &[
    '号', '栋', '幢', '楼', '单', '元', '室', '层', '座', '区', '期',
];
/// Words after which an address starts ("请寄到北京市…": the address is what follows 到).
const ADDRESS_LEADS: &[char] = &[
    '到', '在', '是', '址', '往', '至', '：', ':', '寄', '送', '住',
];

/// Chinese street addresses: from the place names before a road word to the unit after the house
/// number ("北京市朝阳区建国路88号3栋2单元501室").
fn chinese_addresses(text: &str) -> Vec<Span> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut spans = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let road = ROAD_WORDS
            .iter()
            .find(|w| text[chars[k].0..].starts_with(**w));
        let Some(road) = road else {
            k += 1;
            continue;
        };
        let after_road = k + road.chars().count();
        // A house number must follow: digits then 号.
        let mut j = after_road;
        while j < chars.len() && chars[j].1.is_ascii_digit() {
            j += 1;
        }
        if j == after_road || j >= chars.len() || !matches!(chars[j].1, '号' | '號') {
            k += 1;
            continue;
        }
        // The units after the house number.
        let mut end = j + 1;
        loop {
            let mut m = end;
            while m < chars.len() && (chars[m].1.is_ascii_digit() || chars[m].1 == '-') {
                m += 1;
            }
            if m < chars.len() && UNIT_WORDS.contains(&chars[m].1) {
                end = m + 1;
                while end < chars.len() && UNIT_WORDS.contains(&chars[end].1) {
                    end += 1;
                }
            } else {
                break;
            }
        }
        // The place names before the road: back over Chinese characters and digits, at most 24,
        // stopping after a word that leads into an address.
        let mut start = k;
        while start > 0 && k - start < 24 {
            let c = chars[start - 1].1;
            let place_char = (('\u{4e00}'..='\u{9fff}').contains(&c) || c.is_ascii_digit())
                && !ADDRESS_LEADS.contains(&c);
            if !place_char {
                break;
            }
            start -= 1;
        }
        let byte_end = chars.get(end).map_or(text.len(), |(at, _)| *at);
        spans.push(Span {
            start: chars[start].0,
            end: byte_end,
            kind: Kind::Address,
        });
        k = end;
    }
    spans
}

const STREET_SUFFIXES: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "square",
    "sq",
];

/// English street addresses: a house number, one to four words, a street word ("221B Baker
/// Street", "1600 Amphitheatre Pkwy" is not one: only the usual suffixes count), with an
/// "Apt 5"/"Unit 5" after it.
fn english_addresses(text: &str) -> Vec<Span> {
    let words: Vec<(usize, &str)> = text
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    let clean = |w: &str| {
        w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_lowercase()
    };
    let mut spans = Vec::new();
    for (n, (at, word)) in words.iter().enumerate() {
        let number = clean(word);
        let house = !number.is_empty()
            && number.len() <= 6
            && number.starts_with(|c: char| c.is_ascii_digit())
            && number.chars().filter(char::is_ascii_digit).count() >= 1;
        if !house {
            continue;
        }
        for reach in 1..=4 {
            let Some((suffix_at, suffix)) = words.get(n + 1 + reach) else {
                break;
            };
            let between_ok = words[n + 1..n + 1 + reach]
                .iter()
                .all(|(_, w)| w.starts_with(|c: char| c.is_ascii_uppercase()));
            if !between_ok {
                break;
            }
            if STREET_SUFFIXES.contains(&clean(suffix).as_str())
                && suffix.starts_with(|c: char| c.is_ascii_uppercase())
            {
                let mut end = suffix_at + suffix.trim_end_matches([',', '.', ';']).len();
                // "Apt 5" / "Unit 12B" / "Suite 300" after a comma or not.
                if let (Some((_, unit)), Some((unit_no_at, unit_no))) =
                    (words.get(n + 2 + reach), words.get(n + 3 + reach))
                {
                    if ["apt", "unit", "suite", "flat"].contains(&clean(unit).as_str()) {
                        end = unit_no_at + unit_no.trim_end_matches([',', '.', ';']).len();
                    }
                }
                spans.push(Span {
                    start: *at,
                    end,
                    kind: Kind::Address,
                });
                break;
            }
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> String {
        Redactor::new().redact(text)
    }

    #[test]
    fn phones_ids_cards_and_mail_become_placeholders() {
        assert_eq!(
            redacted("电话13812345678，身份证11010119900307123X"),
            "电话[PHONE_1]，身份证[ID_1]"
        );
        assert_eq!(redacted("call +86 138 1234 5678"), "call [PHONE_1]");
        assert_eq!(redacted("座机 010-62345678"), "座机 [PHONE_1]");
        assert_eq!(
            redacted("银行卡 6222 0212 3456 7890 123"),
            "银行卡 [CARD_1]"
        );
        assert_eq!(redacted("card 4111111111111111 ok"), "card [CARD_1] ok");
        assert_eq!(
            redacted("mail zhang.san+cs@example.com."),
            "mail [EMAIL_1]."
        );
    }

    #[test]
    fn order_and_waybill_numbers_by_the_words_before_them() {
        assert_eq!(
            redacted("订单 202411290012345 还没发货，快递单号SF1234567890"),
            "订单 [ORDER_1] 还没发货，快递单号[WAYBILL_1]"
        );
        assert_eq!(
            redacted("order #88812345 and tracking LM123456789CN"),
            "order #[ORDER_1] and tracking [WAYBILL_1]"
        );
        assert_eq!(redacted("编号 20241129"), "编号 [NUMBER_1]");
    }

    #[test]
    fn short_numbers_and_words_stay() {
        for text in [
            "买了 2 件，共 45.50 元",
            "iPhone15 Pro",
            "第 3 次联系",
            "order 12345",
            "COVID19",
        ] {
            assert_eq!(redacted(text), text);
        }
    }

    #[test]
    fn chinese_and_english_street_addresses() {
        assert_eq!(
            redacted("请寄到北京市朝阳区建国路88号3栋2单元501室，谢谢"),
            "请寄到[ADDRESS_1]，谢谢"
        );
        assert_eq!(
            redacted("地址：上海市浦东新区世纪大道100号"),
            "地址：[ADDRESS_1]"
        );
        assert_eq!(
            redacted("ship it to 221B Baker Street, London"),
            "ship it to [ADDRESS_1], London"
        );
        assert_eq!(
            redacted("I live at 42 Elm Road Apt 5 now"),
            "I live at [ADDRESS_1] now"
        );
        assert_eq!(redacted("走这条路就行"), "走这条路就行");
    }

    #[test]
    fn known_values_everywhere_and_the_same_placeholder_each_time() {
        let mut redactor = Redactor::new();
        redactor.know("张伟", Kind::Name);
        redactor.know("A1001", Kind::Order);
        let first = redactor.redact("张伟的订单A1001，电话13812345678");
        let second = redactor.redact("13812345678 是张伟的");
        assert_eq!(first, "[NAME_1]的订单[ORDER_1]，电话[PHONE_1]");
        assert_eq!(second, "[PHONE_1] 是[NAME_1]的");
        assert_eq!(
            redactor.restore("您好[NAME_1]，订单[ORDER_1]已发货，我们会致电[PHONE_1]。"),
            "您好张伟，订单A1001已发货，我们会致电13812345678。"
        );
    }

    #[test]
    fn restoring_a_stream_waits_for_split_placeholders_and_drops_citations() {
        let mut redactor = Redactor::new();
        redactor.redact("13812345678");
        let mut restorer = StreamingRestorer::new(&redactor, 2);
        let mut shown = String::new();
        for fragment in ["我们会致电 [PHO", "NE_1", "] 确认 [", "2] [9] [x", "] a[b"] {
            shown.push_str(&restorer.push(fragment));
        }
        shown.push_str(&restorer.finish());
        assert_eq!(shown, "我们会致电 13812345678 确认  [9] [x] a[b");
        assert_eq!(restorer.cited(), &[2]);
    }

    #[test]
    fn an_unknown_placeholder_is_left_as_written() {
        let redactor = Redactor::new();
        assert_eq!(redactor.restore("see [PHONE_7]"), "see [PHONE_7]");
    }

    #[test]
    fn every_original_is_listed() {
        let mut redactor = Redactor::new();
        redactor.redact("13812345678 a@b.cn");
        let mut originals: Vec<&str> = redactor.originals().collect();
        originals.sort();
        assert_eq!(originals, ["13812345678", "a@b.cn"]);
    }
}
