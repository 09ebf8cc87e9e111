import { test, expect } from "@playwright/test";
import { activateSubscription, signUp, watchConsole } from "./support.mjs";

test("the app shell loads and hydrates", async ({ page }) => {
  const errors = watchConsole(page);
  const email = await signUp(page);
  activateSubscription(email);
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  // Only a hydrated page reacts: the toggle's handler lives in the WASM.
  const app = page.locator(".app");
  await expect(app).not.toHaveClass(/sidebar-collapsed/);
  await page.getByRole("button", { name: "Toggle navigation" }).click();
  await expect(app).toHaveClass(/sidebar-collapsed/);
  expect(errors).toEqual([]);
});

test("health endpoints answer", async ({ request }) => {
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
});

test("an unknown URL shows the 404 page with status 404", async ({ page }) => {
  const response = await page.goto("/this/page/does/not/exist");
  expect(response.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
