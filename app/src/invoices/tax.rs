//! Tax on invoices: admin-managed rates by the buyer's country, exclusive (added to the net
//! price), decided when an invoice is issued and kept on each line, so a later change of rate
//! does not rewrite a filed invoice.
//!
//! Reverse charge: a business buyer in another EU country than an EU seller, with a VAT id that
//! looks valid for its country, is invoiced at 0% with the legal mention; the buyer accounts for
//! the VAT. (The id's format is checked, not its registration: VIES is out of reach here.)

use super::parties::InvoiceParty;

/// The EU member states, by ISO 3166-1 alpha-2 code.
pub const EU: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// What an invoice prints under its totals when reverse charge applies.
pub const REVERSE_CHARGE_NOTE: &str =
    "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).";

fn in_eu(country: Option<&str>) -> bool {
    country.is_some_and(|c| EU.contains(&c))
}

/// Whether `tax_id` looks like a VAT id of `country`: its prefix (EL for Greece) and 2 to 12
/// letters or digits.
pub fn looks_like_eu_vat_id(tax_id: &str, country: &str) -> bool {
    let compact: String = tax_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let prefix = if country == "GR" { "EL" } else { country };
    match compact.strip_prefix(prefix) {
        Some(rest) => (2..=12).contains(&rest.len()) && rest.chars().any(|c| c.is_ascii_digit()),
        None => false,
    }
}

/// The tax an invoice gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxTreatment {
    /// Basis points: 1900 is 19%.
    pub rate_bp: i64,
    /// How the invoice names it: "VAT 19%", "Reverse charge", or none when untaxed.
    pub label: Option<String>,
    /// The mention reverse charge requires, printed on the invoice.
    pub note: Option<String>,
}

/// A rate as configured for a country: its name ("VAT", "GST", "Sales tax") and basis points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryRate {
    pub name: String,
    pub rate_bp: i64,
}

/// The tax of an invoice from `seller` to `buyer`, with `rate` the rate of the buyer's country
/// (if the admin set one).
pub fn treatment(
    seller: &InvoiceParty,
    buyer: &InvoiceParty,
    rate: Option<&CountryRate>,
) -> TaxTreatment {
    let buyer_country = buyer.country.as_deref();
    let reverse_charge = in_eu(seller.country.as_deref())
        && in_eu(buyer_country)
        && seller.country.as_deref() != buyer_country
        && buyer
            .tax_id
            .as_deref()
            .zip(buyer_country)
            .is_some_and(|(id, country)| looks_like_eu_vat_id(id, country));
    if reverse_charge {
        return TaxTreatment {
            rate_bp: 0,
            label: Some("Reverse charge".into()),
            note: Some(REVERSE_CHARGE_NOTE.into()),
        };
    }
    match rate {
        Some(rate) if rate.rate_bp > 0 => TaxTreatment {
            rate_bp: rate.rate_bp,
            label: Some(format!("{} {}", rate.name, percent(rate.rate_bp))),
            note: None,
        },
        _ => TaxTreatment {
            rate_bp: 0,
            label: None,
            note: None,
        },
    }
}

/// Basis points as a percentage: 1900 → "19%", 2050 → "20.5%", 725 → "7.25%".
pub fn percent(rate_bp: i64) -> String {
    let whole = rate_bp / 100;
    match rate_bp % 100 {
        0 => format!("{whole}%"),
        part if part % 10 == 0 => format!("{whole}.{}%", part / 10),
        part => format!("{whole}.{part:02}%"),
    }
}

/// A percentage as typed ("19", "7.25", "19,5") in basis points; `None` when it is not a number
/// with at most two decimals.
pub fn parse_percent(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !(whole.chars().chain(fraction.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

/// The tax on a line's net `amount` (minor units) at `rate_bp`, rounded half away from zero.
pub fn tax_on(amount: i64, rate_bp: i64) -> i64 {
    let scaled = i128::from(amount) * i128::from(rate_bp);
    let rounded = (scaled.abs() + 5_000) / 10_000;
    (rounded * scaled.signum()) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(country: &str, tax_id: Option<&str>) -> InvoiceParty {
        InvoiceParty {
            name: "X".into(),
            country: Some(country.into()),
            tax_id: tax_id.map(str::to_string),
            ..InvoiceParty::default()
        }
    }

    fn vat(rate_bp: i64) -> CountryRate {
        CountryRate {
            name: "VAT".into(),
            rate_bp,
        }
    }

    #[test]
    fn the_buyers_country_rate_applies() {
        let seller = party("DE", Some("DE811907980"));
        let treatment = treatment(&seller, &party("DE", None), Some(&vat(1900)));
        assert_eq!(treatment.rate_bp, 1900);
        assert_eq!(treatment.label.as_deref(), Some("VAT 19%"));
        assert_eq!(treatment.note, None);
        // A consumer in another EU country pays that country's rate.
        assert_eq!(
            super::treatment(&seller, &party("FR", None), Some(&vat(2000))).rate_bp,
            2000
        );
        // No rate set: untaxed.
        assert_eq!(
            super::treatment(&seller, &party("US", None), None).rate_bp,
            0
        );
    }

    #[test]
    fn an_eu_business_in_another_country_is_reverse_charged() {
        let seller = party("DE", Some("DE811907980"));
        let business = party("FR", Some("FR 40 303 265 045"));
        let treatment = treatment(&seller, &business, Some(&vat(2000)));
        assert_eq!(treatment.rate_bp, 0);
        assert_eq!(treatment.note.as_deref(), Some(REVERSE_CHARGE_NOTE));
        // Not across no border, not with another country's id, not outside the EU.
        let home = party("DE", Some("DE123456789"));
        assert_eq!(
            super::treatment(&seller, &home, Some(&vat(1900))).rate_bp,
            1900
        );
        let wrong_id = party("FR", Some("DE123456789"));
        assert_eq!(
            super::treatment(&seller, &wrong_id, Some(&vat(2000))).rate_bp,
            2000
        );
        let us_seller = party("US", None);
        assert_eq!(
            super::treatment(&us_seller, &business, Some(&vat(2000))).rate_bp,
            2000
        );
        assert!(looks_like_eu_vat_id("EL094259216", "GR"));
        assert!(!looks_like_eu_vat_id("FRXX", "FR"));
    }

    #[test]
    fn tax_is_rounded_half_away_from_zero_per_line() {
        assert_eq!(tax_on(7900, 1900), 1501);
        assert_eq!(tax_on(250, 1900), 48); // 47.5
        assert_eq!(tax_on(-250, 1900), -48);
        assert_eq!(tax_on(1000, 0), 0);
        assert_eq!(percent(1900), "19%");
        assert_eq!(percent(2050), "20.5%");
        assert_eq!(percent(725), "7.25%");
        assert_eq!(parse_percent("19"), Some(1900));
        assert_eq!(parse_percent(" 7.25 %"), Some(725));
        assert_eq!(parse_percent("19,5"), Some(1950));
        assert_eq!(parse_percent("abc"), None);
        assert_eq!(parse_percent("1.234"), None);
        assert_eq!(parse_percent("-5"), None);
    }
}
