/**
 * The demo a first start seeds: an authority principal, every catalog type registered, one agency per
 * department accredited for its department's types (74 types, 19 agencies), and a counter verifier.
 * The API keys are shown once by design, so the demo's are written to <dataDir>/demo-credentials.json
 * (mode 0600) and printed on every start. Re-running after a crash mid-seed skips what exists.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AGENCY_CATEGORIES, agencyNamesOf, CERTIFICATE_TYPES, DEMO_VERIFIER } from "../domain/catalog";
import { registerAgency, registerType, registerVerifier } from "../domain/authority";
import { createPrincipal } from "../domain/principals";
import type { Address, DomainDeps } from "../domain/ports";

export interface DemoCredentials {
  authority: { address: Address; apiKey: string };
  agencies: { name: string; nameZh: string; agency: Address; types: string[]; apiKey: string }[];
  verifier: { name: string; verifier: Address; apiKey: string };
}

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, "demo-credentials.json");
}

export function readDemoCredentials(dataDir: string): DemoCredentials | undefined {
  const f = credentialsFile(dataDir);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as DemoCredentials) : undefined;
}

export async function seedDemo(deps: DomainDeps, authorityAddress: Address, dataDir: string): Promise<DemoCredentials> {
  const existing = readDemoCredentials(dataDir);
  if (existing) return existing;

  const authority = await createPrincipal(deps, {
    role: "authority",
    address: authorityAddress,
    label: "demo authority",
  });

  const registered = new Set((await deps.index.certificateTypes()).map((t) => t.code));
  // Independent transactions: send them together so the block producer groups them.
  await Promise.all(
    CERTIFICATE_TYPES.filter((t) => !registered.has(t.code)).map((t) => registerType(deps, { code: t.code })),
  );

  const byName = new Map((await deps.index.agencies()).map((a) => [a.name, a]));
  const agencies: DemoCredentials["agencies"] = [];
  for (const cat of AGENCY_CATEGORIES) {
    const types = CERTIFICATE_TYPES.filter((t) => t.agency === cat.code).map((t) => t.code);
    if (types.length === 0) continue;
    const { name, nameZh } = agencyNamesOf(cat);
    const known = byName.get(name);
    if (known) {
      const p = await createPrincipal(deps, { role: "agency", address: known.agency, label: name });
      agencies.push({ name, nameZh, agency: known.agency, types, apiKey: p.apiKey });
      continue;
    }
    const a = await registerAgency(deps, { name, types, createApiKey: true });
    agencies.push({ name, nameZh, agency: a.agency, types, apiKey: a.apiKey! });
  }

  const v = await registerVerifier(deps, { name: DEMO_VERIFIER.name, createApiKey: true });
  const creds: DemoCredentials = {
    authority: { address: authorityAddress, apiKey: authority.apiKey },
    agencies,
    verifier: { name: v.name, verifier: v.verifier, apiKey: v.apiKey! },
  };
  writeFileSync(credentialsFile(dataDir), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

export interface AuthorityCredentials {
  address: Address;
  apiKey: string;
}

/**
 * External custody has no demo, but someone must log in as the authority: on a first start the gateway
 * creates one authority API key, bound to the registry's admin address, and keeps it (mode 0600) in
 * <dataDir>/authority-credentials.json to print. The key only logs in: every registry change is a
 * transaction the authority signs with its own key, which the gateway never holds.
 */
export async function ensureAuthorityPrincipal(
  deps: DomainDeps,
  authorityAddress: Address,
  dataDir: string,
): Promise<AuthorityCredentials> {
  const file = path.join(dataDir, "authority-credentials.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as AuthorityCredentials;
  const p = await createPrincipal(deps, { role: "authority", address: authorityAddress, label: "authority" });
  const creds = { address: authorityAddress.toLowerCase() as Address, apiKey: p.apiKey };
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}
