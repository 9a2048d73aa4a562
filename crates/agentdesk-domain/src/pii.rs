//! Masking of personal data (phone, ID-card and bank-card numbers, e-mail addresses) before text
//! reaches a log line, the audit log or, by default, the screen.
//!
//! Works on digit runs rather than regular expressions: customer text is untrusted and can be 1 MB,
//! and a linear scan has no pathological inputs.

use std::borrow::Cow;

/// Masks personal data inside free text:
/// - 11-digit mainland mobile numbers → `138****5678`
/// - 15/18-character resident ID numbers → first 6 and last 4 kept (`110101********1234`)
/// - other runs of 12–19 digits (bank cards) → `************1234`
/// - e-mail local parts → first character kept (`z***@example.com`)
///
/// Shorter digit runs (order numbers, amounts, dates) are left alone: masking them would make a
/// conversation unreadable without protecting anyone.
pub fn mask_pii(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b.is_ascii_digit() || b == b'@') {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            // An ID number may end in X.
            let mut end = i;
            if end - start == 17 && end < chars.len() && matches!(chars[end], 'X' | 'x') {
                end += 1;
                i += 1;
            }
            out.push_str(&mask_digit_run(&chars[start..end]));
        } else if chars[i] == '@' {
            mask_email_local_part(&mut out);
            out.push('@');
            i += 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

fn mask_digit_run(run: &[char]) -> String {
    let len = run.len();
    let keep = |prefix: usize, suffix: usize| -> String {
        run.iter()
            .enumerate()
            .map(|(index, c)| {
                if index < prefix || index >= len - suffix {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    };
    match len {
        11 if run[0] == '1' => keep(3, 4),
        15 | 18 => keep(6, 4),
        12..=19 => keep(0, 4),
        _ => run.iter().collect(),
    }
}

/// Rewrites the e-mail local part already written to `out` (the characters just before '@').
fn mask_email_local_part(out: &mut String) {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
    let local_len = out.chars().rev().take_while(|c| is_local(*c)).count();
    if local_len <= 1 {
        return;
    }
    let keep_from = out.chars().count() - local_len;
    let masked: String = out
        .chars()
        .enumerate()
        .map(|(index, c)| if index > keep_from { '*' } else { c })
        .collect();
    *out = masked;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mainland_mobile_numbers() {
        assert_eq!(
            mask_pii("我的电话是13812345678，谢谢"),
            "我的电话是138****5678，谢谢"
        );
    }

    #[test]
    fn masks_id_card_numbers_including_trailing_x() {
        assert_eq!(
            mask_pii("身份证 11010119900307123X"),
            "身份证 110101********123X"
        );
        assert_eq!(mask_pii("110101199003071234"), "110101********1234");
    }

    #[test]
    fn masks_bank_cards_keeping_last_four() {
        assert_eq!(
            mask_pii("card 6222021234567890123"),
            "card ***************0123"
        );
    }

    #[test]
    fn masks_email_local_part() {
        assert_eq!(
            mask_pii("mail zhang.san@example.com"),
            "mail z********@example.com"
        );
    }

    #[test]
    fn leaves_order_numbers_alone() {
        assert_eq!(mask_pii("订单LM123456789还没到"), "订单LM123456789还没到");
    }

    #[test]
    fn leaves_ordinary_text_and_short_numbers_alone() {
        assert!(matches!(mask_pii("hello"), Cow::Borrowed(_)));
        assert_eq!(mask_pii("order 2 of 3, 45 yuan"), "order 2 of 3, 45 yuan");
    }
}
