//! Text normalisation shared by indexing and search: full-width forms to half-width, lower case,
//! and masks (`***`) dropped, so "ＡＢＣ", "abc" and "Abc" match and a masked number is no word.

/// Whether a character is written in CJK ideographs (searched by words and character pairs).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

/// Full-width ASCII to half-width, the ideographic space to a space, lower case; `*` becomes a
/// space (platforms mask digits with it).
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .map(|c| if c == '*' { ' ' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_case_fold_together() {
        assert_eq!(normalize("ＡＢＣ Refund"), "abc refund");
        assert_eq!(normalize("***号使用花呗"), "   号使用花呗");
        assert!(is_cjk('花') && !is_cjk('a') && !is_cjk('，'));
    }
}
