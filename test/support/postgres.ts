/**
 * A fresh PostgreSQL database for one test file. The server comes from CERTLEDGER_TEST_PG_URL or,
 * when unset, from scripts/ensure-postgres.sh (which installs and starts PostgreSQL 15 from Debian).
 * When neither works this throws: the PostgreSQL tests fail loudly, they are never skipped.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { Client } from "pg";

let serverUrl: string | undefined;

export function postgresServerUrl(): string {
  if (serverUrl) return serverUrl;
  const fromEnv = process.env.CERTLEDGER_TEST_PG_URL;
  if (fromEnv) return (serverUrl = fromEnv);
  const script = path.join(__dirname, "..", "..", "scripts", "ensure-postgres.sh");
  try {
    const out = execFileSync("bash", [script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 600_000,
    });
    const url = out.trim().split("\n").pop() ?? "";
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`it printed no URL: ${out}`);
    return (serverUrl = url);
  } catch (e) {
    throw new Error(
      `PostgreSQL is needed for these tests and could not be provided: set CERTLEDGER_TEST_PG_URL or make ` +
        `scripts/ensure-postgres.sh work (apt-get install postgresql). Cause: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** Creates a new, empty database on the test server; `drop()` removes it. */
export async function freshPostgresDatabase(prefix = "cl"): Promise<{ url: string; drop(): Promise<void> }> {
  const base = postgresServerUrl();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      // WITH (FORCE) refuses while a backend the test role may not signal is attached (an autovacuum
      // worker that just woke up on the new database): wait and try again. A test database left behind
      // is only disk space, so cleanup never fails a test.
      for (let attempt = 1; ; attempt++) {
        const c = new Client({ connectionString: base });
        try {
          await c.connect();
          await c.query(`drop database if exists ${name} with (force)`);
          return;
        } catch (e) {
          if (attempt >= 10) {
            process.stderr.write(`warning: test database ${name} left behind: ${(e as Error).message}\n`);
            return;
          }
          await new Promise((r) => setTimeout(r, 300));
        } finally {
          await c.end().catch(() => undefined);
        }
      }
    },
  };
}
