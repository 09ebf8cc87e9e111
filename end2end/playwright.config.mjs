// Playwright drives the system Chromium (Debian's /usr/bin/chromium; browsers cannot be
// downloaded here) against the release server, which it starts on a fresh SQLite database.
import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, "target");
const port = process.env.E2E_PORT || "3100";
// Outside the source tree: a test run leaves no generated files in it.
export const dataDir = path.join(os.tmpdir(), `igny8-e2e-${port}`);

export const baseURL = `http://127.0.0.1:${port}`;
export const admin = { email: "admin@e2e.test", password: "e2e-admin-password-1" };

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./global-setup.mjs",
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    command: `rm -rf "${dataDir}" && mkdir -p "${dataDir}" && exec "${path.join(targetDir, "release", "server")}"`,
    cwd: root,
    url: `${baseURL}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      // Production is the server's default; these tests read /dev/outbox (emailed links) and
      // switch test faults, which only development allows.
      APP_ENV: "development",
      DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
      DATA_DIR: dataDir,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(targetDir, "site"),
      LEPTOS_OUTPUT_NAME: "igny8",
      LEPTOS_ENV: "PROD",
      JWT_SECRET: "e2e-secret-that-is-long-enough-0123456789",
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      RUST_LOG: "warn",
      AUTH_RATE_LIMIT_PER_IP: "1000",
      // Lets the widget tests make the balance endpoint fail (never allowed in production).
      FAULT_INJECTION: "true",
    },
  },
});
