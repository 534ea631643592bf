/**
 * Runs a benchmark helper (a client or a load generator) in its own process, asynchronously: the
 * gateway under test keeps serving on the parent's event loop meanwhile. Resolves with its stdout.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export async function runHelper(script: string, args: unknown): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, script), JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0) throw new Error(`${script} failed: ${err}`);
  return out;
}
