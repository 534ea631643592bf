/**
 * In-memory ports for the domain's unit tests (test/domain): an index the fake chain writes to, and
 * stores in Maps. The HTTP tests never use these: they run against the real embedded chain.
 */
import { createCatalog } from "../../src/domain/catalog";
import { DomainError } from "../../src/domain/errors";
import type {
  Address,
  AgencyView,
  BatchView,
  Bytes32,
  CertificateTypeView,
  CertificateView,
  ChainWriter,
  CheckView,
  DomainDeps,
  GrantView,
  Hex,
  IdempotencyRecord,
  IdempotentRequestRecord,
  IdempotentRequestStore,
  Principal,
  SigningKeyView,
  StatusChangeView,
  TxReceiptView,
} from "../../src/domain/ports";
import { computeGrantId, consentDomain } from "../../src/document";
import { documentLibrary, signatureRecovery } from "../../src/wiring/documents";

export const CHAIN_ID = 31337;
export const CONSENT = "0x00000000000000000000000000000000000c0de1" as Address;
export const LEDGER = "0x00000000000000000000000000000000000c0de2" as Address;

let counter = 0;
const addr = (): Address => `0x${(++counter).toString(16).padStart(40, "0")}` as Address;

export class FakeWorld {
  now = 1_800_000_000;
  types = new Map<number, CertificateTypeView>();
  agencies = new Map<string, AgencyView>();
  accreditationLog: { agency: string; typeId: number; from: number; until: number }[] = [];
  keys = new Map<string, SigningKeyView>();
  certs = new Map<string, CertificateView>();
  batches = new Map<string, BatchView>();
  history = new Map<string, StatusChangeView[]>();
  grants = new Map<string, GrantView>();
  checks: CheckView[] = [];
  verifiers = new Map<string, { verifier: Address; name: string; active: boolean }>();
  spentNonces = new Set<string>();
  principals = new Map<string, Principal & { keyHash: string }>();
  idem = new Map<string, IdempotencyRecord>();
  replaySeen = new Set<string>();
  sent: { method: string; args: unknown }[] = [];
  block = 0;

  receipt(method: string, args: unknown): TxReceiptView {
    this.sent.push({ method, args });
    return { txHash: `0x${(++this.block).toString(16).padStart(64, "0")}` as Hex, blockNumber: this.block };
  }
}

export function fakeDeps(world = new FakeWorld()): DomainDeps & { world: FakeWorld } {
  const w = world;
  const catalog = createCatalog();
  const chain: ChainWriter = {
    info: () => ({ chainId: CHAIN_ID, ledger: LEDGER, consent: CONSENT, registry: addr() }),
    async issue(req) {
      const existing = w.certs.get(req.certId);
      if (existing) {
        if (w.sent.some((s) => (s.args as { outboxKey?: string }).outboxKey === req.outboxKey))
          return { txHash: existing.txHash!, blockNumber: 1 };
        throw new DomainError("CERTIFICATE_ALREADY_ISSUED", "already issued", { status: 409 });
      }
      const r = w.receipt("issue", req);
      w.certs.set(req.certId, {
        certId: req.certId,
        typeId: req.typeId,
        issuerKey: req.issuerKey,
        agency: req.agency,
        issuedAt: w.now,
        validFrom: req.validFrom,
        validUntil: req.validUntil,
        status: "ACTIVE",
        txHash: r.txHash,
      });
      return r;
    },
    async issueMany(req) {
      let r: { txHash: Hex; blockNumber: number } | undefined;
      for (const q of req.requests)
        r = await chain.issue({
          ...q,
          agency: req.agency,
          issuerKey: req.issuerKey,
          outboxKey: `${req.outboxKey}:${q.certId}`,
        });
      return r!;
    },
    async statusNonce(certId) {
      return (w.history.get(certId) ?? []).length;
    },
    async relayDelegation() {
      throw new DomainError("NOT_IN_FAKE_WORLD", "the fake world relays no delegations", { status: 501 });
    },
    async delegateByIssuer() {
      throw new DomainError("NOT_IN_FAKE_WORLD", "the fake world relays no delegations", { status: 501 });
    },
    async relayRevokeDelegation() {
      throw new DomainError("NOT_IN_FAKE_WORLD", "the fake world relays no delegations", { status: 501 });
    },
    async relayDelegateGrant() {
      throw new DomainError("NOT_IN_FAKE_WORLD", "the fake world relays no delegations", { status: 501 });
    },
    async delegation() {
      return undefined;
    },
    async authorityTransactionParameters() {
      throw new DomainError("NOT_IN_FAKE_WORLD", "the fake world has no chain accounts", { status: 501 });
    },
    async relayAuthorityTransaction(req) {
      return { ...w.receipt("relayAuthorityTransaction", req), from: addr(), function: "unknown" };
    },
    async anchorBatch(req) {
      const r = w.receipt("anchorBatch", req);
      w.batches.set(req.root, {
        root: req.root,
        typeId: req.typeId,
        issuerKey: req.issuerKey,
        agency: req.agency,
        issuedAt: w.now,
        count: req.count,
      });
      for (const m of req.members)
        w.certs.set(m.certId, {
          certId: m.certId,
          typeId: req.typeId,
          issuerKey: req.issuerKey,
          agency: req.agency,
          issuedAt: w.now,
          validFrom: m.validFrom,
          validUntil: m.validUntil,
          status: "ACTIVE",
          batchRoot: req.root,
        });
      return r;
    },
    async changeStatus(req) {
      const c = w.certs.get(req.certId)!;
      const r = w.receipt("changeStatus", req);
      const status = (
        { revoke: "REVOKED", suspend: "SUSPENDED", reinstate: "ACTIVE", supersede: "SUPERSEDED" } as const
      )[req.action];
      w.certs.set(req.certId, { ...c, status, supersededBy: req.replacement });
      const h = w.history.get(req.certId) ?? [];
      h.push({ certId: req.certId, status, reason: req.reason, at: w.now, supersededBy: req.replacement });
      w.history.set(req.certId, h);
      return r;
    },
    async relayGrant(req) {
      const dom = consentDomain(CHAIN_ID, CONSENT);
      const g = req.grant;
      const grantId = computeGrantId(dom, {
        ...g,
        validUntil: BigInt(g.validUntil),
        nonce: BigInt(g.nonce),
        deadline: BigInt(g.deadline),
      }).toLowerCase() as Bytes32;
      const nonceKey = `${g.certId}:${g.nonce}`;
      if (w.spentNonces.has(nonceKey)) throw new DomainError("REPLAYED", "nonce spent", { status: 409 });
      w.spentNonces.add(nonceKey);
      const r = w.receipt("relayGrant", req);
      w.grants.set(grantId, {
        grantId,
        certId: g.certId,
        grantee: g.grantee,
        purpose: g.purpose,
        validUntil: g.validUntil,
        maxUses: g.maxUses,
        uses: 0,
        revoked: false,
        createdAt: w.now,
      });
      return { ...r, grantId };
    },
    async relayRevokeGrant(req) {
      const g = w.grants.get(req.grantId)!;
      const r = w.receipt("relayRevokeGrant", req);
      w.grants.set(req.grantId, { ...g, revoked: true });
      return r;
    },
    async relayRecordCheck(req) {
      // As ConsentRegistry.recordCheckBySig: the grantee's signature, the named use must be the next one.
      const g = w.grants.get(req.grantId)!;
      const signer = signatureRecovery(() => ({
        chainId: CHAIN_ID,
        consent: CONSENT,
        ledger: LEDGER,
      })).recoverRecordCheck(req, req.signature);
      if (signer !== g.grantee.toLowerCase())
        throw new DomainError("WRONG_VERIFIER", "wrong verifier", { status: 403 });
      if (g.uses >= g.maxUses) throw new DomainError("GRANT_USED_UP", "used up", { status: 409 });
      if (req.use !== g.uses + 1) throw new DomainError("CHECK_USE_TAKEN", "use taken", { status: 409 });
      const r = w.receipt("relayRecordCheck", req);
      w.grants.set(req.grantId, { ...g, uses: g.uses + 1 });
      w.checks.push({ grantId: g.grantId, certId: g.certId, verifier: g.grantee, purpose: g.purpose, at: w.now });
      return r;
    },
    async recordCheck(req) {
      const g = w.grants.get(req.grantId)!;
      if (g.grantee !== req.verifier) throw new DomainError("WRONG_VERIFIER", "wrong verifier", { status: 403 });
      const r = w.receipt("recordCheck", req);
      w.grants.set(req.grantId, { ...g, uses: g.uses + 1 });
      w.checks.push({
        grantId: g.grantId,
        certId: g.certId,
        verifier: req.verifier,
        purpose: g.purpose,
        at: w.now,
        txHash: r.txHash,
      });
      return r;
    },
    async registerType(req) {
      w.types.set(req.typeId, {
        typeId: req.typeId,
        code: req.code,
        name: req.name,
        schemaHash: req.schemaHash,
        maxValiditySeconds: req.maxValiditySeconds,
        active: true,
      });
      return w.receipt("registerType", req);
    },
    async updateType(req) {
      const t = w.types.get(req.typeId)!;
      w.types.set(req.typeId, { ...t, ...Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) });
      return w.receipt("updateType", req);
    },
    async deactivateType(req) {
      w.types.set(req.typeId, { ...w.types.get(req.typeId)!, active: false });
      return w.receipt("deactivateType", req);
    },
    async registerAgency(req) {
      w.agencies.set(req.agency, { agency: req.agency, name: req.name, active: true, typeIds: [] });
      return w.receipt("registerAgency", req);
    },
    async accredit(req) {
      const a = w.agencies.get(req.agency)!;
      a.typeIds = [...a.typeIds, req.typeId];
      w.accreditationLog.push({ agency: req.agency, typeId: req.typeId, from: w.now, until: 0 });
      return w.receipt("accredit", req);
    },
    async withdrawAccreditation(req) {
      const a = w.agencies.get(req.agency)!;
      a.typeIds = a.typeIds.filter((t) => t !== req.typeId);
      for (const l of w.accreditationLog)
        if (l.agency === req.agency && l.typeId === req.typeId && l.until === 0) l.until = w.now;
      return w.receipt("withdrawAccreditation", req);
    },
    async addSigningKey(req) {
      w.keys.set(req.key, { key: req.key, agency: req.agency, validFrom: req.validFrom, validUntil: req.validUntil });
      return w.receipt("addSigningKey", req);
    },
    async retireSigningKey(req) {
      w.keys.set(req.key, { ...w.keys.get(req.key)!, validUntil: req.at });
      return w.receipt("retireSigningKey", req);
    },
    async registerVerifier(req) {
      w.verifiers.set(req.verifier, { verifier: req.verifier, name: req.name, active: true });
      return w.receipt("registerVerifier", req);
    },
  };
  const deps: DomainDeps = {
    clock: { now: () => w.now },
    catalog,
    chain,
    documents: documentLibrary(),
    signatures: signatureRecovery(() => ({ chainId: CHAIN_ID, consent: CONSENT, ledger: LEDGER })),
    keyring: { create: () => addr(), has: () => true },
    index: {
      certificateType: (id) => w.types.get(id),
      certificateTypeByCode: (code) => [...w.types.values()].find((t) => t.code === code),
      certificateTypes: () => [...w.types.values()],
      agency: (a) => w.agencies.get(a),
      agencies: () => [...w.agencies.values()],
      signingKey: (k) => w.keys.get(k),
      signingKeys: (a) => [...w.keys.values()].filter((k) => k.agency === a),
      wasAccredited: (a, t, at) =>
        w.accreditationLog.some(
          (l) => l.agency === a && l.typeId === t && l.from <= at && (l.until === 0 || at < l.until),
        ),
      certificate: (id) => w.certs.get(id),
      batch: (root) => w.batches.get(root),
      statusHistory: (id) => w.history.get(id) ?? [],
      certificatesByAgency: (a, f) => ({
        items: [...w.certs.values()]
          .filter(
            (c) =>
              c.agency === a &&
              (f.typeId === undefined || c.typeId === f.typeId) &&
              (!f.status || c.status === f.status),
          )
          .slice(0, f.limit),
      }),
      grant: (id) => w.grants.get(id),
      grantsForCertificate: (id) => [...w.grants.values()].filter((g) => g.certId === id),
      checksForCertificate: (id) => w.checks.filter((c) => c.certId === id),
      // The front pages' world makes no delegations.
      delegation: () => undefined,
      delegationsForCertificate: () => [],
      verifiers: () => [...w.verifiers.values()],
      verifier: (a) => w.verifiers.get(a),
      ready: () => true,
    },
    principals: {
      async create(p) {
        w.principals.set(p.keyHash, p);
      },
      async findByKeyHash(h) {
        return w.principals.get(h);
      },
      async list() {
        return [...w.principals.values()].map(({ keyHash: _k, ...p }) => p);
      },
      async count() {
        return w.principals.size;
      },
    },
    idempotency: {
      async claim(key, record) {
        const e = w.idem.get(key);
        if (e) return e;
        w.idem.set(key, record);
        return undefined;
      },
      async get(key) {
        return w.idem.get(key);
      },
      async markDone(key) {
        const e = w.idem.get(key);
        if (e) e.done = true;
      },
    },
    replay: {
      claim(key) {
        if (w.replaySeen.has(key)) return false;
        w.replaySeen.add(key);
        return true;
      },
    },
  };
  return Object.assign(deps, { world: w });
}

/** Idempotency-Key bindings in memory, for the apps built over these fakes (the gateway's are SQL). */
export function memoryIdempotentRequests(): IdempotentRequestStore {
  const records = new Map<string, IdempotentRequestRecord>();
  return {
    async begin(key, record) {
      const found = records.get(key);
      if (found) return structuredClone(found);
      records.set(key, structuredClone(record));
      return undefined;
    },
    async complete(key, answer) {
      const r = records.get(key);
      if (r) r.answer = structuredClone(answer);
    },
    async release(key) {
      if (!records.get(key)?.answer) records.delete(key);
    },
  };
}
