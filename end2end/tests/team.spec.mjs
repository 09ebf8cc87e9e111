import { test, expect } from "@playwright/test";
import { PASSWORD, hydrated, sql, subscribedUser, uniqueEmail, watchConsole } from "./support.mjs";

/// The invitation link emailed to `email` (the outbox keeps every email the server sent).
function invitationLink(email) {
  const body = sql(`SELECT body FROM outbox WHERE to_email = '${email}' AND body LIKE '%/invite/%' ORDER BY created_at DESC LIMIT 1`);
  const match = body.match(/\/invite\/[0-9a-f]{64}/);
  expect(match, `an invitation emailed to ${email}`).not.toBeNull();
  return match[0];
}

test("the owner invites a member, who joins in another browser and works without seeing billing", async ({ page, browser }) => {
  const errors = watchConsole(page);
  const ownerEmail = await subscribedUser(page, "starter");
  await page.goto("/account/team");
  await hydrated(page);
  await expect(page.getByTestId("seats-usage")).toHaveText("1 of 2 seats used");
  await expect(page.getByTestId("limit-banner-seats")).toHaveCount(0);

  const memberEmail = uniqueEmail("member");
  const form = page.getByTestId("invite-form");
  await form.getByLabel("Email").fill(memberEmail);
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByTestId("invite-sent")).toHaveText(`Invitation sent to ${memberEmail}.`);
  await expect(page.locator(`tr[data-email='${memberEmail}']`)).toHaveAttribute("data-status", "pending");
  // The pending invitation holds the last seat: the banner warns before the wall.
  await expect(page.getByTestId("seats-usage")).toHaveText("2 of 2 seats used");
  await expect(page.getByTestId("limit-banner-seats")).toContainText("all 2 seats");
  await form.getByLabel("Email").fill(uniqueEmail("extra"));
  await form.getByRole("button", { name: "Send invitation" }).click();
  const prompt = page.locator("[data-error-code='plan_limit_reached']");
  await expect(prompt).toContainText("Your plan allows 2 seats");
  await expect(prompt.getByRole("link", { name: "Upgrade your plan" })).toHaveAttribute("href", "/account/plans?highlight=growth");

  // The invited person opens the link in their own browser.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  const memberErrors = watchConsole(member);
  await member.goto(invitationLink(memberEmail));
  await expect(member.getByTestId("invitation-intro")).toContainText(`invited ${memberEmail} to work in E2E Co`);
  await member.getByLabel("Your name").fill("Mia Member");
  await member.getByLabel("Choose a password").fill(PASSWORD);
  await member.getByRole("button", { name: "Accept and join" }).click();
  await expect(member).toHaveURL(/\/$/);
  await expect(member.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(member.getByTestId("dashboard-plan")).toHaveText("Starter");
  // The account's work is theirs too; billing is not.
  await expect(member.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Writer" })).toBeVisible();
  await expect(member.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" })).toHaveCount(0);
  await member.goto("/account/billing");
  await expect(member.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(member.getByText("Only the account owner manages billing, plans and the team.")).toBeVisible();
  await member.goto("/account/team");
  await expect(member.locator(`tr[data-email='${ownerEmail}'] td`).nth(1)).toHaveText("owner");
  await expect(member.getByTestId("owner-only")).toBeVisible();
  await expect(member.getByTestId("invite-form")).toHaveCount(0);

  // The link worked once.
  const again = await memberContext.newPage();
  await again.goto(invitationLink(memberEmail));
  await expect(again.getByRole("alert")).toContainText("not valid any more");

  // The owner sees the member join, and can remove them.
  await page.reload();
  await hydrated(page);
  const row = page.locator(`tr[data-email='${memberEmail}']`);
  await expect(row).toHaveAttribute("data-status", "active");
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId("seats-usage")).toHaveText("1 of 2 seats used");
  await memberContext.close();
  expect(errors.filter((e) => !e.includes("403"))).toEqual([]);
  expect(memberErrors.filter((e) => !e.includes("403"))).toEqual([]);
});
