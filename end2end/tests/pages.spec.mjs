// Every tenant page is a lazy route (app/src/pages.rs): its code is a WASM chunk of its own. Each
// must render and hydrate on a first visit (the chunk fetched with the page) and on client-side
// navigation (the chunk fetched on the way), without a console error.
import { test, expect } from "@playwright/test";
import { TENANT_PAGES, hydrated, subscribedUser, watchConsole } from "./support.mjs";

const PAGES = TENANT_PAGES;

function wasmChunksFetched(page) {
  const files = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) files.push(path.split("/").pop());
  });
  return files;
}

test("each tenant page loads on a first visit and on client-side navigation", async ({ page, browser }) => {
  const errors = watchConsole(page);
  await subscribedUser(page, "growth");

  // Client-side navigation through the sidebar: each page's chunk arrives on the way.
  await page.goto("/");
  await hydrated(page);
  const fetched = wasmChunksFetched(page);
  for (const [link, path, heading] of PAGES.slice(1).concat([PAGES[0]])) {
    const before = fetched.length;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: new RegExp(`^${link}`) }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    if (path !== "/") expect(fetched.length, `${path} fetched its chunk`).toBeGreaterThan(before);
  }

  // First visits in a fresh page of the same session: rendered by the server, then hydrated.
  const cookies = await page.context().cookies();
  const fresh = await browser.newContext();
  await fresh.addCookies(cookies);
  const visitor = await fresh.newPage();
  const visitorErrors = watchConsole(visitor);
  for (const [, path, heading] of PAGES) {
    await visitor.goto(path);
    await hydrated(visitor);
    await expect(visitor.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  }
  await visitor.goto("/account/profile");
  await hydrated(visitor);
  await expect(visitor.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await fresh.close();

  expect(errors).toEqual([]);
  expect(visitorErrors).toEqual([]);
});

test("the signed-out pages load on a first visit and on client-side navigation", async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto("/login");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByLabel("Company or team")).toBeVisible();
  await page.goto("/forgot-password");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(errors).toEqual([]);
});
