import { test, expect } from "@playwright/test";
import { PASSWORD, activateSubscription, hydrated, logIn, signUp, uniqueEmail, watchConsole } from "./support.mjs";

test("signup lands on plans and the gate holds until a plan is active", async ({ page }) => {
  const errors = watchConsole(page);
  const email = await signUp(page);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { name: "Plans" })).toBeVisible();
  await expect(page.locator(".cta-choose-plan").first()).toBeVisible();

  for (const path of ["/", "/sites", "/account/usage"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/account\/plans$/);
  }
  // Client-side navigation goes through the same guard.
  await page.getByRole("link", { name: "Sites" }).click();
  await expect(page).toHaveURL(/\/account\/plans$/);

  for (const [path, heading] of [["/account/profile", "Profile"], ["/account/billing", "Billing"]]) {
    await page.goto(path);
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
  }

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);

  await logIn(page, email);
  await expect(page).toHaveURL(/\/account\/plans$/);
  expect(errors).toEqual([]);
});

test("a user with an active subscription reaches the dashboard and returns to next", async ({ page }) => {
  const email = await signUp(page);
  activateSubscription(email);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.locator(".cta-choose-plan")).toHaveCount(0);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/sites");
  await expect(page).toHaveURL(/\/login\?next=%2Fsites$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/sites$/);
});

test("a non-admin gets the 403 page at /admin", async ({ page }) => {
  const email = await signUp(page);
  activateSubscription(email);
  const response = await page.goto("/admin");
  expect(response.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Administrators only" })).toBeVisible();
});

test("wrong credentials show a clear message", async ({ page }) => {
  await logIn(page, uniqueEmail("nobody"), "not the password");
  await expect(page.getByRole("alert")).toContainText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/login/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the signup form works and lands on plans", async ({ page }) => {
    await signUp(page, { email: uniqueEmail("nojs") });
    await expect(page.getByRole("heading", { name: "Plans" })).toBeVisible();
  });
});

test("a forgotten password is reset through the emailed link", async ({ page }) => {
  const email = await signUp(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.getByRole("link", { name: "Forgot your password?" }).click();
  // The login form has an "Email" field too: type only once the reset form is there and live.
  await expect(page.getByRole("button", { name: "Send reset link" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account exists for that email")).toBeVisible();

  // Without SMTP the email waits in the development outbox.
  await page.goto("/dev/outbox");
  const mail = page.locator(".outbox-email", { hasText: email }).filter({ hasText: "Reset your password" }).first();
  const body = await mail.locator(".body").innerText();
  const link = body.match(/https?:\/\/\S+\/reset-password\?token=[0-9a-f]{64}/)[0];
  await page.goto(new URL(link).pathname + new URL(link).search);

  await page.getByLabel("New password").fill("a completely new password");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=done$/);
  await expect(page.getByText("Your password was changed")).toBeVisible();

  await logIn(page, email, "a completely new password");
  await expect(page).toHaveURL(/\/account\/plans$/);
});
