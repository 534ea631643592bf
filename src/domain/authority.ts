/**
 * The authority's use cases: certificate types, agencies and their accreditations and keys,
 * verifiers. Keys are custodial (the keyring creates them); the chain records their windows.
 */
import { badRequest, conflict, notFound } from "./errors";
import type { Address, CertificateTypeView, DomainDeps, Hex, SigningKeyView, TxReceiptView } from "./ports";
import { randomId } from "./hashing";
import { requireCustodialAuthority } from "./custody";
import { createPrincipal } from "./principals";

type Receipt = Pick<TxReceiptView, "txHash" | "blockNumber">;

// ---------------------------------------------------------------------------------------------
// Certificate types
// ---------------------------------------------------------------------------------------------

export interface RegisterTypeParameters {
  /** A type of the catalog (its schema is what the fields are validated against). */
  code: string;
  name?: string;
  maxValiditySeconds?: number;
}

export async function registerType(
  deps: DomainDeps,
  p: RegisterTypeParameters,
): Promise<CertificateTypeView & Receipt> {
  requireCustodialAuthority(deps);
  const entry = deps.catalog.get(p.code);
  if (!entry)
    throw badRequest(
      "UNKNOWN_TYPE_CODE",
      `"${p.code}" is not in the catalog of certificate types (GET /v1/public/types lists them).`,
    );
  if (await deps.index.certificateTypeByCode(p.code))
    throw conflict("TYPE_ALREADY_EXISTS", `Type "${p.code}" is already registered.`);
  const all = await deps.index.certificateTypes();
  const typeId = entry.id ?? all.reduce((m, t) => Math.max(m, t.typeId), 0) + 1;
  if (all.some((t) => t.typeId === typeId))
    throw conflict("TYPE_ALREADY_EXISTS", `Type id ${typeId} is already registered.`);
  const name = p.name ?? entry.name;
  const schemaHash = deps.catalog.schemaHash(p.code)!;
  const maxValiditySeconds = p.maxValiditySeconds ?? entry.maxValiditySeconds;
  const r = await deps.chain.registerType({ typeId, code: p.code, name, schemaHash, maxValiditySeconds });
  return {
    typeId,
    code: p.code,
    name,
    schemaHash,
    maxValiditySeconds,
    active: true,
    txHash: r.txHash,
    blockNumber: r.blockNumber,
  };
}

async function typeByCode(deps: DomainDeps, code: string): Promise<CertificateTypeView> {
  const t = await deps.index.certificateTypeByCode(code);
  if (!t) throw notFound("TYPE_NOT_FOUND", `No certificate type "${code}" is registered.`);
  return t;
}

export async function updateType(
  deps: DomainDeps,
  p: { code: string; name?: string; maxValiditySeconds?: number; refreshSchema?: boolean },
): Promise<CertificateTypeView & Receipt> {
  requireCustodialAuthority(deps);
  const t = await typeByCode(deps, p.code);
  if (!t.active) throw conflict("TYPE_INACTIVE", `Type "${p.code}" is deactivated.`);
  const schemaHash = p.refreshSchema ? deps.catalog.schemaHash(p.code) : undefined;
  const r = await deps.chain.updateType({
    typeId: t.typeId,
    name: p.name,
    maxValiditySeconds: p.maxValiditySeconds,
    schemaHash,
  });
  return {
    ...t,
    name: p.name ?? t.name,
    maxValiditySeconds: p.maxValiditySeconds ?? t.maxValiditySeconds,
    schemaHash: schemaHash ?? t.schemaHash,
    txHash: r.txHash,
    blockNumber: r.blockNumber,
  };
}

export async function deactivateType(deps: DomainDeps, code: string): Promise<CertificateTypeView & Receipt> {
  requireCustodialAuthority(deps);
  const t = await typeByCode(deps, code);
  if (!t.active) throw conflict("TYPE_INACTIVE", `Type "${code}" is already deactivated.`);
  const r = await deps.chain.deactivateType({ typeId: t.typeId });
  return { ...t, active: false, txHash: r.txHash, blockNumber: r.blockNumber };
}

// ---------------------------------------------------------------------------------------------
// Agencies
// ---------------------------------------------------------------------------------------------

export interface RegisterAgencyParameters {
  name: string;
  /** Type codes to accredit at once. */
  types?: string[];
  /** Also create an API principal for the agency and return its key (once). */
  createApiKey?: boolean;
}

export interface RegisterAgencyReturnType {
  agency: Address;
  name: string;
  signingKey: Address;
  types: string[];
  apiKey?: string;
}

export async function registerAgency(deps: DomainDeps, p: RegisterAgencyParameters): Promise<RegisterAgencyReturnType> {
  requireCustodialAuthority(deps);
  const types = await Promise.all((p.types ?? []).map((c) => typeByCode(deps, c)));
  const agency = (await deps.keyring.create(`agency:${p.name}`)).toLowerCase() as Address;
  await deps.chain.registerAgency({ agency, name: p.name });
  const signingKey = (await deps.keyring.create(`agency-key:${p.name}:${randomId()}`)).toLowerCase() as Address;
  await deps.chain.addSigningKey({ agency, key: signingKey, validFrom: deps.clock.now() - 1, validUntil: 0 });
  for (const t of types) await deps.chain.accredit({ agency, typeId: t.typeId });
  const out: RegisterAgencyReturnType = { agency, name: p.name, signingKey, types: types.map((t) => t.code) };
  if (p.createApiKey)
    out.apiKey = (await createPrincipal(deps, { role: "agency", address: agency, label: p.name })).apiKey;
  return out;
}

async function agencyOrThrow(deps: DomainDeps, agency: Address) {
  const a = await deps.index.agency(agency.toLowerCase() as Address);
  if (!a) throw notFound("AGENCY_NOT_FOUND", `No agency is registered at ${agency}.`);
  return a;
}

export async function accredit(deps: DomainDeps, agency: Address, typeCode: string): Promise<Receipt> {
  requireCustodialAuthority(deps);
  const a = await agencyOrThrow(deps, agency);
  const t = await typeByCode(deps, typeCode);
  if (a.typeIds.includes(t.typeId))
    throw conflict("ALREADY_ACCREDITED", `The agency is already accredited for "${typeCode}".`);
  return deps.chain.accredit({ agency: a.agency, typeId: t.typeId });
}

export async function withdrawAccreditation(deps: DomainDeps, agency: Address, typeCode: string): Promise<Receipt> {
  requireCustodialAuthority(deps);
  const a = await agencyOrThrow(deps, agency);
  const t = await typeByCode(deps, typeCode);
  if (!a.typeIds.includes(t.typeId))
    throw conflict("NOT_ACCREDITED", `The agency is not accredited for "${typeCode}".`);
  return deps.chain.withdrawAccreditation({ agency: a.agency, typeId: t.typeId });
}

// ---------------------------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------------------------

export async function addSigningKey(
  deps: DomainDeps,
  p: { agency: Address; validFrom?: number; validUntil?: number; key?: string },
): Promise<SigningKeyView & Receipt> {
  requireCustodialAuthority(deps);
  const a = await agencyOrThrow(deps, p.agency);
  const now = deps.clock.now();
  const validFrom = p.validFrom ?? now;
  const validUntil = p.validUntil ?? 0;
  if (validUntil !== 0 && validUntil <= validFrom)
    throw badRequest("INVALID_VALIDITY", "validUntil must be after validFrom.");
  // A key the agency holds itself, or a new custodial one.
  const key = (p.key ?? (await deps.keyring.create(`agency-key:${a.name}:${randomId()}`))).toLowerCase() as Address;
  if (p.key && (await deps.index.signingKey(key)))
    throw conflict(
      "KEY_ALREADY_REGISTERED",
      `${p.key} is a signing key already (a key belongs to one agency, forever).`,
    );
  const r = await deps.chain.addSigningKey({ agency: a.agency, key, validFrom, validUntil });
  return { key, agency: a.agency, validFrom, validUntil, txHash: r.txHash, blockNumber: r.blockNumber };
}

export async function retireSigningKey(
  deps: DomainDeps,
  p: { agency: Address; key: Address; at?: number },
): Promise<{ key: Address; retiredAt: number; txHash: Hex; blockNumber: number }> {
  requireCustodialAuthority(deps);
  const a = await agencyOrThrow(deps, p.agency);
  const k = await deps.index.signingKey(p.key.toLowerCase() as Address);
  if (!k || k.agency.toLowerCase() !== a.agency)
    throw notFound("KEY_NOT_FOUND", `The agency has no signing key ${p.key}.`);
  const now = deps.clock.now();
  // Windows are [validFrom, validUntil): ending at now + 1 keeps what the key issued this second valid.
  // A later `at` plans the retirement (the key signs until then); an earlier one answers a leak: what the key
  // issued from `at` on stops verifying, what it issued before stays valid.
  const at = p.at ?? now + 1;
  // An open window (validUntil 0) ends at the registry's largest time, 2^40 - 1.
  const end = k.validUntil === 0 ? 2 ** 40 - 1 : k.validUntil;
  if (at >= end) {
    if (p.at === undefined && end <= now) throw conflict("KEY_RETIRED", "The key is already retired.");
    throw conflict(
      "INVALID_RETIREMENT",
      `The key's window already ends at ${end}: a retirement can only move its end earlier (to a past time for a leaked key).`,
    );
  }
  const r = await deps.chain.retireSigningKey({ agency: a.agency, key: k.key, at });
  // The registry collapses a window that has not opened yet to its start.
  const retiredAt = Math.max(at, k.validFrom);
  return { key: k.key, retiredAt, txHash: r.txHash, blockNumber: r.blockNumber };
}

/** Adds a new key valid from now and retires every other open key of the agency now. */
export async function rotateSigningKey(
  deps: DomainDeps,
  agency: Address,
): Promise<{ key: Address; retired: Address[]; txHash: Hex; blockNumber: number }> {
  requireCustodialAuthority(deps);
  const added = await addSigningKey(deps, { agency });
  const now = deps.clock.now();
  const keys = await deps.index.signingKeys(added.agency);
  const retired: Address[] = [];
  for (const k of keys) {
    if (k.key === added.key || (k.validUntil !== 0 && k.validUntil <= now)) continue;
    await deps.chain.retireSigningKey({ agency: added.agency, key: k.key, at: now + 1 });
    retired.push(k.key);
  }
  return { key: added.key, retired, txHash: added.txHash, blockNumber: added.blockNumber };
}

// ---------------------------------------------------------------------------------------------
// Verifiers
// ---------------------------------------------------------------------------------------------

export async function registerVerifier(
  deps: DomainDeps,
  p: { name: string; createApiKey?: boolean },
): Promise<{ verifier: Address; name: string; apiKey?: string; txHash: Hex }> {
  const verifier = (await deps.keyring.create(`verifier:${p.name}:${randomId()}`)).toLowerCase() as Address;
  const r = await deps.chain.registerVerifier({ verifier, name: p.name });
  const out: { verifier: Address; name: string; apiKey?: string; txHash: Hex } = {
    verifier,
    name: p.name,
    txHash: r.txHash,
  };
  if (p.createApiKey)
    out.apiKey = (await createPrincipal(deps, { role: "verifier", address: verifier, label: p.name })).apiKey;
  return out;
}
