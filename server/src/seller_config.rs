//! The seller printed on invoices and the bank account transfers go to, from the environment
//! (see the README's configuration table). Checked at start-up like every other setting: an
//! IBAN whose check digits fail, or bank details without a bank, stop the server naming the
//! variable, rather than sending customers' money to a typo.
//!
//! Development without `BANK_*` shows an example account, marked as such, so the transfer flow
//! can be tried; production without it tells payers to ask the seller's email for the details.

use crate::config::{bad, ConfigError};
use app::backend::RunMode;
use app::invoices::parties::{
    country_code, iban_is_valid, BankDetails, InvoiceParty, SellerSettings,
};

/// The address lines of `SELLER_ADDRESS`: separated by `;` or newlines.
fn address_lines(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split([';', '\n'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn seller_settings(
    var: &impl Fn(&str) -> Option<String>,
    mode: RunMode,
) -> Result<SellerSettings, ConfigError> {
    let country = var("SELLER_COUNTRY")
        .map(|value| {
            country_code(&value).ok_or_else(|| {
                bad(
                    "SELLER_COUNTRY",
                    "must be a two-letter country code like DE",
                )
            })
        })
        .transpose()?;
    let email = var("SELLER_EMAIL").unwrap_or_else(|| "billing@igny8.com".into());
    app::auth::email::Email::parse(&email).map_err(|p| bad("SELLER_EMAIL", p))?;
    let party = InvoiceParty {
        name: var("SELLER_NAME").unwrap_or_else(|| "IGNY8".into()),
        address: address_lines(var("SELLER_ADDRESS")),
        country,
        tax_id: var("SELLER_TAX_ID"),
        email: Some(email),
    };
    let bank = bank_details(var, &party.name)?.or_else(|| match mode {
        RunMode::Development => Some(example_bank(&party.name)),
        RunMode::Production => None,
    });
    Ok(SellerSettings { party, bank })
}

fn bank_details(
    var: &impl Fn(&str) -> Option<String>,
    seller_name: &str,
) -> Result<Option<BankDetails>, ConfigError> {
    let compact = |name: &str| {
        var(name).map(|v| {
            v.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        })
    };
    let iban = compact("BANK_IBAN");
    let account_number = var("BANK_ACCOUNT_NUMBER");
    if iban.is_none() && account_number.is_none() {
        return Ok(None);
    }
    if let Some(iban) = &iban {
        if !iban_is_valid(iban) {
            return Err(bad(
                "BANK_IBAN",
                "is not a valid IBAN (country code, check digits, account)",
            ));
        }
    }
    let bic = compact("BANK_BIC");
    if let Some(bic) = &bic {
        if !matches!(bic.len(), 8 | 11) || !bic.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad("BANK_BIC", "must be 8 or 11 letters and digits"));
        }
    }
    let bank_name = var("BANK_NAME").ok_or_else(|| {
        bad(
            "BANK_NAME",
            "is required with BANK_IBAN or BANK_ACCOUNT_NUMBER",
        )
    })?;
    Ok(Some(BankDetails {
        bank_name,
        beneficiary: var("BANK_BENEFICIARY").unwrap_or_else(|| seller_name.to_string()),
        iban,
        bic,
        account_number,
        routing_number: var("BANK_ROUTING_NUMBER"),
    }))
}

/// The bank account development shows: the standard example IBAN, named as an example.
fn example_bank(seller_name: &str) -> BankDetails {
    BankDetails {
        bank_name: "Example Bank (development: set BANK_* for real details)".into(),
        beneficiary: seller_name.to_string(),
        iban: Some("DE89370400440532013000".into()),
        bic: Some("COBADEFFXXX".into()),
        account_number: None,
        routing_number: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(mode: RunMode, vars: &[(&str, &str)]) -> Result<SellerSettings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        seller_settings(&|k| vars.get(k).cloned(), mode)
    }

    #[test]
    fn the_seller_and_bank_come_from_the_environment() {
        let seller = settings(
            RunMode::Production,
            &[
                ("SELLER_NAME", "IGNY8 Ltd"),
                ("SELLER_ADDRESS", "1 Main St; London EC1A 1BB"),
                ("SELLER_COUNTRY", "gb"),
                ("SELLER_TAX_ID", "GB123456789"),
                ("BANK_NAME", "Barclays"),
                ("BANK_IBAN", "gb82 west 1234 5698 7654 32"),
                ("BANK_BIC", "WESTGB2L"),
            ],
        )
        .unwrap();
        assert_eq!(seller.party.address, ["1 Main St", "London EC1A 1BB"]);
        assert_eq!(seller.party.country.as_deref(), Some("GB"));
        let bank = seller.bank.unwrap();
        assert_eq!(bank.iban.as_deref(), Some("GB82WEST12345698765432"));
        assert_eq!(bank.beneficiary, "IGNY8 Ltd");
    }

    #[test]
    fn production_invents_no_bank_account_and_development_names_its_example() {
        assert_eq!(settings(RunMode::Production, &[]).unwrap().bank, None);
        let example = settings(RunMode::Development, &[]).unwrap().bank.unwrap();
        assert!(example.bank_name.contains("Example"));
    }

    #[test]
    fn bad_bank_details_name_their_variable() {
        for (vars, named) in [
            (
                vec![("BANK_IBAN", "DE88370400440532013000"), ("BANK_NAME", "B")],
                "BANK_IBAN",
            ),
            (vec![("BANK_IBAN", "DE89370400440532013000")], "BANK_NAME"),
            (
                vec![
                    ("BANK_ACCOUNT_NUMBER", "123"),
                    ("BANK_NAME", "B"),
                    ("BANK_BIC", "X1"),
                ],
                "BANK_BIC",
            ),
            (vec![("SELLER_COUNTRY", "Germany")], "SELLER_COUNTRY"),
            (vec![("SELLER_EMAIL", "nope")], "SELLER_EMAIL"),
        ] {
            let err = settings(RunMode::Production, &vars).unwrap_err();
            assert_eq!(err.var, named, "{vars:?}");
        }
    }
}
