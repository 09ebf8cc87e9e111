//! Invoices a business can file: the owner's billing profile printed as the buyer (as it was when
//! the invoice was issued), the configured seller and bank account, multi-page PDFs with any
//! Unicode name, and the receipt email carrying the PDF.

use crate::billing::bank_transfer_tenant;
use crate::helpers::{card_body, Engine, TestApp};
use crate::smtp_sink::SmtpSink;
use serde_json::{json, Value};

const PROFILE: &str = "/api/v1/billing/profile/";

/// The seller and bank account of a configured (production-like) server.
const SELLER: &[(&str, &str)] = &[
    ("SELLER_NAME", "IGNY8 Software GmbH"),
    ("SELLER_ADDRESS", "Friedrichstraße 68; 10117 Berlin"),
    ("SELLER_COUNTRY", "DE"),
    ("SELLER_TAX_ID", "DE811907980"),
    ("BANK_NAME", "Commerzbank"),
    ("BANK_IBAN", "DE89 3704 0044 0532 0130 00"),
    ("BANK_BIC", "COBADEFFXXX"),
];

async fn pdf_text(app: &TestApp, access: &str, invoice_id: &str) -> (usize, String) {
    let response = app
        .get_with_token(
            &format!("/api/v1/billing/invoices/{invoice_id}/pdf/"),
            access,
        )
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let document = lopdf::Document::load_mem(&bytes).expect("a PDF that parses");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).expect("text");
    (pages.len(), text)
}

fn profile(name: &str) -> Value {
    json!({
        "legal_name": name,
        "address": "Storgata 1\n0155 Oslo",
        "country": "no",
        "tax_id": "NO123456789MVA",
        "billing_email": "faktura@example.no",
    })
}

async fn a_billing_profile_is_printed_as_it_was_when_the_invoice_was_issued(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, SELLER).await else {
        return;
    };
    let tenant = app.tenant("zoe@example.com").await;
    let before = app.json(PROFILE, &tenant.access).await;
    assert_eq!(before["is_set"], false);
    assert_eq!(before["legal_name"], "Tenant");

    let saved = app
        .put_with_token(PROFILE, &tenant.access, &profile("Zoë Ødegård Жукова AS"))
        .await;
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["country"], "NO");
    assert_eq!(saved["is_set"], true);

    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let subscribed = app.subscribe(&tenant.access, "plan_growth", "month").await;
    assert_eq!(subscribed.status(), 201);
    let invoice = subscribed.json::<Value>().await.unwrap()["invoice"].clone();
    let invoice_id = invoice["id"].as_str().unwrap();
    assert_eq!(invoice["buyer"]["name"], "Zoë Ødegård Жукова AS");
    assert_eq!(
        invoice["buyer"]["address"],
        json!(["Storgata 1", "0155 Oslo"])
    );
    assert_eq!(invoice["buyer"]["tax_id"], "NO123456789MVA");
    assert_eq!(invoice["seller"]["name"], "IGNY8 Software GmbH");
    assert_eq!(invoice["seller"]["tax_id"], "DE811907980");

    let (_, text) = pdf_text(&app, &tenant.access, invoice_id).await;
    for expected in [
        "Zoë Ødegård Жукова AS",
        "0155 Oslo",
        "NO123456789MVA",
        "faktura@example.no",
        "IGNY8 Software GmbH",
        "Friedrichstraße 68",
        "DE811907980",
        "Paid on 2026-01-15",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected} missing from: {text}");
    }

    // A new profile prints on new invoices only: the filed one keeps its buyer.
    let renamed = app
        .put_with_token(PROFILE, &tenant.access, &profile("Nordlys Ἀθηνᾶ AS"))
        .await;
    assert_eq!(renamed.status(), 200);
    let (_, old) = pdf_text(&app, &tenant.access, invoice_id).await;
    assert!(old.contains("Zoë Ødegård Жукова AS") && !old.contains("Nordlys"));
    let purchase = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_small/purchase/",
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(purchase.status(), 201);
    let purchase: Value = purchase.json().await.unwrap();
    assert_eq!(purchase["invoice"]["buyer"]["name"], "Nordlys Ἀθηνᾶ AS");
    let new_id = purchase["invoice"]["id"].as_str().unwrap();
    let (_, new) = pdf_text(&app, &tenant.access, new_id).await;
    assert!(new.contains("Nordlys Ἀθηνᾶ AS"), "{new}");
}

async fn bad_billing_profiles_are_refused_field_by_field(app: TestApp) {
    let (tenant, _) = app
        .subscribed_tenant("wrong@example.com", "plan_growth")
        .await;
    let response = app
        .put_with_token(
            PROFILE,
            &tenant.access,
            &json!({"legal_name": " ", "address": "", "country": "Norway", "tax_id": "<b>", "billing_email": "nope"}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    for field in [
        "legal_name",
        "address",
        "country",
        "tax_id",
        "billing_email",
    ] {
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field} not named: {body}"
        );
    }
    let missing = app
        .put_with_token(PROFILE, &tenant.access, &json!({"legal_name": "A"}))
        .await;
    assert_eq!(missing.status(), 422);
    assert_eq!(app.json(PROFILE, &tenant.access).await["is_set"], false);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM billing_profiles WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        0
    );

    // A member cannot see or change the owner's billing details.
    let member = crate::team::join_as_new_member(&app, &tenant, "member@example.com").await;
    assert_eq!(app.get_with_token(PROFILE, &member).await.status(), 403);
    let changed = app
        .put_with_token(PROFILE, &member, &profile("Member Ltd"))
        .await;
    assert_eq!(changed.status(), 403);
}

async fn a_long_invoice_spans_pages_with_every_line(app: TestApp) {
    let tenant = app.tenant("long@example.com").await;
    let lines = (1..=120)
        .map(|i| app::invoices::store::NewLine {
            description: format!("Article {i}: Ünïcödé рукопись — a description long enough to wrap onto a second line of the table"),
            quantity: i,
            unit_amount: 150,
        })
        .collect();
    let mut tx = app.state.db.begin().await.unwrap();
    let invoice_id = app::invoices::store::issue(
        &mut tx,
        app::invoices::store::NewInvoice {
            account_id: &tenant.account_id,
            seller: &app.state.settings.seller,
            purpose: app::invoices::model::InvoicePurpose::CreditPackage,
            subscription_id: None,
            plan_id: None,
            package_id: None,
            credits: 0,
            period: None,
            interval: None,
            currency: "USD",
            lines,
            idempotency_key: None,
            at: app.state.clock.now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (pages, text) = pdf_text(&app, &tenant.access, &invoice_id).await;
    assert!(pages >= 4, "120 wrapped lines on {pages} pages");
    let compact: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for i in [1, 60, 119, 120] {
        let line = format!("Article {i}: Ünïcödé рукопись");
        assert!(compact.contains(&line), "{line} missing");
    }
    assert!(compact.contains("Description (continued)"));
    assert!(compact.contains(&format!("Page {pages} of {pages}")));
    // 1 + 2 + … + 120 at $1.50.
    assert!(compact.contains("$10890.00"), "total missing: {compact}");
    // The development server names its example bank and the reference to quote.
    assert!(compact.contains("DE89 3704 0044 0532 0130 00"));
    assert!(compact.contains("Example Bank"));
}

async fn open_invoices_say_where_to_transfer(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, SELLER).await else {
        return;
    };
    let (tenant, body) = bank_transfer_tenant(&app, "transfer@example.com").await;
    let invoice = &body["invoice"];
    let number = invoice["number"].as_str().unwrap();
    assert_eq!(invoice["bank_details"]["iban"], "DE89370400440532013000");
    assert_eq!(
        invoice["bank_details"]["beneficiary"],
        "IGNY8 Software GmbH"
    );
    let (_, text) = pdf_text(&app, &tenant.access, invoice["id"].as_str().unwrap()).await;
    for expected in [
        "Please pay $79.00 by bank transfer to:",
        "Commerzbank",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        number,
    ] {
        assert!(text.contains(expected), "{expected} missing from: {text}");
    }

    // The billing page shows the same account and the reference.
    let cookie = crate::helpers::session_cookie(
        &app.post_json(
            "/api/v1/auth/login/",
            &json!({"email": "transfer@example.com", "password": "correct horse battery"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap(),
    );
    let html = crate::helpers::page(&app, "/account/billing", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    for expected in ["Commerzbank", "DE89 3704 0044 0532 0130 00", number] {
        assert!(
            html.contains(expected),
            "{expected} missing from the billing page"
        );
    }

    // A production server without a bank account invents none: payers are told whom to ask.
    let (other, _) = app
        .another_instance_with(&[
            ("BANK_IBAN", ""),
            ("BANK_NAME", ""),
            ("BANK_BIC", ""),
            ("APP_ENV", "production"),
        ])
        .await;
    let (second, body) = {
        let tenant = app.tenant("nobank@example.com").await;
        app.add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
            .await;
        let response = app
            .client
            .post(format!("{other}/api/v1/auth/subscriptions/"))
            .bearer_auth(&tenant.access)
            .json(&json!({"plan_id": "plan_growth", "interval": "month"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        (tenant, response.json::<Value>().await.unwrap())
    };
    assert_eq!(body["invoice"]["bank_details"], Value::Null);
    let (_, text) = pdf_text(
        &app,
        &second.access,
        body["invoice"]["id"].as_str().unwrap(),
    )
    .await;
    assert!(text.contains("ask billing@igny8.com"), "{text}");
}

async fn the_receipt_carries_the_invoice_pdf_to_the_billing_email(engine: Engine) {
    let (sink, url) = SmtpSink::start().await;
    let Some(app) = TestApp::spawn_with(engine, &[("SMTP_URL", &url)]).await else {
        return;
    };
    let tenant = app.tenant("receipt@example.com").await;
    let saved = app
        .put_with_token(PROFILE, &tenant.access, &profile("Receipt AS"))
        .await;
    assert_eq!(saved.status(), 200);
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let subscribed = app.subscribe(&tenant.access, "plan_growth", "month").await;
    assert_eq!(subscribed.status(), 201);
    let number = subscribed.json::<Value>().await.unwrap()["invoice"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    while app.deliver_mail().await > 0 {}
    let messages = sink.messages.lock().unwrap().clone();
    let receipt = messages
        .iter()
        .find(|m| m.contains(&format!("Receipt for invoice {number}")))
        .expect("a receipt was sent");
    assert!(receipt.contains("To: faktura@example.no"), "{receipt}");
    assert!(receipt.contains("Content-Type: application/pdf"));
    assert!(receipt.contains(&format!("filename=\"{number}.pdf\"")));
    // The attachment is the PDF itself: base64 of "%PDF-" starts it.
    assert!(receipt.contains("JVBERi0"), "no PDF in: {receipt}");

    let admin = app.admin().await;
    let outbox = app.json("/api/v1/admin/outbox/", &admin).await;
    let listed = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Receipt"))
        .cloned()
        .unwrap();
    assert_eq!(listed["attachment"], format!("{number}.pdf"));
}

crate::on_both_engines!(engine:
    a_billing_profile_is_printed_as_it_was_when_the_invoice_was_issued,
    open_invoices_say_where_to_transfer,
    the_receipt_carries_the_invoice_pdf_to_the_billing_email,
);

mod app_tests {
    crate::on_both_engines!(
        bad_billing_profiles_are_refused_field_by_field,
        a_long_invoice_spans_pages_with_every_line,
    );
    use super::*;
}
