import { test, expect } from "@playwright/test";
import http from "node:http";
import crypto from "node:crypto";
import { hydrated, subscribedUser, watchConsole } from "./support.mjs";

/// A local receiver that keeps each webhook request (headers and raw body) and answers 200.
async function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { received, url: `http://127.0.0.1:${server.address().port}/hooks/igny8`, close: () => server.close() };
}

/// Checks the signature the way docs/webhooks.md tells a receiver to.
function signatureIsValid(secret, header, body) {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=")));
  const expected = crypto.createHmac("sha256", secret).update(`${parts.t}.${body}`).digest("hex");
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

// The owner's webhooks page (app/src/webhooks/pages.rs): an endpoint is registered, a purchase
// sends it signed events, the log shows them delivered, and one is sent again.
test("the owner registers a webhook, a purchase is delivered signed, and the log resends it", async ({ page }) => {
  const errors = watchConsole(page);
  const receiver = await startReceiver();
  try {
    await subscribedUser(page, "starter");
    await hydrated(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    await expect(page.getByTestId("no-webhooks")).toBeVisible();

    const form = page.getByTestId("add-webhook-form");
    await form.getByLabel("Address").fill(receiver.url);
    await form.getByRole("checkbox", { name: /^invoice\.paid/ }).check();
    await form.getByRole("checkbox", { name: /^credits\.purchased/ }).check();
    await form.getByRole("button", { name: "Add endpoint" }).click();
    const endpoint = page.locator(`section[data-webhook='${receiver.url}']`);
    await expect(endpoint).toContainText("invoice.paid, credits.purchased");
    await endpoint.getByText("Signing secret").click();
    const secret = (await endpoint.getByTestId("webhook-secret").textContent()).trim();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);

    await page.goto("/account/billing");
    await hydrated(page);
    await page.locator("article[data-package='pkg_small']").getByRole("button", { name: "Buy" }).click();
    await expect(page.getByTestId("purchase-done")).toContainText("500 credits added");

    // The server's worker sends both events within seconds, signed with the endpoint's secret.
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(2);
    const types = receiver.received.map((r) => JSON.parse(r.body).type);
    expect(types).toEqual(["invoice.paid", "credits.purchased"]);
    for (const r of receiver.received) {
      expect(signatureIsValid(secret, r.headers["igny8-signature"], r.body)).toBe(true);
    }
    expect(JSON.parse(receiver.received[1].body).data.credits).toBe(500);

    await page.goto("/account/webhooks");
    await hydrated(page);
    const purchased = page.locator("tr[data-delivery='credits.purchased']");
    await expect(purchased).toHaveAttribute("data-status", "succeeded");
    await expect(purchased.getByTestId("delivery-answer")).toHaveText("HTTP 200");
    await purchased.getByRole("button", { name: "Resend" }).click();
    await expect(page.locator("tr[data-delivery='credits.purchased']")).toHaveCount(2);
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(3);
    expect(JSON.parse(receiver.received[2].body).id).toBe(JSON.parse(receiver.received[1].body).id);
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect(page.locator("tr[data-delivery='credits.purchased'][data-status='succeeded']")).toHaveCount(2);
    expect(errors).toEqual([]);
  } finally {
    receiver.close();
  }
});
