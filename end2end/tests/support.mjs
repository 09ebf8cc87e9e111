// Shared steps of the browser tests.
import { expect } from "@playwright/test";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { dataDir } from "../playwright.config.mjs";

// The server's database (playwright.config.mjs starts the server on it).
export const databaseFile = path.join(dataDir, "e2e.db");
export const PASSWORD = "correct horse battery";

// Every tenant page: (sidebar link, path, the page's heading).
export const TENANT_PAGES = [
  ["Dashboard", "/", "Dashboard"],
  ["Sites", "/sites", "Sites"],
  ["Planner", "/planner", "Planner"],
  ["Writer", "/writer", "Writer"],
  ["Automation", "/automation", "Automation"],
  ["Usage", "/account/usage", "Usage"],
  ["Billing", "/account/billing", "Billing"],
  ["Plans", "/account/plans", "Plans"],
  ["Team", "/account/team", "Team"],
  ["API keys", "/account/api-keys", "API keys"],
  ["Webhooks", "/account/webhooks", "Webhooks"],
];

let counter = 0;
export function uniqueEmail(prefix = "user") {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}@e2e.test`;
}

/// Runs SQL against the server's SQLite database (for fixtures the UI does not offer yet).
export function sql(statement) {
  return execFileSync("sqlite3", [databaseFile, statement], { encoding: "utf8" }).trim();
}

export async function signUp(page, { email = uniqueEmail(), account = "E2E Co", name = "E2E User" } = {}) {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Company or team").fill(account);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/account\/plans$/);
  return email;
}

export async function logIn(page, email, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/// Gives the user's account an active subscription directly in the database.
export function activateSubscription(email, planId = "plan_starter") {
  const accountId = sql(`SELECT account_id FROM users WHERE email = '${email.toLowerCase()}'`);
  const now = Math.floor(Date.now() / 1000);
  sql(
    `INSERT INTO subscriptions (id, account_id, plan_id, status, billing_interval, current_period_start, ` +
      `current_period_end, created_at, updated_at) VALUES ('sub_e2e_${now}_${accountId}', '${accountId}', ` +
      `'${planId}', 'active', 'month', ${now}, ${now + 30 * 86400}, ${now}, ${now})`,
  );
}

/// Fails the test on any console error or uncaught exception: a broken hydration shows up here.
export function watchConsole(page) {
  const errors = [];
  page.on("console", (msg) => msg.type() === "error" && errors.push(`${page.url()}: ${msg.text()}`));
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

/// Fills and submits the card form on the page.
export async function addCard(page, number) {
  const form = page.getByTestId("add-card-form");
  await form.getByLabel("Card number").fill(number);
  await form.getByLabel("Month").fill("12");
  await form.getByLabel("Year").fill("2030");
  await form.getByLabel("CVC").fill("123");
  await form.getByRole("button", { name: "Add card" }).click();
}

export function planCard(page, slug) {
  return page.locator(`article[data-plan="${slug}"]`);
}

/// Signs up, adds the 4242 card inline on the plans page and subscribes to `slug`: lands on
/// the dashboard with the plan's credits.
export async function subscribedUser(page, slug = "starter") {
  const email = await signUp(page);
  await addCard(page, "4242 4242 4242 4242");
  await expect(page.getByLabel("Pay with")).toContainText("ending 4242");
  await planCard(page, slug).getByRole("button", { name: "Subscribe" }).click();
  await expect(page).toHaveURL(/\/\?subscribed=1$/);
  return email;
}

/// Waits until the page's WASM has taken over: what follows needs the hydrated page (a
/// notice shown by an action's result, a client-side navigation).
export async function hydrated(page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}
