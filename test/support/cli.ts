/** bin/certledger in a child process, run as a user runs it: from a neutral cwd, no CERTLEDGER_* but those given. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TEST_KEYSTORE_ENV } from "./keystore";

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

/** The demo credentials `certledger start` writes to its data directory. */
export interface DemoCredentials {
  authority: { apiKey: string };
  verifier: { apiKey: string; verifier: string };
  agencies: { types: string[]; apiKey: string }[];
}

export interface StartedGateway {
  process: ChildProcess;
  url: string;
  creds: DemoCredentials;
  /** SIGTERM, and the exit code of the graceful shutdown. */
  stop(): Promise<number | null>;
}

/**
 * `certledger start` on a free port and `dataDir`, with no settings (as `npm start`): the demo's
 * passphrase file goes to `home`, only the scrypt cost is the tests' (test/support/keystore.ts).
 */
export async function startGatewayProcess(dataDir: string, home: string): Promise<StartedGateway> {
  const gateway = spawn(process.execPath, [BIN, "start", "--port", "0", "--data-dir", dataDir, "--log-level", "warn"], {
    cwd: tmpdir(),
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CERTLEDGER_"))),
      HOME: home,
      CERTLEDGER_KEYSTORE_SCRYPT_N: TEST_KEYSTORE_ENV.CERTLEDGER_KEYSTORE_SCRYPT_N,
    },
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in 90 s:\n${out}`)), 90_000);
    gateway.stdout!.on("data", (d) => {
      out += d;
      const m = /ready in [\d.]+ s on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    gateway.stderr!.on("data", (d) => (out += d));
    gateway.on("exit", (code) => reject(new Error(`the gateway exited (${code}):\n${out}`)));
  });
  const creds = JSON.parse(readFileSync(path.join(dataDir, "demo-credentials.json"), "utf8")) as DemoCredentials;
  return {
    process: gateway,
    url,
    creds,
    async stop() {
      if (gateway.exitCode !== null) return gateway.exitCode;
      const exited = new Promise<number | null>((r) => gateway.once("exit", (code) => r(code)));
      gateway.kill("SIGTERM");
      return exited;
    },
  };
}
