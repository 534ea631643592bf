/**
 * A `hardhat node` in its own process: the external JSON-RPC chain of the engine's and the gateway's
 * external-chain tests (automine on, so a future nonce is refused and sending order matters).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

const ROOT = path.join(__dirname, "..", "..");

/** Account #0 of every `hardhat node` (a public test key). */
export const HARDHAT_ACCOUNT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** Resolves once the node listens on 127.0.0.1:`port`; rejects if it exits or is not up within 60 s. */
export function startHardhatNode(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js"), "node", "--port", String(port)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    p.stderr!.on("data", (d) => (err += d));
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start: ${err}`)), 60_000);
    readline.createInterface({ input: p.stdout! }).on("line", (line) => {
      if (/Started HTTP/.test(line)) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    p.on("exit", (code) => reject(new Error(`hardhat node exited (${code}): ${err}`)));
  });
}
