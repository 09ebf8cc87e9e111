//! Invoices, payments and manual bank transfers: PDFs, gapless numbers, receipts, the admin's
//! decision exactly once, tenant isolation, crash recovery of a charge.

use crate::helpers::{card_body, form_client, location, session_cookie, Tenant, TestApp};
use reqwest::header::{COOKIE, ORIGIN};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

pub async fn manual_payment(app: &TestApp, access: &str, form: Form) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/billing/payments/manual/"))
        .bearer_auth(access)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub fn receipt_form(invoice_id: &str, reference: &str, file: Option<(&[u8], &str)>) -> Form {
    let form = Form::new()
        .text("invoice_id", invoice_id.to_string())
        .text("reference", reference.to_string());
    match file {
        Some((bytes, name)) => form.part(
            "receipt",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        ),
        None => form,
    }
}

/// A tenant paying by bank transfer with a subscription waiting for its first payment.
pub async fn bank_transfer_tenant(app: &TestApp, email: &str) -> (Tenant, Value) {
    let tenant = app.tenant(email).await;
    app.add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    let response = app.subscribe(&tenant.access, "plan_growth", "month").await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (tenant, body)
}

async fn receipts_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(DISTINCT payment_id) AS BIGINT) FROM payment_receipt_chunks",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

async fn bank_transfer_waits_for_one_admin_approval(app: TestApp) {
    let (tenant, body) = bank_transfer_tenant(&app, "bank@example.com").await;
    assert_eq!(body["subscription"]["status"], "pending_payment");
    assert_eq!(body["invoice"]["status"], "open");
    assert_eq!(body["payment"], Value::Null);
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["subscription_status"], "pending_payment");

    let submitted = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "TRX-123", Some((PNG, "receipt.png"))),
    )
    .await;
    assert_eq!(submitted.status(), 201);
    let payment: Value = submitted.json().await.unwrap();
    assert_eq!(payment["status"], "awaiting_approval");
    assert_eq!(payment["reference"], "TRX-123");
    let payment_id = payment["id"].as_str().unwrap().to_string();
    // One waiting payment per invoice.
    let twice = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "TRX-124", None),
    )
    .await;
    assert_eq!(twice.status(), 409);

    // The tenant and admins read the receipt; nobody else does.
    let own = app
        .get_with_token(
            &format!("/api/v1/billing/payments/{payment_id}/receipt/"),
            &tenant.access,
        )
        .await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.headers()["content-type"], "image/png");
    assert_eq!(own.bytes().await.unwrap().as_ref(), PNG);
    let stranger = app.tenant("stranger@example.com").await;
    let theirs = app
        .get_with_token(
            &format!("/api/v1/billing/payments/{payment_id}/receipt/"),
            &stranger.access,
        )
        .await;
    assert_eq!(theirs.status(), 404);
    let not_admin = app
        .get_with_token("/api/v1/billing/admin/pending_payments/", &tenant.access)
        .await;
    assert_eq!(not_admin.status(), 403);
    assert_eq!(
        not_admin.json::<Value>().await.unwrap()["error"]["code"],
        "admin_required"
    );

    let admin = app.admin().await;
    let pending = app
        .json("/api/v1/billing/admin/pending_payments/", &admin)
        .await;
    assert_eq!(pending["total"], 1);
    assert_eq!(pending["items"][0]["id"], payment_id.as_str());
    let by_admin = app
        .get_with_token(
            &format!("/api/v1/billing/payments/{payment_id}/receipt/"),
            &admin,
        )
        .await;
    assert_eq!(by_admin.status(), 200);

    // Two admins click together: one approval happens.
    let approve = format!("/api/v1/billing/admin/payments/{payment_id}/approve/");
    let note = json!({"note": "seen on statement"});
    let (a, b) = tokio::join!(
        app.post_with_token(&approve, &admin, &note),
        app.post_with_token(&approve, &admin, &note),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let reject_late = app
        .post_with_token(
            &format!("/api/v1/billing/admin/payments/{payment_id}/reject/"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(reject_late.status(), 409);

    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["subscription_status"], "active");
    assert_eq!(app.balance(&tenant.access).await, 5000);
    let invoice = app.invoice(&tenant.access, invoice_id).await;
    assert_eq!(invoice["status"], "paid");
    let payments = app.json("/api/v1/billing/payments/", &tenant.access).await;
    assert_eq!(payments["items"][0]["status"], "succeeded");
    assert_eq!(payments["items"][0]["note"], "seen on statement");
    assert_eq!(
        app.json("/api/v1/billing/admin/pending_payments/", &admin)
            .await["total"],
        0
    );
}

async fn rejected_transfer_keeps_the_invoice_open(app: TestApp) {
    let (tenant, body) = bank_transfer_tenant(&app, "rejected@example.com").await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let payment: Value = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "WRONG-REF", None),
    )
    .await
    .json()
    .await
    .unwrap();
    let admin = app.admin().await;
    let rejected = app
        .post_with_token(
            &format!(
                "/api/v1/billing/admin/payments/{}/reject/",
                payment["id"].as_str().unwrap()
            ),
            &admin,
            &json!({"note": "No transfer with this reference"}),
        )
        .await;
    assert_eq!(rejected.status(), 200);
    assert_eq!(
        rejected.json::<Value>().await.unwrap()["status"],
        "rejected"
    );
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["subscription_status"], "pending_payment");
    assert_eq!(app.balance(&tenant.access).await, 0);
    // The tenant can try again.
    let again = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "RIGHT-REF", None),
    )
    .await;
    assert_eq!(again.status(), 201);
    let mails = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND body LIKE '%No transfer with this reference%'", "rejected@example.com")
        .await;
    assert_eq!(mails, 1);
}

async fn bad_receipts_are_refused_and_nothing_is_stored(app: TestApp) {
    let (tenant, body) = bank_transfer_tenant(&app, "receipts@example.com").await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let gif_named_png = b"GIF89a\x01\0\x01\0\0\0\0;".as_slice();
    let oversize = [b"%PDF-1.4\n".as_slice(), &vec![b'x'; 5 * 1024 * 1024]].concat();
    let far_too_big = [b"%PDF-1.4\n".as_slice(), &vec![b'x'; 7 * 1024 * 1024]].concat();
    for (bytes, name) in [
        (gif_named_png, "receipt.png"),
        (&oversize[..], "big.pdf"),
        (&far_too_big[..], "huge.pdf"),
    ] {
        let response = manual_payment(
            &app,
            &tenant.access,
            receipt_form(invoice_id, "REF-1", Some((bytes, name))),
        )
        .await;
        assert_eq!(response.status(), 422, "{name}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation_failed");
        assert!(error["error"]["fields"]["receipt"].is_string(), "{error}");
    }
    let empty_reference =
        manual_payment(&app, &tenant.access, receipt_form(invoice_id, "  ", None)).await;
    assert_eq!(empty_reference.status(), 422);
    let not_multipart = app
        .post_with_token(
            "/api/v1/billing/payments/manual/",
            &tenant.access,
            &json!({"invoice_id": invoice_id}),
        )
        .await;
    assert_eq!(not_multipart.status(), 422);
    assert_eq!(receipts_stored(&app).await, 0);
    assert_eq!(
        app.json("/api/v1/billing/payments/", &tenant.access).await["total"],
        0
    );
    // A PDF receipt is accepted by its content.
    let pdf = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "REF-2", Some((b"%PDF-1.7\n%%EOF", "scan.bin"))),
    )
    .await;
    assert_eq!(pdf.status(), 201);
    assert_eq!(receipts_stored(&app).await, 1);
}

/// Receipts are in the database: an admin behind another instance (with a disk of its own)
/// reads the very bytes the tenant uploaded to the first, streamed in several chunks.
async fn a_receipt_uploaded_to_one_instance_opens_on_another(app: TestApp) {
    let (tenant, body) = bank_transfer_tenant(&app, "two-disks@example.com").await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let receipt: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..700 * 1024).map(|i| (i % 251) as u8))
        .collect();
    let submitted = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "TRX-2", Some((&receipt, "scan.pdf"))),
    )
    .await;
    assert_eq!(submitted.status(), 201);
    let payment: Value = submitted.json().await.unwrap();
    let path = format!(
        "/api/v1/billing/payments/{}/receipt/",
        payment["id"].as_str().unwrap()
    );
    assert_eq!(payment["receipt_url"], path.as_str());
    assert!(
        !app.state.settings.receipts_dir.exists(),
        "nothing is written to the first instance's disk"
    );

    let other_disk = app.own_dir("other-instance");
    let second = app
        .another_instance_with(&[("DATA_DIR", &other_disk)])
        .await
        .0;
    let from_second = |token: &str| {
        app.client
            .get(format!("{second}{path}"))
            .bearer_auth(token)
            .send()
    };
    let admin = app.admin().await;
    for token in [&admin, &tenant.access] {
        let response = from_second(token).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(response.bytes().await.unwrap().as_ref(), receipt.as_slice());
    }
    let stranger = app.tenant("not-theirs@example.com").await;
    assert_eq!(from_second(&stranger.access).await.unwrap().status(), 404);
}

/// A payment recorded by an older version names its receipt file, which is still served.
async fn a_receipt_kept_on_disk_by_an_older_version_still_opens(app: TestApp) {
    let (tenant, body) = bank_transfer_tenant(&app, "old-receipt@example.com").await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let payment: Value = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice_id, "TRX-OLD", None),
    )
    .await
    .json()
    .await
    .unwrap();
    let payment_id = payment["id"].as_str().unwrap();
    assert_eq!(payment["receipt_url"], Value::Null);
    let dir = &app.state.settings.receipts_dir;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("receipt_old.png"), PNG).unwrap();
    sqlx::query(
        "UPDATE payments SET receipt_file = 'receipt_old.png', receipt_content_type = 'image/png' \
         WHERE id = $1",
    )
    .bind(payment_id)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let response = app
        .get_with_token(
            &format!("/api/v1/billing/payments/{payment_id}/receipt/"),
            &tenant.access,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
}

async fn tenants_never_see_each_others_billing(app: TestApp) {
    let (owner, body) = app
        .subscribed_tenant("owner@example.com", "plan_starter")
        .await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let payment_id = body["payment"]["id"].as_str().unwrap();
    let other = app.tenant("intruder@example.com").await;
    for path in [
        format!("/api/v1/billing/invoices/{invoice_id}/"),
        format!("/api/v1/billing/invoices/{invoice_id}/pdf/"),
        format!("/api/v1/billing/payments/{payment_id}/receipt/"),
    ] {
        let response = app.get_with_token(&path, &other.access).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"]["code"],
            "not_found"
        );
    }
    assert_eq!(
        app.json("/api/v1/billing/invoices/", &other.access).await["total"],
        0
    );
    assert_eq!(
        app.json("/api/v1/billing/payments/", &other.access).await["total"],
        0
    );
    assert_eq!(
        app.json("/api/v1/billing/transactions/", &other.access)
            .await["total"],
        0
    );
    let pay_theirs =
        manual_payment(&app, &other.access, receipt_form(invoice_id, "MINE", None)).await;
    assert_eq!(pay_theirs.status(), 404);
    assert_eq!(
        app.json("/api/v1/billing/invoices/", &owner.access).await["total"],
        1
    );
}

async fn invoice_pdf_is_a_real_pdf(app: TestApp) {
    let (tenant, body) = app
        .subscribed_tenant("pdf@example.com", "plan_growth")
        .await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let response = app
        .get_with_token(
            &format!("/api/v1/billing/invoices/{invoice_id}/pdf/"),
            &tenant.access,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    let document = lopdf::Document::load_mem(&bytes).expect("a PDF that parses");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    assert_eq!(pages.len(), 1);
    let text = document.extract_text(&pages).expect("text");
    for expected in [
        "INV-2026-000001",
        "$79.00",
        "Growth plan",
        "Tenant",
        "PAID",
        "Total",
    ] {
        assert!(text.contains(expected), "{expected} missing from: {text}");
    }
}

async fn concurrent_invoices_get_gapless_numbers(app: TestApp) {
    let tenant = app.tenant("many@example.com").await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let state = app.state.clone();
        let account_id = tenant.account_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = state.db.begin().await.unwrap();
            let id = app::invoices::store::issue(
                &mut tx,
                app::invoices::store::NewInvoice {
                    account_id: &account_id,
                    seller: &state.settings.seller,
                    purpose: app::invoices::model::InvoicePurpose::CreditPackage,
                    subscription_id: None,
                    plan_id: None,
                    package_id: None,
                    credits: 10,
                    period: None,
                    interval: None,
                    currency: "USD",
                    lines: vec![app::invoices::store::NewLine {
                        description: format!("Item {i}"),
                        quantity: 1,
                        unit_amount: 100,
                    }],
                    idempotency_key: None,
                    at: state.clock.now(),
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            id
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut numbers: Vec<String> =
        sqlx::query_scalar("SELECT number FROM invoices WHERE account_id = $1")
            .bind(&tenant.account_id)
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("INV-2026-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

async fn a_charge_interrupted_by_a_crash_is_settled_once(app: TestApp) {
    // The server stopped between recording a card payment and settling it: the payment is
    // `pending`. The scheduler charges again with the same key and settles it.
    let (tenant, body) = bank_transfer_tenant(&app, "crash@example.com").await;
    let card = app
        .add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let now = app.clock.now();
    sqlx::query(
        "INSERT INTO payments (id, account_id, invoice_id, payment_method_id, method_kind, status, amount, currency, created_at, updated_at) \
         VALUES ('pay_crashed', $1, $2, $3, 'card', 'pending', 7900, 'USD', $4, $4)",
    )
    .bind(&tenant.account_id)
    .bind(invoice_id)
    .bind(card["id"].as_str().unwrap())
    .bind(now)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    app.tick().await;
    assert_eq!(
        app.json("/api/v1/auth/me/", &tenant.access).await["account"]["subscription_status"],
        "pending_payment"
    );
    app.set_time(now + 180);
    app.tick().await;
    app.tick().await;
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    assert_eq!(
        app.json("/api/v1/auth/me/", &tenant.access).await["account"]["subscription_status"],
        "active"
    );
    assert_eq!(app.balance(&tenant.access).await, 5000);
    let charges: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_charges")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(charges, 1);
}

async fn paypal_pays_after_approval(app: TestApp) {
    let registered = app.register("paypal-pay@example.com", "Pal").await;
    let access = registered["tokens"]["access"].as_str().unwrap().to_string();
    let method = app.add_method(&access, &json!({"kind": "paypal"})).await;
    assert_eq!(method["status"], "pending_approval");
    let refused = app.subscribe(&access, "plan_starter", "month").await;
    assert_eq!(refused.status(), 422);
    let approved = form_client()
        .post(app.url("/api/sandbox/paypal/settle"))
        .header(ORIGIN, &app.address)
        .header(COOKIE, session_cookie(&registered))
        .form(&[
            ("id", method["id"].as_str().unwrap()),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&approved), "/account/billing?paypal=approved");
    let paid = app.subscribe(&access, "plan_starter", "month").await;
    assert_eq!(paid.status(), 201);
    let body: Value = paid.json().await.unwrap();
    assert_eq!(body["payment"]["method_kind"], "paypal");
    assert_eq!(body["payment"]["status"], "succeeded");
    assert_eq!(body["subscription"]["status"], "active");
}

/// A bank-transfer form posted without JavaScript is redirected back with its error's code; the
/// page words it through the error presenter and never echoes the query string.
async fn a_refused_transfer_form_is_explained_on_the_billing_page(app: TestApp) {
    let registered = app.register("no-js@example.com", "NoJs").await;
    let cookie = session_cookie(&registered);
    let html = crate::helpers::page(
        &app,
        "/account/billing?manual_error=validation_failed",
        Some(&cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(html.contains(r#"data-error-code="validation_failed""#));
    assert!(html.contains("Check the form"));
    let forged = crate::helpers::page(
        &app,
        "/account/billing?manual_error=%3Cb%3Ehello%3C%2Fb%3E",
        Some(&cookie),
    )
    .await;
    let status = forged.status();
    let forged = forged.text().await.unwrap();
    let main = forged.split("<main").nth(1).unwrap_or(&forged);
    assert!(
        status == 200 && forged.contains("Something went wrong"),
        "{status}: {main}"
    );
    assert!(!forged.contains("hello"));
}

crate::on_both_engines!(
    a_refused_transfer_form_is_explained_on_the_billing_page,
    bank_transfer_waits_for_one_admin_approval,
    rejected_transfer_keeps_the_invoice_open,
    bad_receipts_are_refused_and_nothing_is_stored,
    a_receipt_uploaded_to_one_instance_opens_on_another,
    a_receipt_kept_on_disk_by_an_older_version_still_opens,
    tenants_never_see_each_others_billing,
    invoice_pdf_is_a_real_pdf,
    concurrent_invoices_get_gapless_numbers,
    a_charge_interrupted_by_a_crash_is_settled_once,
    paypal_pays_after_approval,
);
