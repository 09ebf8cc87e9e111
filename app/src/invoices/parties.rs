//! Who sells and who buys, and where a bank transfer goes: printed on every invoice as they were
//! when it was issued (the invoice keeps a copy, `invoices.seller`/`buyer`/`bank_details`), so a
//! later change of address or bank does not rewrite a filed invoice.
//!
//! The seller and the bank come from configuration (`SELLER_*`, `BANK_*`, read by
//! server/src/config.rs); the buyer is the account's billing profile (billing_profile/).

use serde::{Deserialize, Serialize};

/// One side of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoiceParty {
    /// The legal name.
    pub name: String,
    /// The postal address, one entry per line.
    #[serde(default)]
    pub address: Vec<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
    /// VAT or other tax identification number.
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl InvoiceParty {
    /// The lines an invoice prints under the name: address, country, tax id, email.
    pub fn detail_lines(&self) -> Vec<String> {
        let mut lines = self.address.clone();
        lines.extend(self.country.clone());
        lines.extend(self.tax_id.as_ref().map(|id| format!("VAT / Tax ID: {id}")));
        lines.extend(self.email.clone());
        lines
    }
}

/// Where a bank transfer goes: an IBAN (with a BIC) or an account and routing number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BankDetails {
    pub bank_name: String,
    /// Whom the transfer is to.
    pub beneficiary: String,
    #[serde(default)]
    pub iban: Option<String>,
    #[serde(default)]
    pub bic: Option<String>,
    #[serde(default)]
    pub account_number: Option<String>,
    #[serde(default)]
    pub routing_number: Option<String>,
}

impl BankDetails {
    /// Label and value of each detail a payer needs, in the order a bank form asks for them.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("Beneficiary", self.beneficiary.clone()),
            ("Bank", self.bank_name.clone()),
        ];
        let optional = [
            ("IBAN", &self.iban),
            ("BIC / SWIFT", &self.bic),
            ("Account number", &self.account_number),
            ("Routing number", &self.routing_number),
        ];
        fields.extend(
            optional
                .into_iter()
                .filter_map(|(label, value)| value.clone().map(|value| (label, value))),
        );
        fields
    }
}

/// The seller's side of every invoice and where transfers go, from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SellerSettings {
    pub party: InvoiceParty,
    /// `None` when no bank account is configured: transfer payers are told to ask for it.
    pub bank: Option<BankDetails>,
}

/// An ISO 3166-1 alpha-2 code, upper-cased; `None` when `value` is not two letters.
pub fn country_code(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// An IBAN written in groups of four, as banks print it.
pub fn group_iban(iban: &str) -> String {
    let compact: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `iban` is well-formed: a country code, two check digits that pass ISO 7064 mod 97-10,
/// and 11 to 30 letters or digits.
pub fn iban_is_valid(iban: &str) -> bool {
    let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = compact.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    let rearranged = bytes[4..].iter().chain(&bytes[..4]);
    let remainder = rearranged.fold(0u32, |acc, &b| {
        if b.is_ascii_digit() {
            (acc * 10 + u32::from(b - b'0')) % 97
        } else {
            (acc * 100 + u32::from(b - b'A' + 10)) % 97
        }
    });
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_by_their_check_digits() {
        assert!(iban_is_valid("DE89 3704 0044 0532 0130 00"));
        assert!(iban_is_valid("GB82WEST12345698765432"));
        assert!(!iban_is_valid("DE88 3704 0044 0532 0130 00"));
        assert!(!iban_is_valid("de89 3704 0044 0532 0130 00"));
        assert!(!iban_is_valid("DE89"));
        assert_eq!(
            group_iban("DE89370400440532013000"),
            "DE89 3704 0044 0532 0130 00"
        );
    }

    #[test]
    fn a_party_prints_what_it_has() {
        let party = InvoiceParty {
            name: "Zoë GmbH".into(),
            address: vec!["Hauptstraße 1".into(), "10115 Berlin".into()],
            country: Some("DE".into()),
            tax_id: Some("DE123456789".into()),
            email: None,
        };
        assert_eq!(
            party.detail_lines(),
            [
                "Hauptstraße 1",
                "10115 Berlin",
                "DE",
                "VAT / Tax ID: DE123456789"
            ]
        );
    }
}
