/**
 * The domain's `ChainWriter`, over the relayer. Which key sends what:
 *   - agency signing keys: issue (grouped into issueMany), anchorBatch, status changes
 *   - the relayer key: holders' signed grants (grouped into grantManyBySig) and grant revocations, checks
 *     signed by a share link's key (recordCheckBySig), funding of new custodial keys
 *   - verifier keys: recordCheck (grouped into recordChecks)
 *   - the authority key: the registry's admin calls
 *
 * Identity mapping (the registry numbers agencies, types and keys; the domain speaks addresses and codes):
 *   - an agency's nameHash on chain is keccak256(utf8(name)); the gateway's agency address and name are
 *     stored (agency_accounts) BEFORE the registration is sent, so the indexer joins them by nameHash.
 *   - a type's on-chain name is its code (e.g. "resident-id-card"); its display name is stored off chain.
 *   - open-ended windows (validUntil 0 in the domain) are uint40 max on chain.
 *   - verifiers are not on chain (a grant names any address): registerVerifier stores them and funds the key.
 */
import { Signature, keccak256, toUtf8Bytes } from "ethers";
import type { Kysely } from "kysely";
import { badRequest, notFound } from "../domain/errors";
import type {
  Address,
  BatchAnchorRequest,
  Bytes32,
  ChainWriter,
  GrantRelayRequest,
  IssueRequest,
  RecordCheckRelayRequest,
  RevokeGrantRelayRequest,
  StatusChangeRequest,
  TxReceiptView,
} from "../domain/ports";
import { computeGrantId } from "../document/grant";
import { consentDomain } from "../document/typedData";
import type { IndexCache } from "../indexer/indexCache";
import type { Database } from "../store/schema";
import { ZERO_ROOT } from "../store/schema";
import { UINT40_MAX, consentIface, ledgerIface, registryIface, type ContractAddresses } from "./contracts";
import type { Relayer, WorkKind } from "./relayer";
import type { Rpc, TxRequest } from "./submitter";

export interface ChainWriterDeps {
  db: Kysely<Database>;
  rpc: Rpc;
  relayer: Relayer;
  cache: IndexCache;
  addresses: ContractAddresses;
  chainId: number;
  /** The relayer's and the authority's custodial addresses. */
  relayerAddress: string;
  authorityAddress: string;
  /** Wei given to each new custodial key so it can pay for gas (0: do not fund). */
  fundingWei: bigint;
  now: () => number;
  dialect: "sqlite" | "postgres";
}

/** Largest issueMany: ~25,000 gas per certificate, under Osaka's 16,777,216 gas per transaction. */
export const ISSUE_GROUP_MAX = 200;
export const CHECK_GROUP_MAX = 200;
/** Largest grantManyBySig: ~64,000 gas per single grant (more with a Merkle proof), well under the cap. */
export const GRANT_GROUP_MAX = 100;
const GRANT_GROUP_GAS_CAP = 15_000_000;

const STATUS_TARGET = {
  revoke: "REVOKED",
  suspend: "SUSPENDED",
  reinstate: "ACTIVE",
  supersede: "SUPERSEDED",
} as const;

const call = (to: string, from: string, data: string, gas: number | bigint): TxRequest => ({
  from,
  to,
  data,
  gasLimit: BigInt(gas),
});

function certRef(certId: string, batch?: { root: string; validFrom: number; validUntil: number; proof: string[] }) {
  return batch
    ? { certId, batchRoot: batch.root, validFrom: batch.validFrom, validUntil: batch.validUntil, proof: batch.proof }
    : { certId, batchRoot: ZERO_ROOT, validFrom: 0, validUntil: 0, proof: [] };
}

/** The work kinds the relayer knows, each with its transaction, grouping and "already on chain?" test. */
export function workKinds(d: Omit<ChainWriterDeps, "relayer">): Record<string, WorkKind> {
  const { addresses: A, cache } = d;
  type Issue = { certId: string; typeId: number; validFrom: number; validUntil: number };
  return {
    issue: {
      action: "issue the certificate",
      tx: (p: Issue, from) =>
        call(
          A.ledger,
          from,
          ledgerIface.encodeFunctionData("issue", [p.certId, p.typeId, p.validFrom, p.validUntil]),
          120_000,
        ),
      group: {
        max: ISSUE_GROUP_MAX,
        tx: (ps: Issue[], from) =>
          call(
            A.ledger,
            from,
            ledgerIface.encodeFunctionData("issueMany", [
              ps.map((p) => [p.certId, p.typeId, p.validFrom, p.validUntil]),
            ]),
            60_000 + 45_000 * ps.length,
          ),
      },
      applied: (p: Issue) => (cache.singleRow(p.certId) ? {} : undefined),
    },
    anchorBatch: {
      action: "anchor the batch",
      tx: (p: { root: string; typeId: number; count: number }, from) =>
        call(A.ledger, from, ledgerIface.encodeFunctionData("anchorBatch", [p.root, p.typeId, p.count]), 200_000),
      applied: (p: { root: string }) => (cache.batchRow(p.root) ? {} : undefined),
    },
    changeStatus: {
      action: "change the certificate's status",
      tx: (p: StatusPayload, from) => {
        const ref = certRef(p.certId, p.batch);
        const data =
          p.action === "supersede"
            ? ledgerIface.encodeFunctionData("supersede", [ref, replacementRef(cache, p.replacement!), p.reason])
            : ledgerIface.encodeFunctionData(p.action, [ref, p.reason]);
        return call(A.ledger, from, data, 150_000 + 5_000 * (p.batch?.proof.length ?? 0));
      },
      applied: (p: StatusPayload) =>
        cache.overrideRow(p.batch?.root ?? ZERO_ROOT, p.certId)?.status === STATUS_TARGET[p.action] ? {} : undefined,
    },
    grant: {
      action: "store the grant",
      tx: (p: GrantPayload, from) => {
        const data = p.batch
          ? consentIface.encodeFunctionData("grantInBatchBySig", [
              grantTuple(p),
              p.documentRoot,
              batchLeaf(p.batch),
              p.signature,
            ])
          : consentIface.encodeFunctionData("grantBySig", [grantTuple(p), p.documentRoot, p.signature]);
        return call(A.consent, from, data, 400_000 + 5_000 * (p.batch?.proof.length ?? 0));
      },
      // Concurrent grants (counters answering, links shared) share one grantManyBySig. A group that
      // reverts is split by the relayer and each grant sent alone, so each caller gets its own answer
      // (docs/decisions/0010-grants-in-groups-and-link-checks.md).
      group: {
        max: GRANT_GROUP_MAX,
        tx: (ps: GrantPayload[], from) => {
          const compact = (p: GrantPayload) => {
            const sig = Signature.from(p.signature);
            return [grantTuple(p), p.documentRoot, sig.r, sig.yParityAndS];
          };
          const singles = ps.filter((p) => !p.batch).map(compact);
          const batched = ps
            .filter((p) => p.batch)
            .map((p) => {
              const [g, root, r, vs] = compact(p);
              return [g, root, batchLeaf(p.batch!), r, vs];
            });
          const proofWords = ps.reduce((n, p) => n + (p.batch?.proof.length ?? 0), 0);
          return call(
            A.consent,
            from,
            consentIface.encodeFunctionData("grantManyBySig", [singles, batched]),
            // ~63,000 gas a single grant, ~90,000 a batched one plus ~600 a proof word: a margin, kept
            // under Osaka's 16,777,216 per transaction (a group that runs out of gas is split anyway).
            Math.min(GRANT_GROUP_GAS_CAP, 80_000 + 100_000 * ps.length + 3_000 * proofWords),
          );
        },
      },
      applied: (p: GrantPayload) => (cache.grantRow(p.grantId) ? { result: { grantId: p.grantId } } : undefined),
      // grantId is the EIP-712 digest, computed exactly as the registry computes it.
      result: (p: GrantPayload) => ({ grantId: p.grantId }),
    },
    revokeGrant: {
      action: "revoke the grant",
      tx: (p: RevokeGrantRelayRequest, from) =>
        call(
          A.consent,
          from,
          consentIface.encodeFunctionData("revokeGrantBySig", [
            [p.grantId, BigInt(p.nonce), p.deadline],
            p.documentRoot,
            p.signature,
          ]),
          200_000,
        ),
      applied: (p: RevokeGrantRelayRequest) =>
        cache.grantRow(p.grantId.toLowerCase())?.revoked === 1 ? {} : undefined,
    },
    check: {
      action: "record the check",
      tx: (p: { grantId: string }, from) =>
        call(A.consent, from, consentIface.encodeFunctionData("recordCheck", [p.grantId]), 120_000),
      group: {
        max: CHECK_GROUP_MAX,
        tx: (ps: { grantId: string }[], from) =>
          call(
            A.consent,
            from,
            consentIface.encodeFunctionData("recordChecks", [ps.map((p) => p.grantId)]),
            60_000 + 40_000 * ps.length,
          ),
      },
      // A check's effect (one use) cannot be told apart from another check's: settle by tx hash.
      recordHash: true,
    },
    linkCheck: {
      action: "record the check signed by the link's key",
      tx: (p: RecordCheckRelayRequest, from) =>
        call(
          A.consent,
          from,
          consentIface.encodeFunctionData("recordCheckBySig", [[p.grantId, p.use, p.deadline], p.signature]),
          120_000,
        ),
      // As for `check`: one use looks like another, so settle by transaction hash.
      recordHash: true,
    },
    fund: {
      action: "fund the custodial key",
      tx: (p: { address: string; wei: string }, from) => ({
        from,
        to: p.address,
        data: "0x",
        gasLimit: 21_000n,
        value: BigInt(p.wei),
      }),
      applied: async (p: { address: string }) =>
        BigInt((await d.rpc("eth_getBalance", [p.address, "latest"])) as string) > 0n ? {} : undefined,
    },
    registry: {
      action: "update the authority registry",
      tx: (p: { data: string; gas?: number }, from) => call(A.registry, from, p.data, p.gas ?? 300_000),
      applied: (p: { check?: RegistryCheck }) => (p.check && registryApplied(cache, p.check, d.now()) ? {} : undefined),
    },
  };
}

type StatusPayload = {
  certId: string;
  action: keyof typeof STATUS_TARGET;
  reason: number;
  replacement?: string;
  batch?: { root: string; validFrom: number; validUntil: number; proof: string[] };
};
type GrantPayload = GrantRelayRequest & { grantId: string };

function grantTuple(p: GrantPayload) {
  const g = p.grant;
  return [g.certId, g.grantee, g.purpose, g.validUntil, g.maxUses, BigInt(g.nonce), g.deadline];
}

function batchLeaf(b: NonNullable<GrantPayload["batch"]>) {
  return [b.root, b.validFrom, b.validUntil, b.proof];
}
type RegistryCheck =
  | { type: "typeCode"; code: string }
  | { type: "agency"; address: string }
  | { type: "key"; address: string }
  | { type: "accredited"; agencyId: number; typeId: number; yes: boolean }
  | { type: "retired"; keyId: number }
  | { type: "typeInactive"; typeId: number };

function registryApplied(cache: IndexCache, c: RegistryCheck, now: number): boolean {
  switch (c.type) {
    case "typeCode":
      return cache.typeIdByCode(c.code) !== undefined;
    case "agency":
      return cache.agencyIdOf(c.address) !== undefined;
    case "key":
      return cache.keyIdOf(c.address) !== undefined;
    case "accredited": {
      const a = cache.accreditationRow(c.agencyId, c.typeId);
      const on = !!a && a.from_at <= now && now < a.until_at;
      return on === c.yes;
    }
    case "retired": {
      const k = cache.keyRow(c.keyId);
      return !!k && k.valid_until <= now;
    }
    case "typeInactive":
      return cache.typeRow(c.typeId)?.active === 0;
  }
}

function replacementRef(cache: IndexCache, certId: string) {
  if (cache.singleRow(certId.toLowerCase())) return certRef(certId);
  // A replacement inside a batch would need its proof, which the request does not carry.
  throw badRequest(
    "REPLACEMENT_NOT_SINGLE",
    "The replacement certificate must be issued singly (a batched one would need its Merkle proof).",
  );
}

export class EngineChainWriter implements ChainWriter {
  constructor(private readonly d: ChainWriterDeps) {}

  private receipt(o: { txHash: string; blockNumber: number }): TxReceiptView {
    return { txHash: o.txHash as Address, blockNumber: o.blockNumber };
  }

  async issue(req: IssueRequest): Promise<TxReceiptView> {
    return this.receipt(
      await this.d.relayer.execute("issue", req.outboxKey, req.issuerKey, {
        certId: req.certId.toLowerCase(),
        typeId: req.typeId,
        validFrom: req.validFrom,
        validUntil: req.validUntil,
      }),
    );
  }

  async anchorBatch(req: BatchAnchorRequest): Promise<TxReceiptView> {
    const root = req.root.toLowerCase();
    // The leaves are the gateway's knowledge (the chain holds the root only): store them first.
    const rows = req.members.map((m) => ({
      root,
      cert_id: m.certId.toLowerCase(),
      valid_from: m.validFrom,
      valid_until: m.validUntil,
    }));
    // Stay under each engine's bound-parameter limit (4 per row).
    const chunk = this.d.dialect === "postgres" ? 5_000 : 2_000;
    await this.d.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += chunk) {
        await trx
          .insertInto("batch_members")
          .values(rows.slice(i, i + chunk))
          .onConflict((oc) => oc.columns(["root", "cert_id"]).doNothing())
          .execute();
      }
    });
    this.d.cache.addMembers(root, req.members);
    return this.receipt(
      await this.d.relayer.execute("anchorBatch", req.outboxKey, req.issuerKey, {
        root,
        typeId: req.typeId,
        count: req.count,
      }),
    );
  }

  async changeStatus(req: StatusChangeRequest): Promise<TxReceiptView> {
    const payload: StatusPayload = {
      certId: req.certId.toLowerCase(),
      action: req.action,
      reason: req.reason,
      ...(req.replacement ? { replacement: req.replacement.toLowerCase() } : {}),
      ...(req.batch ? { batch: req.batch } : {}),
    };
    if (req.action === "supersede") {
      if (!req.replacement)
        throw badRequest("REPLACEMENT_REQUIRED", "Superseding needs the replacement certificate's certId.");
      replacementRef(this.d.cache, req.replacement);
    }
    return this.receipt(await this.d.relayer.execute("changeStatus", req.outboxKey, req.issuerKey, payload));
  }

  /** The grant id the ConsentRegistry will assign: the EIP-712 digest of the Grant. */
  grantIdOf(grant: GrantRelayRequest["grant"]): Bytes32 {
    // The document library's digest (cached domain separator, precomputed type hash): ~10 times cheaper
    // than ethers' TypedDataEncoder, which was a tenth of the gateway's CPU per relayed grant.
    return computeGrantId(consentDomain(this.d.chainId, this.d.addresses.consent), {
      ...grant,
      validUntil: BigInt(grant.validUntil),
      nonce: BigInt(grant.nonce),
      deadline: BigInt(grant.deadline),
    }).toLowerCase() as Bytes32;
  }

  async relayGrant(req: GrantRelayRequest): Promise<TxReceiptView & { grantId: Bytes32 }> {
    const grantId = this.grantIdOf(req.grant);
    const o = await this.d.relayer.execute("grant", `grant:${grantId}`, this.d.relayerAddress, { ...req, grantId });
    return {
      ...this.receipt(o),
      grantId: ((o.result as { grantId?: string } | undefined)?.grantId ?? grantId) as Bytes32,
    };
  }

  async relayRevokeGrant(req: RevokeGrantRelayRequest): Promise<TxReceiptView> {
    return this.receipt(
      await this.d.relayer.execute(
        "revokeGrant",
        `revokeGrant:${req.grantId.toLowerCase()}:${req.nonce}`,
        this.d.relayerAddress,
        {
          ...req,
          grantId: req.grantId.toLowerCase(),
        },
      ),
    );
  }

  async recordCheck(req: { verifier: Address; grantId: Bytes32; outboxKey: string }): Promise<TxReceiptView> {
    return this.receipt(
      await this.d.relayer.execute("check", req.outboxKey, req.verifier, { grantId: req.grantId.toLowerCase() }),
    );
  }

  async relayRecordCheck(req: RecordCheckRelayRequest): Promise<TxReceiptView> {
    const grantId = req.grantId.toLowerCase();
    // One signed check is one outbox row; two signatures naming the same use are two rows (one will fail).
    const key = `linkCheck:${grantId}:${req.use}:${keccak256(req.signature).slice(2, 18)}`;
    return this.receipt(
      await this.d.relayer.execute("linkCheck", key, this.d.relayerAddress, { ...req, grantId: grantId as Bytes32 }),
    );
  }

  /** Gives a new custodial key gas money (no-op when funding is off or the key has some). */
  async fund(address: string): Promise<void> {
    if (this.d.fundingWei === 0n) return;
    await this.d.relayer.execute("fund", `fund:${address.toLowerCase()}`, this.d.relayerAddress, {
      address: address.toLowerCase(),
      wei: this.d.fundingWei.toString(),
    });
  }

  private registry(dedupKey: string, data: string, check?: RegistryCheck) {
    return this.d.relayer
      .execute("registry", dedupKey, this.d.authorityAddress, { data, ...(check ? { check } : {}) })
      .then((o) => this.receipt(o));
  }

  private uniqueKey(what: string): string {
    return `${what}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
  }

  async registerType(req: {
    typeId: number;
    code: string;
    name: string;
    schemaHash: Bytes32;
    maxValiditySeconds: number;
  }): Promise<TxReceiptView> {
    await this.d.db
      .insertInto("type_labels")
      .values({ code: req.code, name: req.name })
      .onConflict((oc) => oc.column("code").doUpdateSet({ name: req.name }))
      .execute();
    this.d.cache.setTypeLabel(req.code, req.name);
    const max = req.maxValiditySeconds > 0 ? Math.min(req.maxValiditySeconds, UINT40_MAX) : UINT40_MAX;
    return this.registry(
      `registerType:${req.code}`,
      registryIface.encodeFunctionData("registerType", [req.code, req.schemaHash, max]),
      {
        type: "typeCode",
        code: req.code,
      },
    );
  }

  async updateType(req: {
    typeId: number;
    name?: string;
    schemaHash?: Bytes32;
    maxValiditySeconds?: number;
  }): Promise<TxReceiptView> {
    const t = this.d.cache.typeRow(req.typeId);
    if (!t) throw notFound("TYPE_NOT_FOUND", `No certificate type ${req.typeId}.`);
    if (req.name !== undefined) {
      await this.d.db
        .insertInto("type_labels")
        .values({ code: t.name, name: req.name })
        .onConflict((oc) => oc.column("code").doUpdateSet({ name: req.name! }))
        .execute();
      this.d.cache.setTypeLabel(t.name, req.name);
    }
    const max =
      req.maxValiditySeconds === undefined
        ? Number(t.max_validity)
        : req.maxValiditySeconds > 0
          ? req.maxValiditySeconds
          : UINT40_MAX;
    return this.registry(
      this.uniqueKey(`updateType:${req.typeId}`),
      registryIface.encodeFunctionData("updateType", [req.typeId, t.name, req.schemaHash ?? t.schema_hash, max]),
    );
  }

  async deactivateType(req: { typeId: number }): Promise<TxReceiptView> {
    return this.registry(
      `deactivateType:${req.typeId}`,
      registryIface.encodeFunctionData("deactivateType", [req.typeId]),
      {
        type: "typeInactive",
        typeId: req.typeId,
      },
    );
  }

  async registerAgency(req: { agency: Address; name: string }): Promise<TxReceiptView> {
    const address = req.agency.toLowerCase();
    const nameHash = keccak256(toUtf8Bytes(req.name)).toLowerCase();
    await this.d.db
      .insertInto("agency_accounts")
      .values({ address, name: req.name, name_hash: nameHash })
      .onConflict((oc) => oc.column("address").doNothing())
      .execute();
    this.d.cache.setAgencyAccount(address, req.name, nameHash);
    return this.registry(`registerAgency:${address}`, registryIface.encodeFunctionData("registerAgency", [nameHash]), {
      type: "agency",
      address,
    });
  }

  private agencyId(agency: string): number {
    const id = this.d.cache.agencyIdOf(agency);
    if (id === undefined) throw notFound("AGENCY_NOT_FOUND", `No agency ${agency} is registered on chain.`);
    return id;
  }

  async accredit(req: { agency: Address; typeId: number }): Promise<TxReceiptView> {
    const agencyId = this.agencyId(req.agency);
    const from = this.d.now() - 1;
    return this.registry(
      this.uniqueKey(`accredit:${agencyId}:${req.typeId}`),
      registryIface.encodeFunctionData("accredit", [agencyId, req.typeId, from, UINT40_MAX]),
      { type: "accredited", agencyId, typeId: req.typeId, yes: true },
    );
  }

  async withdrawAccreditation(req: { agency: Address; typeId: number }): Promise<TxReceiptView> {
    const agencyId = this.agencyId(req.agency);
    return this.registry(
      this.uniqueKey(`withdraw:${agencyId}:${req.typeId}`),
      registryIface.encodeFunctionData("withdrawAccreditation", [agencyId, req.typeId]),
      { type: "accredited", agencyId, typeId: req.typeId, yes: false },
    );
  }

  async addSigningKey(req: {
    agency: Address;
    key: Address;
    validFrom: number;
    validUntil: number;
  }): Promise<TxReceiptView> {
    const agencyId = this.agencyId(req.agency);
    const key = req.key.toLowerCase();
    const r = await this.registry(
      `addKey:${key}`,
      registryIface.encodeFunctionData("addKey", [
        agencyId,
        key,
        req.validFrom,
        req.validUntil > 0 ? req.validUntil : UINT40_MAX,
      ]),
      { type: "key", address: key },
    );
    await this.fund(key);
    return r;
  }

  async retireSigningKey(req: { agency: Address; key: Address; at: number }): Promise<TxReceiptView> {
    const keyId = this.d.cache.keyIdOf(req.key);
    if (keyId === undefined) throw notFound("KEY_NOT_FOUND", `No signing key ${req.key} is registered.`);
    return this.registry(`retireKey:${keyId}`, registryIface.encodeFunctionData("retireKey", [keyId]), {
      type: "retired",
      keyId,
    });
  }

  async registerVerifier(req: { verifier: Address; name: string }): Promise<TxReceiptView> {
    const verifier = req.verifier.toLowerCase();
    await this.d.db
      .insertInto("verifiers")
      .values({ verifier, name: req.name, active: 1, created_at: this.d.now() })
      .onConflict((oc) => oc.column("verifier").doUpdateSet({ name: req.name, active: 1 }))
      .execute();
    this.d.cache.setVerifier(verifier, req.name, true);
    await this.fund(verifier);
    const head = Number(BigInt((await this.d.rpc("eth_blockNumber")) as string));
    return { txHash: ZERO_ROOT as Address, blockNumber: head };
  }

  info() {
    return {
      chainId: this.d.chainId,
      ledger: this.d.addresses.ledger as Address,
      consent: this.d.addresses.consent as Address,
      registry: this.d.addresses.registry as Address,
    };
  }
}
