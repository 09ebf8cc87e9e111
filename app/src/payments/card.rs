//! Card details as typed by a person: parsed once (digits, Luhn, brand, expiry, CVC), on the
//! browser for instant feedback and on the server as the rule. Only brand, last 4 and expiry
//! ever leave the gateway call.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
}

impl CardBrand {
    pub fn as_str(self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "mastercard",
            CardBrand::Amex => "amex",
            CardBrand::Discover => "discover",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::Discover => "Discover",
        }
    }

    fn cvc_len(self) -> usize {
        if self == CardBrand::Amex {
            4
        } else {
            3
        }
    }
}

/// What a form or API client sends.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CardInput {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub exp_month: u32,
    #[serde(default)]
    pub exp_year: u32,
    #[serde(default)]
    pub cvc: String,
    #[serde(default)]
    pub holder_name: Option<String>,
}

/// A card that passed every check. Not `Serialize`, and `Debug` shows only brand and last 4.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidCard {
    pub digits: String,
    pub brand: CardBrand,
    pub exp_month: u32,
    pub exp_year: u32,
    pub cvc: String,
}

impl ValidCard {
    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }
}

impl fmt::Debug for ValidCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ValidCard({} •••• {})",
            self.brand.as_str(),
            self.last4()
        )
    }
}

pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

pub fn detect_brand(digits: &str) -> Option<CardBrand> {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
    match (prefix(1), prefix(2), prefix(4)) {
        (Some(4), _, _) => Some(CardBrand::Visa),
        (_, Some(34 | 37), _) => Some(CardBrand::Amex),
        (_, Some(51..=55), _) => Some(CardBrand::Mastercard),
        (_, _, Some(2221..=2720)) => Some(CardBrand::Mastercard),
        (_, Some(65), _) | (_, _, Some(6011)) => Some(CardBrand::Discover),
        _ => None,
    }
}

/// Checks every field; `today` is (year, month) so expiry is judged by the app's clock.
pub fn validate(
    input: &CardInput,
    today: (u32, u32),
) -> Result<ValidCard, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let digits: String = input
        .number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let brand = if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        errors.insert("number".into(), "Enter the card number.".into());
        None
    } else if !(12..=19).contains(&digits.len()) || !luhn_valid(&digits) {
        errors.insert("number".into(), "This card number is not valid.".into());
        None
    } else {
        let brand = detect_brand(&digits);
        if brand.is_none() {
            errors.insert("number".into(), "This card brand is not accepted.".into());
        }
        brand
    };
    let (year, month) = today;
    let exp_year = if input.exp_year < 100 {
        2000 + input.exp_year
    } else {
        input.exp_year
    };
    if !(1..=12).contains(&input.exp_month) {
        errors.insert("exp_month".into(), "Enter the expiry month (1–12).".into());
    } else if exp_year < year
        || (exp_year == year && input.exp_month < month)
        || exp_year > year + 20
    {
        errors.insert(
            "exp_year".into(),
            "This card has expired or the year is wrong.".into(),
        );
    }
    let cvc = input.cvc.trim().to_string();
    let cvc_len = brand.map_or(3, CardBrand::cvc_len);
    if cvc.len() != cvc_len || !cvc.chars().all(|c| c.is_ascii_digit()) {
        errors.insert(
            "cvc".into(),
            format!("Enter the {cvc_len}-digit security code."),
        );
    }
    match brand {
        Some(brand) if errors.is_empty() => Ok(ValidCard {
            digits,
            brand,
            exp_month: input.exp_month,
            exp_year,
            cvc,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: u32, year: u32, cvc: &str) -> CardInput {
        CardInput {
            number: number.into(),
            exp_month: month,
            exp_year: year,
            cvc: cvc.into(),
            holder_name: None,
        }
    }

    #[test]
    fn luhn_and_brands() {
        assert!(luhn_valid("4242424242424242"));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(detect_brand("4242424242424242"), Some(CardBrand::Visa));
        assert_eq!(
            detect_brand("5555555555554444"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(
            detect_brand("2223003122003222"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(detect_brand("378282246310005"), Some(CardBrand::Amex));
        assert_eq!(detect_brand("6011111111111117"), Some(CardBrand::Discover));
        assert_eq!(detect_brand("9999999999999995"), None);
    }

    #[test]
    fn valid_cards_keep_only_what_is_needed() {
        let ok = validate(&card("4242 4242 4242 4242", 12, 30, "123"), (2026, 11)).unwrap();
        assert_eq!(ok.last4(), "4242");
        assert_eq!(ok.exp_year, 2030);
        assert!(!format!("{ok:?}").contains("4242424242424242"));
        assert!(validate(&card("378282246310005", 1, 2027, "1234"), (2026, 11)).is_ok());
    }

    #[test]
    fn each_field_is_checked() {
        let errs = validate(&card("4242424242424241", 13, 2020, "12"), (2026, 11)).unwrap_err();
        assert!(errs.contains_key("number"));
        assert!(errs.contains_key("exp_month"));
        assert!(errs.contains_key("cvc"));
        let expired = validate(&card("4242424242424242", 10, 2026, "123"), (2026, 11)).unwrap_err();
        assert!(expired.contains_key("exp_year"));
        assert!(
            validate(&card("4242424242424242", 11, 2026, "123"), (2026, 11)).is_ok(),
            "valid through its month"
        );
        let amex_short =
            validate(&card("378282246310005", 1, 2027, "123"), (2026, 11)).unwrap_err();
        assert!(amex_short.contains_key("cvc"));
    }
}
