/**
 * anvil (Foundry's EVM node, shipped as a binary by the `@foundry-rs/anvil` npm package) in its own
 * process: a second, independent EVM engine next to Hardhat's EDR. Tests start and stop it like a
 * `hardhat node`; the same launcher serves whatever part of the product runs on it.
 *
 * The binary is `CERTLEDGER_ANVIL_BIN` when set, else the platform package's `bin/anvil`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

/** Account #0 of anvil's default mnemonic (the same public test key as `hardhat node`'s). */
export const ANVIL_ACCOUNT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
};

/** Path of the anvil executable; throws a sentence saying what is missing. */
export function anvilBinary(): string {
  const fromEnv = process.env.CERTLEDGER_ANVIL_BIN;
  if (fromEnv) return fromEnv;
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg)
    throw new Error(
      `anvil: no @foundry-rs/anvil binary for ${process.platform}-${process.arch}; set CERTLEDGER_ANVIL_BIN`,
    );
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`anvil: ${pkg} is not installed (npm install); or set CERTLEDGER_ANVIL_BIN`);
  }
  const bin = path.join(dir, "bin", "anvil");
  if (!fs.existsSync(bin)) throw new Error(`anvil: ${bin} is missing`);
  return bin;
}

export interface AnvilOptions {
  /** TCP port on 127.0.0.1; 0 (default) lets the system choose one (read back from anvil's output). */
  port?: number;
  /** Extra command-line arguments, e.g. ["--no-mining"], ["--state", file], ["--chain-id", "1337"]. */
  args?: string[];
  /** Longest wait for "Listening on", ms (default 30,000). */
  readyTimeoutMs?: number;
}

export interface AnvilNode {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything anvil wrote to stderr so far (its errors). */
  stderr(): string;
  /**
   * Stops the node and resolves when the process has exited. SIGTERM lets anvil dump `--state`/
   * `--dump-state` on the way out; SIGKILL does not.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts anvil and resolves once it listens; rejects if it exits or is not up in time. */
export function startAnvil(opts: AnvilOptions = {}): Promise<AnvilNode> {
  const args = ["--host", "127.0.0.1", "--port", String(opts.port ?? 0), ...(opts.args ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let settled = false;
    child.stderr!.on("data", (d) => (err += d));
    const exited = new Promise<void>((res) => child.once("exit", () => res()));
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(e);
    };
    const timer = setTimeout(
      () => fail(new Error(`anvil did not start within ${opts.readyTimeoutMs ?? 30_000} ms: ${err}`)),
      opts.readyTimeoutMs ?? 30_000,
    );
    child.once("error", (e) => fail(e));
    child.once("exit", (code, signal) => fail(new Error(`anvil exited (${code ?? signal}) before listening: ${err}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /Listening on [^:\s]+:(\d+)/.exec(line);
      if (!m || settled) return;
      settled = true;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        process: child,
        stderr: () => err,
        async stop(signal: NodeJS.Signals = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
  });
}
