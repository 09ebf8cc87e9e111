import { test, expect } from "@playwright/test";
import { hydrated, subscribedUser, watchConsole } from "./support.mjs";

// The owner's API keys page (app/src/api_keys/pages.rs): a key is made with its scopes, its secret
// shown once, it calls the REST API within them, shows its last use, and is refused once revoked.
test("the owner makes an API key, a program uses it within its scopes, and revoking it locks the program out", async ({ page, request }) => {
  const errors = watchConsole(page);
  const email = await subscribedUser(page, "starter");
  await hydrated(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(page.getByTestId("no-keys")).toBeVisible();

  // No scope: the form says what is missing and nothing is made.
  const form = page.getByTestId("create-key-form");
  await form.getByLabel("Name").fill("Nightly import");
  await form.getByRole("checkbox", { name: /^read/ }).uncheck();
  await form.getByRole("checkbox", { name: /^write/ }).uncheck();
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(form.getByText("Choose at least one scope.")).toBeVisible();
  await expect(page.getByTestId("no-keys")).toBeVisible();

  await form.getByRole("checkbox", { name: /^read/ }).check();
  await form.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("new-key-secret").textContent()).trim();
  expect(secret).toMatch(/^igk_[0-9a-f]{64}$/);
  const row = page.locator("tr[data-key='Nightly import']");
  await expect(row).toHaveAttribute("data-status", "active");
  await expect(row).toContainText(`${secret.slice(0, 12)}…`);
  await expect(row.getByTestId("last-used")).toHaveText("Never");

  // A program (no browser session) reads with it, and is refused what its scope does not allow.
  const bearer = { Authorization: `Bearer ${secret}` };
  const me = await request.get("/api/v1/auth/me/", { headers: bearer });
  expect(me.status()).toBe(200);
  expect((await me.json()).user.email).toBe(email);
  const invoices = await request.get("/api/v1/billing/invoices/", { headers: bearer });
  expect(invoices.status()).toBe(403);
  expect((await invoices.json()).error.code).toBe("insufficient_scope");

  // Seen again, the page shows the use but never the secret.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("new-key-secret")).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(row.getByTestId("last-used")).toContainText("UTC");

  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toHaveAttribute("data-status", "revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  const refused = await request.get("/api/v1/auth/me/", { headers: bearer });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toContain("revoked");
  expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
});
