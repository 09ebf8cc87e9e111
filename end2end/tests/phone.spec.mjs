// On a phone (360 CSS pixels wide) every page fits the screen: nothing makes the page scroll
// sideways. Wide tables scroll inside their card instead.
import { test, expect } from "@playwright/test";
import { admin } from "../playwright.config.mjs";
import { TENANT_PAGES, hydrated, logIn, sql, subscribedUser, watchConsole } from "./support.mjs";

const PHONE = { width: 360, height: 780 };

const ADMIN_PAGES = [
  "/admin",
  "/admin/accounts",
  "/admin/subscriptions",
  "/admin/payments",
  "/admin/invoices",
  "/admin/plans",
  "/admin/credit-packages",
  "/admin/credit-costs",
  "/admin/audit",
  "/admin/outbox",
];

/// The paths of `paths` whose page is wider than the screen, with how wide it is.
async function overflowing(page, paths) {
  const wide = [];
  for (const path of paths) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE.width) wide.push(`${path}: ${width}px`);
  }
  return wide;
}

test.use({ viewport: PHONE });

test("every tenant, admin and signed-out page fits a 360 px wide phone", async ({ page, browser }) => {
  const errors = watchConsole(page);
  expect(await overflowing(page, ["/login", "/signup", "/forgot-password"])).toEqual([]);

  const tenantEmail = await subscribedUser(page, "growth");
  const invoice = await page.evaluate(async () => {
    const response = await fetch("/api/v1/billing/invoices/");
    return (await response.json()).items[0].id;
  });

  const adminContext = await browser.newContext({ viewport: PHONE });
  const adminPage = await adminContext.newPage();
  const adminErrors = watchConsole(adminPage);
  await logIn(adminPage, admin.email, admin.password);
  await expect(adminPage).toHaveURL(/\/admin$/);
  // The tenant's account page, with its test clock attached: the tenant's pages then show the
  // clock's banner too.
  const userPage = `/admin/users/${sql(`SELECT id FROM users WHERE email = '${tenantEmail.toLowerCase()}'`)}`;
  await adminPage.goto(userPage);
  await hydrated(adminPage);
  await adminPage.getByRole("button", { name: "Attach a test clock" }).click();
  await expect(adminPage.getByTestId("test-clock-now")).toBeVisible();
  expect(await overflowing(adminPage, ADMIN_PAGES.concat([userPage]))).toEqual([]);
  await adminContext.close();

  const tenantPaths = TENANT_PAGES.map(([, path]) => path).concat(["/account/profile", `/account/invoices/${invoice}`]);
  expect(await overflowing(page, tenantPaths)).toEqual([]);
  await expect(page.getByTestId("test-clock-banner")).toBeVisible();

  expect(errors).toEqual([]);
  expect(adminErrors).toEqual([]);
});
