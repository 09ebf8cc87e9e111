// Page-load figures of a signed-in tenant on the release build (run by bench/page-load):
// - SSR throughput of the dashboard: requests/s and p99 at 16 connections (wrk);
// - time from navigation to hydrated (`html[data-hydrated]`, set by the app once the WASM has
//   taken over) for the dashboard and the billing page in headless Chromium, with a cold cache
//   (a new browser context per load) and a warm one (the same context, loaded again).
import { test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { baseURL } from "../playwright.config.mjs";
import { hydrated, subscribedUser } from "../tests/support.mjs";

const LOADS = Number(process.env.PAGE_LOADS || 7);
const PAGES = ["/", "/account/billing"];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/// wrk's summary: requests/s and the 99th percentile latency in ms.
function ssrThroughput(path, cookie) {
  const out = execFileSync(
    "wrk",
    ["-t2", "-c16", "-d10s", "--latency", "-H", `Cookie: ${cookie}`, "-H", "Accept: text/html", `${baseURL}${path}`],
    { encoding: "utf8" },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const [, value, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) throw new Error(`${path}: ${non2xx[1]} responses were not 2xx/3xx`);
  return { rps, p99 };
}

/// Milliseconds from the start of navigation to hydrated, read in the page.
async function timeToHydrated(page, path) {
  await page.goto(path);
  await hydrated(page);
  return page.evaluate(() => window.__igny8HydratedAt);
}

async function contextWith(browser, cookies) {
  const context = await browser.newContext();
  await context.addCookies(cookies);
  // Runs before the page's own scripts, when <html> may not exist yet: watch the whole document.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.documentElement?.dataset.hydrated === "true") {
        window.__igny8HydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
  return context;
}

test("page load of a signed-in tenant", async ({ page, browser }) => {
  await subscribedUser(page, "growth");
  const cookies = (await page.context().cookies()).filter((c) => c.name.startsWith("igny8_"));
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");

  const lines = [];
  const ssr = ssrThroughput("/", cookie);
  lines.push(`SSR of the dashboard, 16 connections: ${ssr.rps.toFixed(0)} req/s, p99 ${ssr.p99.toFixed(1)} ms`);

  for (const path of PAGES) {
    const cold = [];
    for (let i = 0; i < LOADS; i++) {
      const context = await contextWith(browser, cookies);
      cold.push(await timeToHydrated(await context.newPage(), path));
      await context.close();
    }
    const context = await contextWith(browser, cookies);
    const warmPage = await context.newPage();
    await timeToHydrated(warmPage, path);
    const warm = [];
    for (let i = 0; i < LOADS; i++) warm.push(await timeToHydrated(warmPage, path));
    await context.close();
    const fmt = (v) => `median ${median(v).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms`;
    lines.push(`navigation to hydrated, ${path}: cold cache ${fmt(cold)}; warm cache ${fmt(warm)} (${LOADS} loads each)`);
  }
  console.log(["", ...lines, ""].join("\n"));
});
