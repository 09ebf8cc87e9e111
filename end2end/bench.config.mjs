// The page-load benchmark (bench/page-load): the browser tests' server set-up, its own port and
// folder, and the benchmark specs in ./bench instead of the tests.
import base from "./playwright.config.mjs";

export default { ...base, testDir: "./bench", timeout: 300_000 };
