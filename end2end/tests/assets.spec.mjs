// What the browser downloads for the app: the WASM arrives compressed under a content-hashed
// name, and a second visit takes it from the browser's cache without asking the server
// (server/src/assets.rs, hash-files and --precompress in the release build).
import { test, expect } from "@playwright/test";
import { hydrated, watchConsole } from "./support.mjs";

/// Every .wasm response the page receives, as Chromium's network layer reports it (including
/// those served from its cache, which Playwright's own events do not tell apart).
async function wasmResponses(page) {
  const client = await page.context().newCDPSession(page);
  await client.send("Network.enable");
  const responses = [];
  client.on("Network.responseReceived", ({ response }) => {
    if (!new URL(response.url).pathname.endsWith(".wasm")) return;
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    responses.push({
      file: new URL(response.url).pathname.split("/").pop(),
      headers,
      // CDP leaves these out when false.
      fromCache: Boolean(response.fromDiskCache || response.fromMemoryCache),
    });
  });
  return responses;
}

test("the WASM arrives compressed under a hashed name, and a second visit does not download it again", async ({ page }) => {
  const errors = watchConsole(page);
  const wasm = await wasmResponses(page);

  await page.goto("/login");
  await hydrated(page);
  const firstVisit = wasm.splice(0);
  expect(firstVisit.length).toBeGreaterThan(0);
  // The main bundle and the page's own lazy chunk, each under an MD5 (base64url) content hash.
  expect(firstVisit.some((r) => /^igny8\.[\w-]{22}\.wasm$/.test(r.file))).toBe(true);
  for (const response of firstVisit) {
    expect(response.file).toMatch(/\.[\w-]{22}\.wasm$/);
    expect(response.fromCache).toBe(false);
    // Chromium asks for brotli over HTTPS only; on plain http://127.0.0.1 it gets the gzip file.
    expect(["br", "gzip"]).toContain(response.headers["content-encoding"]);
    expect(response.headers["cache-control"]).toContain("immutable");
    expect(response.headers["vary"]?.toLowerCase()).toContain("accept-encoding");
  }

  // A second visit in the same browser: the page names the same files, and they come from the
  // cache without a request to the server (the names are immutable).
  await page.goto("/login");
  await hydrated(page);
  const names = (responses) => [...new Set(responses.map((r) => r.file))].sort();
  expect(names(wasm)).toEqual(names(firstVisit));
  expect(wasm.every((r) => r.fromCache)).toBe(true);
  expect(errors).toEqual([]);
});
