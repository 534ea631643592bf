/**
 * Temporary directories for tests, removed when the process that made them exits (a mocha worker runs
 * many files, and a test that kills a gateway or a browser cannot always clean up after it): a suite run
 * leaves nothing behind in the system's temporary directory.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const made = new Set<string>();

process.once("exit", () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory under the system's temporary directory, named `prefix` + six random characters. */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}
