/**
 * The browser the tests drive: Debian's Chromium headless shell (playwright-core, not Playwright's own
 * browser downloads, which these machines cannot reach), installed when missing.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

/** Chromium's headless build (scripts/ensure-chromium.sh says why not the full browser). */
export const CHROMIUM = "/usr/bin/chromium-headless-shell";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Installs it when missing (scripts/ensure-chromium.sh). */
export function ensureChromium(): void {
  execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "ensure-chromium.sh")], { stdio: "inherit" });
}
