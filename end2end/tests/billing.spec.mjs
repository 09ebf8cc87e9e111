import { test, expect } from "@playwright/test";
import fs from "node:fs";
import { admin } from "../playwright.config.mjs";
import { addCard, hydrated, logIn, planCard, signUp, sql, subscribedUser, watchConsole } from "./support.mjs";

// The smallest valid PNG: a receipt the server recognises by its content.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

test("subscribe with a card added inline: the gate opens with the plan's credits", async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { name: "Add payment method" })).toBeVisible();
  await addCard(page, "4242 4242 4242 4242");
  // The new card is the default and preselected.
  await expect(page.getByLabel("Pay with")).toContainText("VISA ending 4242");

  await page.getByRole("link", { name: "Yearly", exact: true }).click();
  await expect(planCard(page, "growth")).toContainText("$790.00");
  // A yearly plan's credits still come every month.
  await expect(planCard(page, "growth").getByTestId("plan-credits")).toHaveText("5000 credits every month (60000 a year)");
  await page.getByRole("link", { name: "Monthly", exact: true }).click();
  await expect(planCard(page, "growth")).toContainText("$79.00");
  await expect(planCard(page, "growth").getByTestId("plan-credits")).toHaveText("5000 credits a month");

  const subscribe = planCard(page, "growth").getByRole("button", { name: "Subscribe" });
  await subscribe.click();
  await expect(page).toHaveURL(/\/\?subscribed=1$/);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByTestId("dashboard-balance")).toHaveText("5000");
  await expect(page.getByTestId("dashboard-plan")).toHaveText("Growth");
  await expect(page.locator(".cta-choose-plan")).toHaveCount(0);

  // The plans page marks the plan and offers the changes.
  await page.goto("/account/plans");
  await expect(planCard(page, "growth")).toContainText("Current plan");
  await expect(planCard(page, "scale").getByRole("link", { name: "Upgrade now" })).toBeVisible();
  await expect(planCard(page, "starter").getByRole("link", { name: "Downgrade at period end" })).toBeVisible();

  // Cancel at period end, then resume.
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(page).toHaveURL(/changed=canceled/);
  await expect(page.getByTestId("renewal")).toContainText("Ends on");
  await page.getByRole("button", { name: "Resume subscription" }).click();
  await expect(page).toHaveURL(/changed=resumed/);
  await expect(page.getByTestId("renewal")).toContainText("Renews on");

  // The invoice is listed and its PDF downloads.
  await page.goto("/account/billing");
  const row = page.locator("tr[data-invoice]").first();
  await expect(row).toContainText("$79.00");
  await expect(row).toContainText("paid");
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: "PDF" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^INV-\d{4}-\d{6}\.pdf$/);
  const pdf = fs.readFileSync(await download.path());
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  await expect(page.locator("tr[data-payment]").first()).toContainText("succeeded");
  expect(errors).toEqual([]);
});

test("a plan change shows what it charges before it is made: monthly to yearly now, back to monthly at the year's end", async ({ page }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await page.goto("/account/plans");
  await hydrated(page);
  // The subscription's own interval is shown; the yearly one is a link away.
  await expect(page.getByRole("link", { name: "Monthly", exact: true })).toHaveAttribute("aria-current", "true");
  await expect(planCard(page, "starter").locator(".plan-action")).toHaveCount(0);
  await page.getByRole("link", { name: "Yearly", exact: true }).click();
  await planCard(page, "starter").getByRole("link", { name: "Switch to yearly" }).click();

  const preview = page.locator("#plan-change");
  await expect(preview).toHaveAttribute("data-kind", "upgrade");
  // A year of Starter less the month already paid.
  await expect(preview.getByTestId("preview-charge")).toHaveText("$261.00");
  await expect(preview.getByTestId("preview-credits")).toHaveText("+0");
  await expect(preview.getByTestId("preview-effective")).toHaveText("Now");
  await expect(preview.getByTestId("preview-renewal")).toContainText("at $290.00 a year, with 1000 credits every month");
  // Nothing changed yet.
  await expect(page.locator(".subscription-summary")).toContainText("billed monthly");

  await preview.getByRole("button", { name: "Confirm and pay" }).click();
  await expect(page).toHaveURL(/changed=upgraded/);
  await expect(page.locator(".subscription-summary")).toContainText("billed yearly");
  await expect(page.locator("#plan-change")).toHaveCount(0);

  // Back to monthly waits for the end of the year; the preview says so and charges nothing.
  await page.getByRole("link", { name: "Monthly", exact: true }).click();
  await planCard(page, "starter").getByRole("link", { name: "Switch to monthly at period end" }).click();
  await expect(preview).toHaveAttribute("data-kind", "downgrade");
  await expect(preview.getByTestId("preview-charge")).toHaveText("$0.00");
  await expect(preview.getByTestId("preview-effective")).toHaveText(/^On \d{4}-\d{2}-\d{2}$/);
  await expect(preview.getByTestId("preview-renewal")).toContainText("at $29.00 a month");
  await preview.getByRole("button", { name: "Confirm change" }).click();
  await expect(page).toHaveURL(/changed=downgrade_scheduled/);
  await expect(page.getByTestId("scheduled-change")).toHaveText("Changes to Starter billed monthly at the end of this period.");

  // A change the account cannot make is explained in the preview, with a way back.
  await page.goto("/account/plans?change=plan_nope");
  await expect(page.locator("#plan-change [role=alert]")).toContainText("Choose one of the plans offered");
  await expect(page.locator("#plan-change").getByRole("link", { name: "Back to the plans" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a plan with a free trial: started with a card, nothing charged, trial credits, its end shown", async ({ page }) => {
  const errors = watchConsole(page);
  // A plan of this test's own (the catalogue's plans stay as the other tests know them).
  sql(
    "INSERT INTO plans (id, slug, name, currency, price_month, price_year, credits_per_period, limit_sites, limit_seats, " +
      "modules, features, is_active, sort_order, created_at, updated_at, trial_days, trial_credits, trial_requires_card) " +
      "VALUES ('plan_e2e_trial', 'e2e-trial', 'Trial Plan', 'USD', 1900, 19000, 1000, 3, 1, 'planner,writer', '', 1, 99, 0, 0, 14, 300, 1)",
  );
  try {
    await signUp(page);
    await hydrated(page);
    const card = planCard(page, "e2e-trial");
    await expect(card.getByTestId("plan-trial")).toHaveText("14-day free trial with 300 credits (card required)");
    await addCard(page, "4242 4242 4242 4242");
    await expect(page.getByLabel("Pay with")).toContainText("ending 4242");
    await card.getByRole("button", { name: "Start free trial" }).click();
    await expect(page).toHaveURL(/\/\?subscribed=1$/);
    await expect(page.getByTestId("dashboard-balance")).toHaveText("300");
    await page.goto("/account/plans");
    await expect(page.locator(".subscription-summary")).toHaveAttribute("data-status", "trialing");
    await expect(page.getByTestId("renewal")).toHaveText(/^Free trial ends on \d{4}-\d{2}-\d{2}$/);
    // Nothing was charged: no invoice yet.
    await page.goto("/account/billing");
    await expect(page.locator("#invoices")).toContainText("No invoices yet.");
  } finally {
    sql("UPDATE plans SET is_active = 0 WHERE id = 'plan_e2e_trial'");
  }
  expect(errors).toEqual([]);
});

test("declined cards say why and the gate stays closed", async ({ page }) => {
  await signUp(page);
  await addCard(page, "4000 0000 0000 0002");
  await expect(page.getByRole("alert")).toContainText("The card was declined");
  await expect(page.getByRole("heading", { name: "Add payment method" })).toBeVisible();

  // This card can be saved, but charging it fails.
  await addCard(page, "4000 0000 0000 0341");
  await expect(page.getByLabel("Pay with")).toContainText("ending 0341");
  await planCard(page, "starter").getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("alert")).toContainText("Payment declined");
  await expect(page.getByRole("alert")).toContainText("Try another card");
  await page.goto("/");
  await expect(page).toHaveURL(/\/account\/plans$/);
});

test("bank transfer: reference and receipt, an admin approves, the gate opens", async ({ page }) => {
  const email = await signUp(page);
  await page.goto("/account/billing");
  await page.getByRole("button", { name: "Pay by bank transfer" }).click();
  await expect(page.locator('li[data-method-kind="bank_transfer"]')).toContainText("Default");

  await page.goto("/account/plans");
  await planCard(page, "starter").getByRole("button", { name: "Subscribe" }).click();
  await expect(page).toHaveURL(/\/account\/billing\?pending=1$/);
  await expect(page.getByRole("status")).toContainText("starts when its first invoice is paid");

  // Where to transfer, with the invoice number as the reference to quote.
  const form = page.locator("form.manual-payment").first();
  const number = await form.getAttribute("data-invoice");
  const details = form.getByTestId("bank-details");
  await expect(details).toContainText("DE89 3704 0044 0532 0130 00");
  await expect(details.locator(".reference")).toHaveText(number);
  await form.getByLabel("Bank reference").fill("TRX-2026-0042");
  await form.getByLabel(/Receipt/).setInputFiles({ name: "receipt.png", mimeType: "image/png", buffer: PNG });
  await form.getByRole("button", { name: "Submit payment" }).click();
  await expect(page).toHaveURL(/manual=submitted/);
  await expect(page.getByRole("status")).toContainText("awaiting approval");
  await expect(page.locator("tr[data-payment]").first()).toContainText("awaiting approval");
  await page.goto("/");
  await expect(page).toHaveURL(/\/account\/plans$/);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await logIn(page, admin.email, admin.password);
  await expect(page).not.toHaveURL(/\/login/);
  await page.goto("/admin/payments");
  // The decision's notice is shown by the hydrated page.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const pending = page.locator("article.pending-payment", { hasText: "TRX-2026-0042" });
  await expect(pending.locator("img.receipt-preview")).toBeVisible();
  await expect(pending.locator("img.receipt-preview")).toHaveJSProperty("naturalWidth", 1);
  await pending.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText("Approved");
  await expect(page.locator("article.pending-payment", { hasText: "TRX-2026-0042" })).toHaveCount(0);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await logIn(page, email);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("dashboard-balance")).toHaveText("1000");
});

test("billing details and the admin's tax rate are printed on the next invoice", async ({ page, browser }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await page.goto("/account/billing");
  await hydrated(page);
  const card = page.locator("#billing-profile");
  await expect(card.getByTestId("profile-missing")).toBeVisible();
  await card.getByLabel("Legal name").fill("Zoë Ødegård Жукова AS");
  await card.getByLabel("Address").fill("Storgata 1\n0155 Oslo");
  await card.getByLabel("Country (two-letter code)").fill("N1");
  await card.getByRole("button", { name: "Save billing details" }).click();
  await expect(card.locator(".field-error")).toContainText("two-letter country code");
  // A refused form keeps what was typed.
  await expect(card.getByLabel("Legal name")).toHaveValue("Zoë Ødegård Жукова AS");
  await card.getByLabel("Country (two-letter code)").fill("no");
  await card.getByLabel("VAT / tax ID (optional)").fill("NO123456789MVA");
  await card.getByRole("button", { name: "Save billing details" }).click();
  await expect(card.getByTestId("profile-saved")).toBeVisible();
  await expect(card.getByLabel("Country (two-letter code)")).toHaveValue("NO");
  await expect(card.getByTestId("profile-missing")).toHaveCount(0);

  // An admin sets Norway's rate on the tax page.
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  // Signed in before moving on (a navigation now would cut the login short).
  await expect(adminPage).not.toHaveURL(/\/login/);
  await adminPage.goto("/admin/tax-rates");
  await hydrated(adminPage);
  await adminPage.getByLabel("Country (two letters)").fill("no");
  await adminPage.getByLabel("Name").fill("MVA");
  await adminPage.getByLabel("Rate (%)").fill("twenty");
  await adminPage.getByRole("button", { name: "Save rate" }).click();
  await expect(adminPage.locator(".field-error")).toContainText("percentage");
  await adminPage.getByLabel("Rate (%)").fill("25");
  await adminPage.getByRole("button", { name: "Save rate" }).click();
  await expect(adminPage.getByTestId("tax-rate-saved")).toHaveText("MVA 25% for NO.");
  await expect(adminPage.locator("tr[data-country='NO']")).toContainText("25%");

  // The next invoice is addressed to the billing details and taxed at Norway's rate.
  await page.locator("article[data-package='pkg_small']").getByRole("button", { name: "Buy" }).click();
  await expect(page.getByTestId("purchase-done")).toContainText("500 credits added");
  await page.reload();
  await page.locator("tr[data-invoice]").first().getByRole("link").first().click();
  const buyer = page.locator("address.party", { hasText: "Billed to" });
  await expect(buyer).toContainText("Zoë Ødegård Жукова AS");
  await expect(buyer).toContainText("0155 Oslo");
  await expect(buyer).toContainText("VAT / Tax ID: NO123456789MVA");
  await expect(page.getByTestId("invoice-tax")).toContainText("MVA 25%");
  await expect(page.getByTestId("invoice-tax")).toContainText("$2.50");
  await expect(page.locator("tr.total")).toContainText("$12.50");

  // The admin removes the rate again: later invoices in this run are untaxed.
  await adminPage.locator("tr[data-country='NO']").getByRole("button", { name: "Remove" }).click();
  await expect(adminPage.locator("tr[data-country='NO']")).toHaveCount(0);
  // The browser logs the refused save's 422; nothing else went wrong.
  expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
});

test("a throttled plan list says so and retries once", async ({ page }) => {
  await signUp(page);
  await page.goto("/account/billing");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  let throttled = 0;
  await page.route("**/api/plans/list", async (route) => {
    if (throttled === 0) {
      throttled += 1;
      await route.fulfill({
        status: 429,
        headers: { "content-type": "application/json", "retry-after": "1" },
        body: JSON.stringify({ code: "throttled", retry_after_seconds: 1, message: "Too many requests." }),
      });
    } else {
      await route.continue();
    }
  });
  await page.locator(".cta-choose-plan").first().click();
  await expect(page.getByTestId("plans-throttled")).toContainText("Throttled, retrying");
  await expect(planCard(page, "starter")).toBeVisible();
  await expect(page.getByTestId("plans-throttled")).toHaveCount(0);
  expect(throttled).toBe(1);
});

test("the invoice and payment histories page through every row", async ({ page }) => {
  const errors = watchConsole(page);
  const email = await subscribedUser(page, "starter");
  // 24 older paid invoices, each with its payment: 25 of each with the subscription's own.
  const account = sql(`SELECT account_id FROM users WHERE email = '${email.toLowerCase()}'`);
  const now = Math.floor(Date.now() / 1000);
  sql(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 24) ` +
      `INSERT INTO invoices (id, account_id, number, status, purpose, credits, currency, subtotal, tax, total, issued_at, paid_at) ` +
      `SELECT 'inv_old_' || i || '_${account}', '${account}', 'OLD-${account}-' || printf('%02d', i), 'paid', 'credit_package', 0, 'USD', ` +
      `1000 + i, 0, 1000 + i, ${now} - i * 86400, ${now} - i * 86400 FROM n`,
  );
  sql(
    `INSERT INTO payments (id, account_id, invoice_id, method_kind, status, amount, currency, created_at, updated_at) ` +
      `SELECT 'pay_old_' || substr(id, 9), account_id, id, 'card', 'succeeded', total, currency, issued_at, issued_at ` +
      `FROM invoices WHERE id LIKE 'inv_old_%_${account}'`,
  );

  await page.goto("/account/billing");
  await hydrated(page);
  const invoices = page.locator("#invoices");
  const payments = page.locator("#payments");
  await expect(invoices.locator("tr[data-invoice]")).toHaveCount(20);
  await expect(invoices.locator(".pager")).toContainText("Page 1 of 2 · 25 rows");
  await expect(invoices.locator("tr[data-invoice]").first()).toContainText("$29.00");
  await expect(payments.locator("tr[data-payment]")).toHaveCount(20);

  // Client-side: the next page of invoices holds the five oldest; the payments stay on page 1.
  await invoices.getByRole("link", { name: "Next →" }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("invoices_page")).toBe("2");
  await expect(invoices.locator("tr[data-invoice]")).toHaveCount(5);
  await expect(invoices.locator("tr[data-invoice]").last()).toContainText("OLD-");
  await expect(invoices.locator("tr[data-invoice]").last()).toContainText("$10.24");
  await expect(payments.locator("tr[data-payment]")).toHaveCount(20);

  // A first visit to a later page is rendered by the server.
  await page.goto("/account/billing?payments_page=2");
  await expect(payments.locator("tr[data-payment]")).toHaveCount(5);
  await expect(payments.locator(".pager")).toContainText("Page 2 of 2 · 25 rows");
  await expect(invoices.locator("tr[data-invoice]")).toHaveCount(20);
  expect(errors).toEqual([]);
});

test("an invoice waiting for a bank transfer is paid now by card instead, after a decline", async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page);
  await page.goto("/account/billing");
  await hydrated(page);
  await page.getByRole("button", { name: "Pay by bank transfer" }).click();
  await expect(page.locator('li[data-method-kind="bank_transfer"]')).toContainText("Default");
  await page.goto("/account/plans");
  await planCard(page, "starter").getByRole("button", { name: "Subscribe" }).click();
  await expect(page).toHaveURL(/\/account\/billing\?pending=1/);
  await hydrated(page);

  const open = page.locator("#open-invoices article.open-invoice").first();
  await expect(open).toContainText("Subscription");
  await expect(open).toContainText("Add a card or connect PayPal above to pay it now.");

  // A card added on the page shows up in the invoice's picker at once; this one declines.
  await addCard(page, "4000 0000 0000 0341");
  await expect(open.getByLabel("Pay with")).toContainText("ending 0341");
  await open.getByRole("button", { name: "Pay now" }).click();
  await expect(page.getByRole("alert").first()).toContainText("Payment declined");
  await expect(open).toBeVisible();

  await addCard(page, "4242 4242 4242 4242");
  const working = await open.locator("option", { hasText: "ending 4242" }).getAttribute("value");
  await open.getByLabel("Pay with").selectOption(working);
  await open.getByRole("button", { name: "Pay now" }).click();
  await expect(page.getByTestId("invoice-paid")).toContainText("is paid ($29.00)");
  // The plan's credits show in the header without a reload.
  await expect(page.getByTestId("balance-widget").getByTestId("balance-available")).toHaveText("1000");
  await expect(page.locator("#open-invoices")).toHaveCount(0);
  await expect(page.locator("tr[data-payment]").first()).toContainText("succeeded");

  // The gate is open: the plan is active with its credits.
  await page.goto("/");
  await expect(page.getByTestId("dashboard-balance")).toHaveText("1000");
  expect(errors.filter((e) => !e.includes("402"))).toEqual([]);
});
