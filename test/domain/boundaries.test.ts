import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

// The domain receives its dependencies as ports (docs/architecture.md#layers): no web framework, no chain client,
// no database driver may be imported from src/domain.
const FORBIDDEN = [
  "express",
  "ethers",
  "hardhat",
  "kysely",
  "better-sqlite3",
  "pg",
  "pino",
  "pino-http",
  "prom-client",
  "node:http",
  "http",
  "node:fs",
  "fs",
  "@nomicfoundation/",
  "../http",
  "../chain",
  "../store",
  "../indexer",
  "../wiring",
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function imports(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']/g;
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

describe("src/domain boundaries", () => {
  const root = path.join(__dirname, "../../src/domain");
  const all = files(root);

  it("has files to scan", () => {
    expect(all.length).to.be.greaterThan(5);
  });

  it("imports no express, ethers, database driver or outer layer", () => {
    const bad: string[] = [];
    for (const f of all) {
      for (const spec of imports(readFileSync(f, "utf8"))) {
        const hit = FORBIDDEN.find(
          (x) =>
            spec === x ||
            spec.startsWith(`${x}/`) ||
            (x.endsWith("/") && spec.startsWith(x)) ||
            spec.startsWith(`${x}/`),
        );
        const outward = /^(\.\.\/)+(http|chain|store|indexer|wiring|cli|web)(\/|$)/.test(spec);
        if (hit || outward) bad.push(`${path.relative(root, f)} imports ${spec}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it("the scan catches a forbidden import", () => {
    expect(imports('import express from "express";\nconst { ethers } = require("ethers");')).to.deep.equal([
      "express",
      "ethers",
    ]);
  });
});
