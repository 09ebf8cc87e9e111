// Playwright's webServer waits for /readyz; this also checks that the front-end bundle was built,
// so a missing `cargo leptos build --release` fails with a clear message instead of timeouts.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default async function globalSetup() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(here, "..", "target");
  // The release build names its files by content hash and lists the hashes next to the server.
  const hashFile = path.join(targetDir, "release", "hash.txt");
  const hash = fs.existsSync(hashFile) && /^wasm:\s*(\S+)/m.exec(fs.readFileSync(hashFile, "utf8"))?.[1];
  const wasm = path.join(targetDir, "site", "pkg", `igny8.${hash}.wasm`);
  if (!hash || !fs.existsSync(wasm)) {
    throw new Error(`${hashFile} or the WASM it names is missing: run 'cargo leptos build --release --precompress' (scripts/test does) first`);
  }
}
