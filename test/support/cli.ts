/** bin/certledger in a child process, run as a user runs it: from a neutral cwd, no CERTLEDGER_* but those given. */
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";

export const BIN = path.join(__dirname, "..", "..", "bin", "certledger");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCertledger(args: string[], env: Record<string, string> = {}, cwd = tmpdir()): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CERTLEDGER_")));
  return new Promise((resolve, reject) => {
    // stdin is not a terminal: a command that would ask for a passphrase says so instead of waiting.
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...clean, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
