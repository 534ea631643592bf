/**
 * `certledger start`: the gateway, exactly as `npm start` runs it. Options become the CERTLEDGER_*
 * variables that src/config.ts validates, then src/main.ts runs in this process (its own signal
 * handlers shut it down gracefully).
 */
import type { Command } from "commander";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description(
      "start the gateway (REST API, pages, embedded chain unless --rpc); configured by CERTLEDGER_* variables and these options",
    )
    .option("--host <host>", "listen address (CERTLEDGER_HOST, default 127.0.0.1)")
    .option("--port <port>", "listen port, 0 for any free one (CERTLEDGER_PORT, default 8080)")
    .option("--data-dir <dir>", "SQLite store, chain journal, keyring keystore (CERTLEDGER_DATA_DIR, default ./data)")
    .option("--database-url <url>", "sqlite:<file> or postgres://... (CERTLEDGER_DATABASE_URL)")
    .option("--rpc <url>", "an EVM JSON-RPC node instead of the embedded chain (CERTLEDGER_RPC_URL)")
    .option(
      "--funding-key <hex>",
      "with --rpc: private key of a funded account that pays the gateway's custodial keys' gas (CERTLEDGER_FUNDING_KEY; prefer the variable, a command line is visible to other users)",
    )
    .option("--addresses <file>", "contract addresses written by `certledger deploy` (sets CERTLEDGER_*_ADDRESS)")
    .option("--no-demo", "do not seed the demo types, agencies and API keys (CERTLEDGER_SEED_DEMO=false)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (CERTLEDGER_LOG_LEVEL)")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const set = (name: string, v: string | boolean | undefined) => {
        if (v !== undefined) process.env[`CERTLEDGER_${name}`] = String(v);
      };
      set("HOST", opts.host);
      set("PORT", opts.port);
      set("DATA_DIR", opts.dataDir);
      set("DATABASE_URL", opts.databaseUrl);
      set("RPC_URL", opts.rpc);
      set("FUNDING_KEY", opts.fundingKey);
      set("LOG_LEVEL", opts.logLevel);
      if (opts.demo === false) set("SEED_DEMO", "false");
      if (typeof opts.addresses === "string") {
        const { readAddressesFile } = require("./deploy") as typeof import("./deploy");
        const a = readAddressesFile(opts.addresses);
        set("REGISTRY_ADDRESS", a.registry);
        set("LEDGER_ADDRESS", a.ledger);
        set("CONSENT_ADDRESS", a.consent);
        set("FROM_BLOCK", String(a.fromBlock));
      }
      require("../main");
    });
}
