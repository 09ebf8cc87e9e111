import { test, expect } from "@playwright/test";
import { activateSubscription, addCard, planCard, signUp, sql } from "./support.mjs";

// Every form works before the WASM loads, and the page it lands on says what happened. With
// JavaScript off, nothing but the server's HTML and plain form posts and links is at work.
test.use({ javaScriptEnabled: false });

test("without JavaScript: signup, a yearly plan with a chosen card, a Writer run, credits bought, a card removed", async ({ page }) => {
  const email = await signUp(page);
  await addCard(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/account\/plans/);
  await expect(page.getByLabel("Pay with")).toContainText("ending 4242");

  // A second card, added on the billing page.
  await page.goto("/account/billing");
  await addCard(page, "5555 5555 5555 4444");
  await expect(page.locator(".method-list li")).toHaveCount(2);

  // Yearly, then the second card, then subscribe.
  await page.goto("/account/plans");
  await page.getByRole("link", { name: "Yearly", exact: true }).click();
  await expect(planCard(page, "growth")).toContainText("$790.00");
  await page.getByLabel("Pay with").selectOption({ label: "MASTERCARD ending 4444 (expires 12/2030)" });
  await page.getByRole("button", { name: "Use this method" }).click();
  await expect(page).toHaveURL(/interval=year/);
  await expect(page).toHaveURL(/method=pm_/);
  await planCard(page, "growth").getByRole("button", { name: "Subscribe" }).click();
  await expect(page).toHaveURL(/\/\?subscribed=1$/);
  const subscribed = sql(
    "SELECT s.billing_interval || ' ' || pm.last4 FROM subscriptions s JOIN payment_methods pm ON pm.id = s.payment_method_id " +
      `JOIN users u ON u.account_id = s.account_id WHERE u.email = '${email.toLowerCase()}' AND s.status = 'active'`,
  );
  expect(subscribed).toBe("year 4444");

  // The Writer: the server prices the run, the Run button works, the result is shown.
  await page.goto("/writer");
  await expect(page.getByTestId("estimate-cost")).toHaveText("5");
  await expect(page.getByTestId("run-task")).toBeEnabled();
  await page.getByLabel("Keyword or topic").fill("trail running shoes");
  await page.getByTestId("run-task").click();
  await expect(page).toHaveURL(/\/writer\?task=/);
  await expect(page.getByTestId("task-result")).toContainText("charged");

  // Credits: the confirmation survives the redirect.
  await page.goto("/account/billing");
  await page.locator("article[data-package='pkg_small']").getByRole("button", { name: "Buy" }).click();
  await expect(page.getByTestId("purchase-done")).toContainText("500 credits added (invoice INV-");

  // A card removed, and the page says so.
  const row = page.locator(".method-list li", { hasText: "ending 4242" });
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(page).toHaveURL(/method=removed/);
  await expect(page.getByRole("status").filter({ hasText: "The payment method was removed." })).toBeVisible();
  await expect(page.locator(".method-list li")).toHaveCount(1);
});

test("without JavaScript: a saved profile, a reset link and a failed row action say what happened", async ({ page }) => {
  const email = await signUp(page);
  await page.goto("/account/profile");
  await page.getByLabel("Name").fill("Renamed Person");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page).toHaveURL(/__done=/);
  await expect(page.getByText("Saved. If you changed your email")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("Renamed Person");

  // A row action on a page gone stale (the site removed meanwhile) fails and says why.
  activateSubscription(email);
  await page.goto("/sites");
  await page.getByLabel("Name").fill("Soon gone");
  await page.getByLabel("Address").fill("gone.example.com");
  await page.getByRole("button", { name: "Add site" }).click();
  const row = page.locator("li[data-site='https://gone.example.com']");
  await expect(row).toBeVisible();
  const id = sql(`SELECT s.id FROM sites s JOIN users u ON u.account_id = s.account_id WHERE u.email = '${email.toLowerCase()}'`);
  sql(`DELETE FROM sites WHERE id = '${id}'`);
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(page.locator("[role=alert][data-error-code='not_found']")).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await page.goto("/forgot-password");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account exists for that email, a reset link is on its way.")).toBeVisible();
});

test("without JavaScript: paying an open invoice and inviting a member say what happened", async ({ page }) => {
  await signUp(page);
  await page.goto("/account/billing");
  await page.getByRole("button", { name: "Pay by bank transfer" }).click();
  await expect(page.locator('li[data-method-kind="bank_transfer"]')).toContainText("Default");
  await page.goto("/account/plans");
  await planCard(page, "starter").getByRole("button", { name: "Subscribe" }).click();
  await expect(page).toHaveURL(/\/account\/billing\?pending=1/);

  // The open invoice, paid at once with a card added meanwhile.
  await addCard(page, "4242 4242 4242 4242");
  const open = page.locator("#open-invoices article.open-invoice").first();
  const card = await open.locator("option", { hasText: "ending 4242" }).getAttribute("value");
  await open.getByLabel("Pay with").selectOption(card);
  await open.getByRole("button", { name: "Pay now" }).click();
  await expect(page.getByTestId("invoice-paid")).toContainText("is paid ($29.00)");
  await expect(page.locator("#open-invoices")).toHaveCount(0);

  const member = `member-${Date.now()}@e2e.test`;
  await page.goto("/account/team");
  await page.getByTestId("invite-form").getByLabel("Email").fill(member);
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByTestId("invite-sent")).toHaveText(`Invitation sent to ${member}.`);
});
