//! Tax on invoices: the admin's rate of the buyer's country, per line and in the totals, charged
//! with the net; reverse charge for EU businesses across a border; figures that separate net and
//! tax; bad rates refused and every change audited.

use crate::helpers::{card_body, Engine, Tenant, TestApp};
use serde_json::{json, Value};

/// A German seller.
const SELLER: &[(&str, &str)] = &[
    ("SELLER_NAME", "IGNY8 Software GmbH"),
    ("SELLER_COUNTRY", "DE"),
    ("SELLER_TAX_ID", "DE811907980"),
];

async fn set_rate(
    app: &TestApp,
    admin: &str,
    country: &str,
    name: &str,
    rate_bp: i64,
) -> reqwest::Response {
    app.put_with_token(
        &format!("/api/v1/admin/tax-rates/{country}/"),
        admin,
        &json!({"name": name, "rate_bp": rate_bp}),
    )
    .await
}

/// A tenant with billing details in `country` that subscribes to Growth ($79) by card; the
/// subscription's invoice and payment.
async fn subscribe_from(
    app: &TestApp,
    email: &str,
    country: &str,
    tax_id: Option<&str>,
) -> (Tenant, Value) {
    let tenant = app.tenant(email).await;
    let saved = app
        .put_with_token(
            "/api/v1/billing/profile/",
            &tenant.access,
            &json!({"legal_name": "Buyer", "address": "Street 1", "country": country, "tax_id": tax_id}),
        )
        .await;
    assert_eq!(saved.status(), 200);
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let response = app.subscribe(&tenant.access, "plan_growth", "month").await;
    assert_eq!(response.status(), 201);
    (tenant, response.json().await.unwrap())
}

async fn pdf_text(app: &TestApp, access: &str, invoice: &Value) -> String {
    let path = format!(
        "/api/v1/billing/invoices/{}/pdf/",
        invoice["id"].as_str().unwrap()
    );
    let bytes = app
        .get_with_token(&path, access)
        .await
        .bytes()
        .await
        .unwrap();
    let document = lopdf::Document::load_mem(&bytes).expect("a PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).expect("text")
}

async fn tax_follows_the_buyers_country_with_reverse_charge_across_eu_borders(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, SELLER).await else {
        return;
    };
    let admin = app.admin().await;
    assert_eq!(
        set_rate(&app, &admin, "de", "VAT", 1900).await.status(),
        200
    );
    assert_eq!(
        set_rate(&app, &admin, "FR", "TVA", 2000).await.status(),
        200
    );

    // A German buyer pays German VAT on top of the price, charged with it.
    let (german, body) = subscribe_from(&app, "de@example.com", "DE", None).await;
    let invoice = &body["invoice"];
    assert_eq!(invoice["subtotal"]["amount"], 7900);
    assert_eq!(invoice["tax"]["amount"], 1501);
    assert_eq!(invoice["total"]["amount"], 9401);
    assert_eq!(invoice["tax_label"], "VAT 19%");
    assert_eq!(invoice["lines"][0]["tax_rate_bp"], 1900);
    assert_eq!(invoice["lines"][0]["tax"]["amount"], 1501);
    assert_eq!(body["payment"]["amount"]["amount"], 9401);
    let text = pdf_text(&app, &german.access, invoice).await;
    for expected in ["VAT 19%", "$15.01", "$94.01", "Subtotal (net)", "19%"] {
        assert!(text.contains(expected), "{expected} missing from: {text}");
    }

    // A French consumer pays French VAT; a French business with its VAT id is reverse-charged.
    let (_, consumer) = subscribe_from(&app, "fr@example.com", "FR", None).await;
    assert_eq!(consumer["invoice"]["tax"]["amount"], 1580);
    assert_eq!(consumer["invoice"]["tax_label"], "TVA 20%");
    let (business, reverse) =
        subscribe_from(&app, "fr-b2b@example.com", "FR", Some("FR40303265045")).await;
    let invoice = &reverse["invoice"];
    assert_eq!(invoice["tax"]["amount"], 0);
    assert_eq!(invoice["total"]["amount"], 7900);
    assert_eq!(invoice["tax_label"], "Reverse charge");
    assert!(invoice["tax_note"]
        .as_str()
        .unwrap()
        .contains("Article 196"));
    let text = pdf_text(&app, &business.access, invoice).await;
    assert!(
        text.contains("Reverse charge") && text.contains("Article 196"),
        "{text}"
    );

    // No rate for the country: untaxed.
    let (_, american) = subscribe_from(&app, "us@example.com", "US", None).await;
    assert_eq!(american["invoice"]["tax"]["amount"], 0);
    assert_eq!(american["invoice"]["tax_label"], Value::Null);

    // A later rate applies to new invoices only.
    assert_eq!(set_rate(&app, &admin, "DE", "VAT", 700).await.status(), 200);
    let filed = app.invoice(&german.access, invoice_id(&body)).await;
    assert_eq!(filed["tax"]["amount"], 1501);

    // The overview separates what was invoiced net from the tax collected.
    let stats = app.json("/api/v1/admin/billing/stats/", &admin).await;
    assert_eq!(
        stats["tax_this_month"],
        json!([{"amount": 1501 + 1580, "currency": "USD"}])
    );
    assert_eq!(
        stats["revenue_net_this_month"],
        json!([{"amount": 4 * 7900, "currency": "USD"}])
    );
}

fn invoice_id(body: &Value) -> &str {
    body["invoice"]["id"].as_str().unwrap()
}

async fn bad_tax_rates_are_refused_and_changes_are_audited(app: TestApp) {
    let admin = app.admin().await;
    for (country, rate, field) in [
        ("DE", 10_001, "rate_bp"),
        ("Germany", 1900, "country"),
        ("DE", -1, "rate_bp"),
    ] {
        let response = set_rate(&app, &admin, country, "VAT", rate).await;
        assert_eq!(response.status(), 422, "{country} {rate}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["fields"][field].is_string(), "{body}");
    }
    let unnamed = set_rate(&app, &admin, "DE", " ", 1900).await;
    assert_eq!(unnamed.status(), 422);
    assert_eq!(
        app.json("/api/v1/admin/tax-rates/", &admin).await["items"],
        json!([])
    );

    let tenant = app.tenant("not-admin@example.com").await;
    assert_eq!(
        set_rate(&app, &tenant.access, "DE", "VAT", 1900)
            .await
            .status(),
        403
    );

    assert_eq!(
        set_rate(&app, &admin, "DE", "VAT", 1900).await.status(),
        200
    );
    assert_eq!(
        set_rate(&app, &admin, "DE", "MwSt", 1900).await.status(),
        200
    );
    let listed = app.json("/api/v1/admin/tax-rates/", &admin).await;
    assert_eq!(
        listed["items"],
        json!([{"country": "DE", "name": "MwSt", "rate_bp": 1900}])
    );
    let removed = app
        .delete_with_token("/api/v1/admin/tax-rates/DE/", &admin)
        .await;
    assert_eq!(removed.status(), 204);
    let again = app
        .delete_with_token("/api/v1/admin/tax-rates/DE/", &admin)
        .await;
    assert_eq!(again.status(), 404);

    let audit = app.json("/api/v1/admin/audit/", &admin).await;
    let entries: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_type"] == "tax_rate")
        .collect();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "tax_rate.set").count(), 2);
    assert_eq!(
        actions.iter().filter(|a| **a == "tax_rate.remove").count(),
        1
    );
}

crate::on_both_engines!(engine: tax_follows_the_buyers_country_with_reverse_charge_across_eu_borders);

mod app_tests {
    use super::*;
    crate::on_both_engines!(bad_tax_rates_are_refused_and_changes_are_audited);
}
