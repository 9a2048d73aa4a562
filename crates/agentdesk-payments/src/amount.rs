//! Money as whole fen (分): parsed from what the agent types ("12.34", "12.3", "12"), written as
//! Alipay's yuan with two decimals and WeChat Pay's integer fen. Never a floating-point number: a
//! float turns 0.29 yuan into 28 fen.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in fen, at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(u64);

/// Alipay's ceiling for `total_amount` (100,000,000.00 yuan); WeChat Pay's `total` is an int32.
pub const LARGEST_FEN: u64 = 10_000_000_000;

impl Fen {
    pub fn new(fen: u64) -> Option<Fen> {
        (1..=LARGEST_FEN).contains(&fen).then_some(Fen(fen))
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// Yuan with two decimals, as Alipay takes and gives them ("12.30").
    pub fn yuan(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    /// Parses an amount in yuan as typed: digits, then at most two decimals. Refused in words: a
    /// third decimal (the agent meant something else; rounding would charge another amount), a
    /// sign, zero, or more than the payment systems take.
    pub fn parse_yuan(text: &str) -> Result<Fen, AmountError> {
        let text = text.trim();
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (text, ""),
        };
        let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
            return Err(AmountError::NotAnAmount(text.to_string()));
        }
        if fraction.len() > 2 {
            return Err(AmountError::TooPrecise(text.to_string()));
        }
        let whole: u64 = whole
            .parse()
            .map_err(|_| AmountError::TooLarge(text.to_string()))?;
        let fraction: u64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let fen = whole
            .checked_mul(100)
            .and_then(|f| f.checked_add(fraction))
            .ok_or_else(|| AmountError::TooLarge(text.to_string()))?;
        match fen {
            0 => Err(AmountError::Zero),
            fen if fen > LARGEST_FEN => Err(AmountError::TooLarge(text.to_string())),
            fen => Ok(Fen(fen)),
        }
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.yuan())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("{0:?} is not an amount: write yuan with at most two decimals, e.g. 12.34")]
    NotAnAmount(String),
    #[error("{0:?} has more than two decimals: amounts are in yuan and fen (e.g. 12.34)")]
    TooPrecise(String),
    #[error("the amount is zero: a payment link needs at least ¥0.01")]
    Zero,
    #[error("{0:?} is more than a payment link can ask for (¥100,000,000.00)")]
    TooLarge(String),
    /// Over the largest amount the supervisor allows this desk.
    #[error("{amount} is over the largest amount allowed for a payment link here ({limit}); ask a supervisor")]
    OverLimit { amount: Fen, limit: Fen },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_exactly_to_the_fen() {
        assert_eq!(Fen::parse_yuan("12.34").unwrap().get(), 1234);
        assert_eq!(Fen::parse_yuan(" 12.3 ").unwrap().get(), 1230);
        assert_eq!(Fen::parse_yuan("12").unwrap().get(), 1200);
        // The float trap: 0.29 * 100 is 28.999999999999996.
        assert_eq!(Fen::parse_yuan("0.29").unwrap().get(), 29);
        assert_eq!(Fen::parse_yuan("0.01").unwrap().yuan(), "0.01");
        assert_eq!(Fen::parse_yuan("100000000").unwrap().yuan(), "100000000.00");
    }

    #[test]
    fn bad_amounts_are_refused_in_words() {
        assert_eq!(
            Fen::parse_yuan("12.345"),
            Err(AmountError::TooPrecise("12.345".into()))
        );
        assert_eq!(Fen::parse_yuan("0"), Err(AmountError::Zero));
        assert_eq!(Fen::parse_yuan("0.00"), Err(AmountError::Zero));
        for bad in ["", "-1", "+1", "1,5", "12.", ".5", "1e3", "１２", "abc"] {
            assert!(
                matches!(Fen::parse_yuan(bad), Err(AmountError::NotAnAmount(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Fen::parse_yuan("100000000.01"),
            Err(AmountError::TooLarge(_))
        ));
        assert!(matches!(
            Fen::parse_yuan("99999999999999999999999"),
            Err(AmountError::TooLarge(_))
        ));
        assert!(Fen::parse_yuan("12.345")
            .unwrap_err()
            .to_string()
            .contains("two decimals"));
    }
}
