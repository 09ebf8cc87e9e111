import { test, expect } from "@playwright/test";
import fs from "node:fs";
import { admin } from "../playwright.config.mjs";
import { hydrated, logIn, subscribedUser, watchConsole } from "./support.mjs";

test("an admin finds an account, adjusts its credits live, edits a package the tenant then sees, and exports payments", async ({ page, browser }) => {
  const tenantEmail = await subscribedUser(page, "starter");
  const balance = page.getByTestId("balance-widget").getByTestId("balance-available");
  await expect(balance).toHaveText("1000");

  const adminContext = await browser.newContext({ acceptDownloads: true });
  const adminPage = await adminContext.newPage();
  const errors = watchConsole(adminPage);
  await logIn(adminPage, admin.email, admin.password);
  await expect(adminPage).toHaveURL(/\/admin$/);
  await hydrated(adminPage);
  await expect(adminPage.getByRole("heading", { name: "Overview" })).toBeVisible();
  expect(Number(await adminPage.getByTestId("stat-accounts").textContent())).toBeGreaterThan(0);
  await expect(adminPage.getByTestId("stat-mrr")).toContainText("$");
  await expect(adminPage.getByTestId("subscriptions-by-plan").locator("li[data-plan='Starter']")).toBeVisible();

  // Find the tenant by email and give them credits: their header changes without a reload.
  await adminPage.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Accounts" }).click();
  await expect(adminPage).toHaveURL(/\/admin\/accounts$/);
  await adminPage.getByTestId("account-search").getByLabel("Search").fill(tenantEmail);
  await adminPage.getByTestId("account-search").getByRole("button", { name: "Search" }).click();
  const row = adminPage.locator(`tr[data-email='${tenantEmail}']`);
  await expect(row.getByTestId("row-balance")).toHaveText("1000");
  await expect(adminPage.getByTestId("account-results").locator("tbody tr")).toHaveCount(1);
  await row.getByRole("link", { name: "Manage" }).click();
  await expect(adminPage.getByTestId("admin-balance")).toHaveText("1000");
  await hydrated(adminPage);
  const adjust = adminPage.getByTestId("adjust-form");
  await adjust.getByLabel("Credits (negative to remove)").fill("250");
  await adjust.getByLabel("Reason").fill("Goodwill for the outage");
  await adjust.getByRole("button", { name: "Adjust" }).click();
  await expect(adminPage.getByTestId("adjusted")).toContainText("1250");
  await expect(adminPage.getByTestId("admin-balance")).toHaveText("1250");
  await expect(adminPage.locator("tr[data-kind='adjustment']")).toContainText("Goodwill for the outage");
  await expect(balance).toHaveText("1250");

  // Edit the large package (other tests buy the small one): the tenant's billing page shows the change.
  await adminPage.goto("/admin/credit-packages");
  await hydrated(adminPage);
  const editor = adminPage.locator("article[data-package='pkg_large']");
  await editor.getByLabel("Name").fill("Tenant special");
  await editor.getByLabel("Credits").fill("12000");
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(adminPage.getByTestId("package-saved")).toHaveText("Saved Tenant special.");
  await page.goto("/account/billing");
  const large = page.locator("article[data-package='pkg_large']");
  await expect(large).toContainText("Tenant special");
  await expect(large).toContainText("12000");

  // Both actions are on record.
  await adminPage.goto("/admin/audit");
  await expect(adminPage.locator("tr[data-action='credits.adjust']").first()).toContainText("Goodwill for the outage");
  await expect(adminPage.locator("tr[data-action='credit_package.update']").first()).toContainText("Tenant special");

  // Export the payments: the tenant's subscription payment is in the file.
  await adminPage.goto("/admin/payments");
  const [download] = await Promise.all([
    adminPage.waitForEvent("download"),
    adminPage.getByTestId("export-payments").click(),
  ]);
  const csv = fs.readFileSync(await download.path(), "utf8");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe("id,created_at,account,invoice,method,status,amount,currency,reference,failure_code");
  expect(lines.some((l) => l.includes(",card,succeeded,29.00,USD,"))).toBe(true);
  expect(errors).toEqual([]);
  await adminContext.close();
});
