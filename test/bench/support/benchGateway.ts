/**
 * What the gateway benchmarks share: a seeded demo gateway in a temporary data dir, listening on a random
 * local port, closed and removed after `run`; and the JSON line of one figure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { loadConfig, type Config } from "../../../src/config";
import { openGateway, type Gateway, type GatewayOptions } from "../../../src/wiring/gateway";

export function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra })}\n`);
}

/**
 * Runs `run` against a fresh demo gateway; `config` overrides the environment's configuration and
 * `options` are the gateway's own (e.g. `extraRouters: []` for the API alone).
 */
export async function withBenchGateway<T>(
  name: string,
  config: Record<string, string>,
  run: (ctx: { gw: Gateway; base: string; server: Server; dataDir: string; config: Config }) => Promise<T>,
  options: Omit<GatewayOptions, "logger"> = {},
): Promise<T> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `certledger-${name}-`));
  const loaded = loadConfig(process.env, { dataDir, port: 0, logLevel: "warn", seedDemo: "true", ...config });
  const gw = await openGateway(loaded, { ...options, logger: pino({ level: "warn" }) });
  const server = gw.app.listen(0, "127.0.0.1");
  try {
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return await run({ gw, base, server, dataDir, config: loaded });
  } finally {
    server.close();
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function exitOnFailure(main: () => Promise<void>): void {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}

/**
 * Follows the embedded chain's checkpoints during a run (a poll every 10 ms), for the figures' fields:
 * how long each one written took, ms. A checkpoint holds the block producer for all of it: no write
 * waiting for a block is answered meanwhile.
 */
export function watchCheckpoints(gw: Gateway): () => { checkpointMs: number[] } {
  const stats = gw.engine.embedded?.checkpoints;
  const took: number[] = [];
  let seen = stats?.count ?? 0;
  const timer = setInterval(() => {
    if (!stats || stats.count === seen) return;
    seen = stats.count;
    took.push(Math.round(stats.ms));
  }, 10);
  return () => {
    clearInterval(timer);
    return { checkpointMs: took };
  };
}
