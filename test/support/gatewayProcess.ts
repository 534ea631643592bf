/** A gateway as an operator runs it: `src/main.ts` in its own process on a data dir, on a random port. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { TEST_KEYSTORE_ENV } from "./keystore";

const ROOT = path.join(__dirname, "../..");

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startGatewayProcess(
  dataDir: string,
  opts: { env?: Record<string, string>; nodeArgs?: string[]; readyMs?: number } = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", path.join(ROOT, "src/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...TEST_KEYSTORE_ENV,
      CERTLEDGER_DATA_DIR: dataDir,
      CERTLEDGER_PORT: "0",
      CERTLEDGER_LOG_LEVEL: "warn",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`gateway not ready in time: ${out}${err}`)), opts.readyMs ?? 90_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /ready in [\d.]+ s on (http:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`gateway exited ${code}: ${err}`));
    });
  });
  return {
    child,
    url,
    stderr: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
