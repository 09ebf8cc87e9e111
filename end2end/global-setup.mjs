// Playwright's webServer waits for /readyz; this also checks that the front-end bundle was built,
// so a missing `cargo leptos build --release` fails with a clear message instead of timeouts.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default async function globalSetup() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(here, "..", "target");
  const wasm = path.join(targetDir, "site", "pkg", "igny8.wasm");
  if (!fs.existsSync(wasm)) {
    throw new Error(`${wasm} is missing: run 'cargo leptos build --release' (scripts/test does) first`);
  }
}
