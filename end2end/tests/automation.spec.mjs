import { test, expect } from "@playwright/test";
import { subscribedUser, watchConsole } from "./support.mjs";

test("automation queues Writer jobs for every site and shows them finishing", async ({ page }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "growth");
  await page.goto("/sites");
  for (const [name, url] of [["Blog", "blog.example.com"], ["Shop", "shop.example.com"]]) {
    const form = page.getByTestId("add-site-form");
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Address").fill(url);
    await form.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator(`li[data-site='https://${url}']`)).toBeVisible();
  }

  await page.goto("/automation");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const form = page.getByTestId("automation-form");
  await form.getByLabel("Keywords, one per line").fill("trail shoes\nroad bikes");
  await expect(form.getByLabel("For")).toContainText("All 2 sites");
  await form.getByRole("button", { name: "Queue jobs" }).click();

  // Four jobs (two sites × two keywords) run in the background; the page follows them.
  await expect(page.getByTestId("automation-count")).toHaveText("4 of 4 jobs finished", { timeout: 20_000 });
  await expect(page.locator("tr[data-status='succeeded']")).toHaveCount(4);
  await expect(page.getByTestId("balance-widget").getByTestId("balance-available")).toHaveText(String(5000 - 4 * 5));
  expect(errors).toEqual([]);
});
