import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ConfigError, loadConfig } from "../../src/config";

describe("config (validated once at boot)", () => {
  it("has working defaults: 127.0.0.1:8080, ./data, embedded chain, demo seed", () => {
    const c = loadConfig({});
    expect(c).to.include({
      host: "127.0.0.1",
      port: 8080,
      dataDir: "./data",
      seedDemo: true,
      bodyLimitBytes: 1024 * 1024,
    });
    expect(c.rpcUrl).to.equal(undefined);
  });

  it("reads CERTLEDGER_* variables and coerces them", () => {
    const c = loadConfig({
      CERTLEDGER_PORT: "9000",
      CERTLEDGER_SEED_DEMO: "false",
      CERTLEDGER_RPC_URL: "http://127.0.0.1:8545",
    });
    expect(c.port).to.equal(9000);
    expect(c.seedDemo).to.equal(false);
    expect(c.rpcUrl).to.equal("http://127.0.0.1:8545");
  });

  it("names every bad variable in one error", () => {
    try {
      loadConfig({ CERTLEDGER_PORT: "eighty", CERTLEDGER_LOG_LEVEL: "loud", CERTLEDGER_LEDGER_ADDRESS: "0x12" });
      expect.fail("should throw");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      const m = (e as Error).message;
      for (const v of [
        "CERTLEDGER_PORT",
        "CERTLEDGER_LOG_LEVEL",
        "CERTLEDGER_LEDGER_ADDRESS",
        "CERTLEDGER_REGISTRY_ADDRESS",
      ])
        expect(m).to.include(v);
    }
  });

  it("makes the gateway exit with status 2 on a bad value, before opening anything", function () {
    this.timeout(60_000);
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "../../src/main.ts")], {
      env: { ...process.env, CERTLEDGER_PORT: "99999", CERTLEDGER_DATA_DIR: "/nonexistent/never-created" },
      encoding: "utf8",
      timeout: 50_000,
    });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include("CERTLEDGER_PORT");
  });
});
