import { test, expect } from "@playwright/test";
import { planCard, subscribedUser, watchConsole } from "./support.mjs";

async function addSite(page, name, url) {
  const form = page.getByTestId("add-site-form");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Address").fill(url);
  await form.getByRole("button", { name: "Add site" }).click();
}

test("sites up to the limit: the 80% banner, the upgrade prompt, then room after upgrading", async ({ page }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "starter");
  await page.goto("/sites");
  for (let i = 1; i <= 4; i++) {
    await addSite(page, `Site ${i}`, `site${i}.example.com`);
    await expect(page.getByTestId("sites-usage")).toHaveText(`${i} of 5 sites used`);
  }
  await expect(page.getByTestId("limit-banner-sites")).toContainText("4 of 5 sites");
  await addSite(page, "Site 5", "site5.example.com");
  await expect(page.getByTestId("limit-banner-sites")).toContainText("all 5 sites");

  await addSite(page, "Site 6", "site6.example.com");
  const prompt = page.locator("[data-error-code='plan_limit_reached']");
  await expect(prompt).toContainText("Your plan allows 5 sites, and 5 are in use");
  await expect(prompt.getByRole("link", { name: "Upgrade your plan" })).toHaveAttribute("href", "/account/plans?highlight=growth");
  await expect(page.getByTestId("sites-usage")).toHaveText("5 of 5 sites used");

  await prompt.getByRole("link", { name: "Upgrade your plan" }).click();
  // The cheapest plan that lifts the limit is highlighted.
  await expect(planCard(page, "growth")).toHaveClass(/highlighted/);
  await expect(planCard(page, "growth")).toContainText("Lifts your limit");
  await expect(planCard(page, "scale")).not.toHaveClass(/highlighted/);
  await planCard(page, "growth").getByRole("link", { name: "Upgrade now" }).click();
  await page.locator("#plan-change").getByRole("button", { name: "Confirm and pay" }).click();
  await expect(page).toHaveURL(/changed=upgraded/);
  await page.goto("/sites");
  await addSite(page, "Site 6", "site6.example.com");
  await expect(page.getByTestId("sites-usage")).toHaveText("6 of 20 sites used");
  await expect(page.getByTestId("limit-banner-sites")).toHaveCount(0);
  // The refused add above was an expected 403.
  expect(errors.filter((e) => !e.includes("403"))).toEqual([]);
});

test("a module outside the plan is locked in the sidebar and shows the upgrade prompt", async ({ page }) => {
  await subscribedUser(page, "starter");
  const automation = page.locator(".sidebar li", { hasText: "Automation" });
  await expect(automation.getByTestId("locked-module")).toHaveText("Upgrade");
  await expect(page.locator(".sidebar li", { hasText: "Writer" }).getByTestId("locked-module")).toHaveCount(0);
  await automation.getByRole("link").click();
  const prompt = page.getByTestId("upgrade-prompt");
  await expect(prompt).toContainText("Automation is not part of your plan");
  await expect(prompt.getByRole("link", { name: "Upgrade your plan" })).toHaveAttribute("href", "/account/plans?highlight=growth");
});

test("a row action that fails shows a toast with what happened and what to do", async ({ page }) => {
  await subscribedUser(page, "starter");
  await page.goto("/sites");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await addSite(page, "Gone soon", "gone.example.com");
  const row = page.locator("li[data-site='https://gone.example.com']");
  await expect(row).toBeVisible();
  // Another tab removes the site first.
  const sites = await (await page.request.get("/api/v1/sites/")).json();
  const removed = await page.request.delete(`/api/v1/sites/${sites.items[0].id}/`, {
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(removed.status()).toBe(204);

  await row.getByRole("button", { name: "Remove" }).click();
  const toast = page.getByTestId("toasts").getByRole("alert");
  await expect(toast).toHaveAttribute("data-error-code", "not_found");
  await expect(toast).toContainText("Not found");
  await expect(toast.getByRole("link", { name: "Go to the dashboard" })).toHaveAttribute("href", "/");
  await toast.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByTestId("toasts").getByRole("alert")).toHaveCount(0);
});
