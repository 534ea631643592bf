/**
 * certledger gateway: config → dependencies → listen → graceful shutdown.
 * `npm start` runs this with tsx; CERTLEDGER_* variables configure it (src/config.ts).
 */
import type { Server } from "node:http";
import pino from "pino";
import { ConfigError, loadConfig, type Config } from "./config";
import { KeystoreError } from "./chain/seedKeystore";
import { openGateway, type Gateway } from "./wiring/gateway";
import type { DemoCredentials } from "./wiring/seed";

function banner(config: Config, url: string, creds: DemoCredentials | undefined, ms: number): string {
  const lines = [
    "",
    `certledger gateway ready in ${(ms / 1000).toFixed(1)} s on ${url}`,
    "",
    `  OpenAPI     ${url}/openapi.json`,
    `  health      ${url}/healthz   ${url}/readyz   ${url}/metrics`,
    `  pages       ${url}/agency   ${url}/wallet   ${url}/counter   ${url}/verify`,
    ...(config.rpcUrl ? [] : [`  JSON-RPC    ${url}/rpc   (the embedded chain, read-only)`]),
    `  data        ${config.dataDir}`,
  ];
  if (creds) {
    lines.push(
      "",
      "Demo credentials (Authorization: Bearer <key>; also in <data>/demo-credentials.json):",
      `  authority   ${creds.authority.apiKey}`,
      `  verifier    ${creds.verifier.apiKey}   (${creds.verifier.name}, ${creds.verifier.verifier})`,
    );
    for (const a of creds.agencies)
      lines.push(
        `  agency      ${a.apiKey}   ${a.name} / ${a.nameZh}: ${a.types.slice(0, 4).join(", ")}${a.types.length > 4 ? `, +${a.types.length - 4}` : ""}`,
      );
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = pino({ level: config.logLevel, base: undefined });
  const gateway: Gateway = await openGateway(config, { logger });

  const server: Server = gateway.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  // Keep-alive longer than typical proxies' so they close first; headers must finish in 10 s.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  const url = `http://${config.host}:${port}`;
  // Since the process started (module loading included), which is what "ready within 20 s" means.
  const sinceStart = Math.round(process.uptime() * 1000);
  process.stdout.write(banner(config, url, gateway.credentials, sinceStart));
  logger.info({ url, ms: sinceStart, openMs: Date.now() - t0 }, "listening");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
    const force = setTimeout(() => {
      logger.warn("grace period over; closing remaining connections");
      server.closeAllConnections();
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(force);
    try {
      await gateway.close();
      logger.info("stopped");
      process.exit(0);
    } catch (e) {
      logger.error({ err: e }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((e) => {
  if (e instanceof KeystoreError) {
    // The operator's to fix (a passphrase, a file): say what, without a stack trace.
    process.stderr.write(`certledger cannot start: ${e.message} (${e.code})\n`);
    process.exit(2);
  }
  process.stderr.write(`certledger failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
