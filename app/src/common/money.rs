//! Money as integer minor units with a currency: never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, String> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(code))
        } else {
            Err(format!("'{code}' is not a three-letter currency code"))
        }
    }

    pub fn usd() -> Currency {
        Currency("USD".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn symbol(&self) -> Option<&'static str> {
        match self.0.as_str() {
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            _ => None,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

/// An amount in minor units (cents) of a currency, as docs/api.md shows it:
/// `{"amount": 2900, "currency": "USD"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Money {
    pub amount: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: i64, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// The amount in major units without a symbol ("29.00", "-5.10"), as exports and forms
    /// write it.
    pub fn major(&self) -> String {
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Minor units of an amount typed in major units: "19", "19.9", "19.90" → 1990. `None` for
    /// anything else (signs, more than two decimals, letters).
    pub fn parse_major(text: &str) -> Option<i64> {
        let text = text.trim();
        let (major, minor) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !digits(major) || (!minor.is_empty() && !digits(minor)) || minor.len() > 2 {
            return None;
        }
        let minor = format!("{minor:0<2}").parse::<i64>().ok()?;
        major
            .parse::<i64>()
            .ok()?
            .checked_mul(100)?
            .checked_add(minor)
    }
}

impl fmt::Display for Money {
    /// `$29.00`, `-€5.10`, or `12.00 CHF` for currencies without a known symbol.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        let (major, minor) = (abs / 100, abs % 100);
        match self.currency.symbol() {
            Some(symbol) => write!(f, "{sign}{symbol}{major}.{minor:02}"),
            None => write!(f, "{sign}{major}.{minor:02} {}", self.currency.as_str()),
        }
    }
}

/// Stored as its code (TEXT); a stored code that is not one fails to decode.
#[cfg(feature = "ssr")]
mod sql {
    use super::Currency;
    use sqlx::any::AnyTypeInfo;
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::{Any, Database, Decode, Encode, Type};

    impl Type<Any> for Currency {
        fn type_info() -> AnyTypeInfo {
            <&str as Type<Any>>::type_info()
        }

        fn compatible(ty: &AnyTypeInfo) -> bool {
            <&str as Type<Any>>::compatible(ty)
        }
    }

    impl<'q> Encode<'q, Any> for Currency {
        fn encode_by_ref(
            &self,
            buf: &mut <Any as Database>::ArgumentBuffer<'q>,
        ) -> Result<IsNull, BoxDynError> {
            <String as Encode<'q, Any>>::encode(self.0.clone(), buf)
        }
    }

    impl<'r> Decode<'r, Any> for Currency {
        fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Currency, BoxDynError> {
            Ok(Currency::parse(<&str as Decode<'r, Any>>::decode(value)?)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units() {
        assert_eq!(Money::new(2900, Currency::usd()).to_string(), "$29.00");
        assert_eq!(Money::new(5, Currency::usd()).to_string(), "$0.05");
        assert_eq!(
            Money::new(-510, Currency::parse("eur").unwrap()).to_string(),
            "-€5.10"
        );
        assert_eq!(
            Money::new(1200, Currency::parse("CHF").unwrap()).to_string(),
            "12.00 CHF"
        );
    }

    #[test]
    fn major_units_are_written_without_symbol() {
        assert_eq!(Money::new(2900, Currency::usd()).major(), "29.00");
        assert_eq!(Money::new(-510, Currency::usd()).major(), "-5.10");
    }

    #[test]
    fn major_units_are_parsed_exactly() {
        assert_eq!(Money::parse_major("19"), Some(1900));
        assert_eq!(Money::parse_major(" 19.9 "), Some(1990));
        assert_eq!(Money::parse_major("0.05"), Some(5));
        for bad in ["", "-1", "1.234", "1,00", "abc", ".5"] {
            assert_eq!(Money::parse_major(bad), None, "{bad}");
        }
    }

    #[test]
    fn currency_is_parsed_not_trusted() {
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U5D").is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1,"currency":"dollars"}"#).is_err());
        let m: Money = serde_json::from_str(r#"{"amount":2900,"currency":"usd"}"#).unwrap();
        assert_eq!(m.currency.as_str(), "USD");
    }
}
