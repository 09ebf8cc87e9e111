import { test, expect } from "@playwright/test";
import { admin } from "../playwright.config.mjs";
import { activateSubscription, hydrated, signUp, subscribedUser, watchConsole } from "./support.mjs";

const widget = (page) => page.getByTestId("balance-widget");

async function setBalanceFault(page, on) {
  const response = await page.request.post("/api/v1/test/faults/", {
    data: { balance: on },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(response.status()).toBe(200);
}

async function writeOutline(page, keyword) {
  await page.goto("/writer");
  await page.getByLabel("Keyword or topic").fill(keyword);
  await expect(page.getByTestId("estimate-cost")).toHaveText("5");
  await page.getByTestId("run-task").click();
}

test("the balance widget: shown, unavailable with Retry on failure, then recovered", async ({ page }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await expect(widget(page).getByTestId("balance-available")).toHaveText("1000");

  await setBalanceFault(page, true);
  await page.reload();
  await hydrated(page);
  await expect(widget(page).getByTestId("balance-unavailable")).toHaveText("Balance unavailable");
  await expect(widget(page).getByTestId("balance-available")).toHaveCount(0);
  // Retrying while it still fails keeps saying so, never a number.
  await widget(page).getByRole("button", { name: "Retry" }).click();
  await expect(widget(page).getByTestId("balance-unavailable")).toBeVisible();
  await expect(widget(page)).not.toContainText(/\d/);

  await setBalanceFault(page, false);
  await widget(page).getByRole("button", { name: "Retry" }).click();
  await expect(widget(page).getByTestId("balance-available")).toHaveText("1000");
  // The failures above were the injected 503s; nothing else went wrong.
  expect(errors.filter((e) => !e.includes("503"))).toEqual([]);
});

test("a Writer task lowers the balance without a reload, and another tab's work shows up live", async ({ page, context }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await writeOutline(page, "trail running shoes");
  await expect(page.getByTestId("task-result")).toContainText("charged 5 credits");
  await expect(page.getByTestId("offline-provider")).toBeVisible();
  await expect(widget(page).getByTestId("balance-available")).toHaveText("995");

  // Work done in another tab reaches this one through the live stream.
  const other = await context.newPage();
  await writeOutline(other, "road cycling");
  await expect(other.getByTestId("task-result")).toBeVisible();
  await expect(widget(page).getByTestId("balance-available")).toHaveText("990");

  // The usage page has the two runs and the chart (reached in the browser, not by a reload).
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Usage" }).click();
  await expect(page).toHaveURL(/\/account\/usage$/);
  await expect(page.getByTestId("usage-total")).toHaveText("10");
  await expect(page.locator("tr[data-operation='writer.generate_outline']").first()).toContainText("2");
  await expect(page.locator("figure.chart rect.chart-bar")).toHaveCount(30);
  await expect(page.locator("#limits li[data-limit='sites']")).toContainText("0 of 5 used, 5 remaining");

  // The dashboard's chart of the last 30 days has today's 10 credits as the last bar.
  await page.goto("/");
  const chart = page.locator("figure.chart");
  await expect(chart).toHaveAttribute("data-total", "10");
  await expect(chart.locator("rect.chart-bar").last()).toHaveAttribute("data-value", "10");
  await expect(page.getByTestId("dashboard-balance")).toHaveText("990");
  expect(errors).toEqual([]);
});

test("buying a credit package with the sandbox card raises the balance", async ({ page }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await page.goto("/account/billing");
  // The confirmation is the hydrated page's: a click before hydration posts the plain form.
  await hydrated(page);
  const small = page.locator("article[data-package='pkg_small']");
  await expect(small).toContainText("500");
  await small.getByRole("button", { name: "Buy" }).click();
  await expect(page.getByTestId("purchase-done")).toContainText("500 credits added");
  await expect(widget(page).getByTestId("balance-available")).toHaveText("1500");
  await expect(page.locator("tr[data-invoice]").first()).toContainText("Credit package");
  expect(errors).toEqual([]);
});

test("a low-balance alert shows a banner, and an automatic top-up buys a package once", async ({ page }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await page.goto("/account/billing");
  await hydrated(page);
  const card = page.locator("#balance-alert");
  const banner = page.getByTestId("low-balance-banner");
  await expect(banner).toHaveCount(0);

  // A threshold above the balance: the banner appears on every page, with the way out.
  await card.getByLabel("Alert when available credits fall below").fill("2000");
  await card.getByRole("button", { name: "Save alert" }).click();
  await expect(card.getByTestId("alert-saved")).toBeVisible();
  await expect(banner).toContainText("Your balance is 1000 credits, below your alert threshold of 2000.");
  await page.goto("/account/usage");
  await expect(banner.getByRole("link", { name: "Buy credits" })).toHaveAttribute("href", "/account/billing#credit-packages");

  // With an automatic top-up, a balance below the threshold buys the package once.
  await page.goto("/account/billing");
  await hydrated(page);
  await card.getByLabel("Alert when available credits fall below").fill("1001");
  await card.getByLabel("Automatic top-up").selectOption("pkg_small");
  await card.getByLabel("At most (top-ups a month)").fill("1");
  await card.getByRole("button", { name: "Save alert" }).click();
  await expect(card.getByTestId("topups-this-month")).toHaveText("1 of 1 automatic top-ups used this month.");
  await expect(widget(page).getByTestId("balance-available")).toHaveText("1500");
  await expect(banner).toHaveCount(0);

  // Out of range: the field says why, the saved alert stays.
  await card.getByLabel("At most (top-ups a month)").fill("99");
  await card.getByRole("button", { name: "Save alert" }).click();
  await expect(card.locator(".field-error")).toContainText("Allow from 1 to 31 top-ups a month.");
  await page.reload();
  await expect(card.getByLabel("At most (top-ups a month)")).toHaveValue("1");
  expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
});

test("without enough credits the Writer shows Buy credits and Upgrade, and nothing starts", async ({ page }) => {
  const email = await signUp(page);
  // An active plan whose credits were never granted: a balance of 0.
  activateSubscription(email, "plan_starter");
  await page.goto("/writer");
  await expect(widget(page).getByTestId("balance-available")).toHaveText("0");
  await page.getByLabel("Keyword or topic").fill("anything");
  const prompt = page.getByTestId("preflight").getByRole("alert");
  await expect(prompt).toContainText("Not enough credits");
  await expect(prompt.getByRole("link", { name: "Buy credits" })).toHaveAttribute("href", "/account/billing#credit-packages");
  await expect(prompt.getByRole("link", { name: "Upgrade your plan" })).toHaveAttribute("href", "/account/plans");
  await expect(page.getByTestId("run-task")).toBeDisabled();
  await expect(page.getByTestId("task-result")).toHaveCount(0);
});

test("an admin's credit adjustment in another browser shows up live in the tenant's header", async ({ page, browser }) => {
  await subscribedUser(page, "starter");
  await expect(widget(page).getByTestId("balance-available")).toHaveText("1000");
  const me = await (await page.request.get("/api/v1/auth/me/")).json();

  const adminContext = await browser.newContext();
  const login = await adminContext.request.post("/api/v1/auth/login/", { data: admin });
  expect(login.status()).toBe(200);
  const { tokens } = await login.json();
  const adjusted = await adminContext.request.post(`/api/v1/admin/users/${me.user.id}/adjust-credits/`, {
    data: { amount: 250, reason: "Support goodwill" },
    headers: { Authorization: `Bearer ${tokens.access}` },
  });
  expect(adjusted.status()).toBe(200);
  await adminContext.close();

  // No reload: the stream brings the new figure.
  await expect(widget(page).getByTestId("balance-available")).toHaveText("1250");
});
