/**
 * The domain's `ChainWriter`, over the relayer. Which key signs and sends what:
 *   - the relayer key sends every ledger write as its by-signature form (issueBySig, issueManyBySig,
 *     anchorBatchBySig, revokeBySig, ...): the agency key signed the EIP-712 message, either the agency
 *     itself (external custody: the payload carries the signature) or the gateway with the agency's
 *     custodial key as the work is sent (custodial custody; a key's queued issues share one IssueMany).
 *     One write path for both modes; the relayer pays and has no role on chain.
 *   - the relayer key also sends holders' signed grants (grouped into grantManyBySig) and grant
 *     revocations, checks signed by a share link's key (recordCheckBySig), and funds new custodial keys
 *   - verifier keys: recordCheck (grouped into recordChecks)
 *   - the authority key: the registry's admin calls (custodial), or the authority's own signed
 *     transactions, passed on as they are (external custody: relayAuthorityTransaction)
 *
 * Identity mapping (the registry numbers agencies, types and keys; the domain speaks addresses and codes):
 *   - an agency's nameHash on chain is keccak256(utf8(name)); the gateway's agency address and name are
 *     stored (agency_accounts) BEFORE the registration is sent, so the indexer joins them by nameHash.
 *   - a type's on-chain name is its code (e.g. "resident-id-card"); its display name is stored off chain.
 *   - open-ended windows (validUntil 0 in the domain) are uint40 max on chain.
 *   - verifiers are not on chain (a grant names any address): registerVerifier stores them and funds the key.
 */
import { Signature, Transaction, keccak256, toUtf8Bytes, type SigningKey } from "ethers";
import type { Kysely } from "kysely";
import { badRequest, notFound } from "../domain/errors";
import type {
  Address,
  BatchAnchorRequest,
  Bytes32,
  ChainWriter,
  DelegateGrantRelayRequest,
  DelegationRelayRequest,
  DelegationTerms,
  DelegationView,
  GrantRelayRequest,
  IssueManyRequest,
  IssueRequest,
  IssuerDelegationRequest,
  RecordCheckRelayRequest,
  RevokeDelegationRelayRequest,
  RevokeGrantRelayRequest,
  SignedWrite,
  StatusChangeRequest,
  TxReceiptView,
} from "../domain/ports";
import { computeDelegationId, computeGrantId } from "../document/grant";
import { hashAnchorBatch, hashIssue, hashIssueMany, hashStatusChange } from "../document/ledgerDigest";
import { LEDGER_STATUS_OF_ACTION, consentDomain, ledgerDomain } from "../document/typedData";
import type { IndexCache } from "../indexer/indexCache";
import type { Database } from "../store/schema";
import { ZERO_ROOT } from "../store/schema";
import { UINT40_MAX, consentIface, ledgerIface, registryIface, type ContractAddresses } from "./contracts";
import { encodeGrantManyBySig, encodeRecordChecks, type GrantRequestWords } from "./grantCalldata";
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
  /**
   * The custodial key of an agency signing key, to sign the ledger's EIP-712 messages for it (custodial
   * custody); throws under external custody, where every ledger write arrives signed.
   */
  agencySigner: (address: string) => SigningKey;
  now: () => number;
  dialect: "sqlite" | "postgres";
  /** Draws each new certificate's random status list indices before its issuance is sent. */
  statusLists?: { allocate(agency: string, certs: { certId: string; batchRoot?: string }[]): Promise<unknown> };
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
  const domain = ledgerDomain(d.chainId, A.ledger);
  // Every ledger write is a by-signature call sent by the relayer, which pays and has no role on chain.
  // Custodial: the gateway signs the message with the agency's custodial key as the work is sent.
  // External: the agency signed it; the payload carries its signature.
  const byRelayer = (data: string, gas: number) => call(A.ledger, d.relayerAddress, data, gas);
  const custodialSign = (signer: string, digestOf: (deadline: number) => string): SignedTuple => {
    const deadline = d.now() + CUSTODIAL_DEADLINE_SECONDS;
    return [signer, deadline, d.agencySigner(signer).sign(digestOf(deadline)).serialized];
  };
  const tuple = (s: SignedWrite): SignedTuple => [s.signer, s.deadline, s.signature];
  const req = (p: Issue) => [p.certId, p.typeId, p.validFrom, p.validUntil];
  // The holder's signed revocations (RevokeGrant, RevokeDelegation): (id, nonce, deadline), documentRoot, signature.
  const revocationBySig = (
    fn: "revokeGrantBySig" | "revokeDelegationBySig",
    id: string,
    p: { nonce: string; deadline: number; documentRoot: string; signature: string },
    from: string,
  ) =>
    call(
      A.consent,
      from,
      consentIface.encodeFunctionData(fn, [[id, BigInt(p.nonce), p.deadline], p.documentRoot, p.signature]),
      200_000,
    );
  return {
    issue: {
      action: "issue the certificate",
      tx: (p: Issue & { signed?: SignedWrite }, sender) =>
        byRelayer(
          ledgerIface.encodeFunctionData("issueBySig", [
            ...req(p),
            p.signed ? tuple(p.signed) : custodialSign(sender, (deadline) => hashIssue(domain, { ...p, deadline })),
          ]),
          150_000,
        ),
      // Custodial issues of one key share a transaction, signed as one IssueMany. (Issues the agency
      // signed one by one are sent alone: a group would need the agency's signature over the group.)
      group: {
        max: ISSUE_GROUP_MAX,
        tx: (ps: Issue[], sender) =>
          byRelayer(
            ledgerIface.encodeFunctionData("issueManyBySig", [
              ps.map(req),
              custodialSign(sender, (deadline) => hashIssueMany(domain, { requests: ps.map(issueRequest), deadline })),
            ]),
            80_000 + 45_000 * ps.length,
          ),
      },
      applied: async (p: Issue) => ((await cache.singleRow(p.certId)) ? {} : undefined),
    },
    issueSigned: {
      action: "issue the certificate",
      tx: (p: Issue & { signed: SignedWrite }) =>
        byRelayer(ledgerIface.encodeFunctionData("issueBySig", [...req(p), tuple(p.signed)]), 150_000),
      applied: async (p: Issue) => ((await cache.singleRow(p.certId)) ? {} : undefined),
    },
    issueMany: {
      action: "issue the certificates",
      tx: (p: { requests: Issue[]; signed: SignedWrite }) =>
        byRelayer(
          ledgerIface.encodeFunctionData("issueManyBySig", [p.requests.map(req), tuple(p.signed)]),
          80_000 + 45_000 * p.requests.length,
        ),
      applied: async (p: { requests: Issue[] }) =>
        (await Promise.all(p.requests.map((r) => cache.singleRow(r.certId)))).every(Boolean) ? {} : undefined,
    },
    anchorBatch: {
      action: "anchor the batch",
      tx: (p: { root: string; typeId: number; count: number; signed?: SignedWrite }, sender) =>
        byRelayer(
          ledgerIface.encodeFunctionData("anchorBatchBySig", [
            p.root,
            p.typeId,
            p.count,
            p.signed
              ? tuple(p.signed)
              : custodialSign(sender, (deadline) =>
                  hashAnchorBatch(domain, { root: p.root, typeId: p.typeId, count: p.count, deadline }),
                ),
          ]),
          200_000,
        ),
      applied: (p: { root: string }) => (cache.batchRow(p.root) ? {} : undefined),
    },
    changeStatus: {
      action: "change the certificate's status",
      tx: (p: StatusPayload, sender) => {
        const ref = certRef(p.certId, p.batch);
        const signed = p.signed
          ? tuple(p.signed)
          : custodialSign(sender, (deadline) =>
              hashStatusChange(domain, {
                certId: p.certId,
                batchRoot: p.batch?.root ?? ZERO_ROOT,
                status: LEDGER_STATUS_OF_ACTION[p.action],
                reason: p.reason,
                replacementCertId: p.replacement ?? ZERO_ROOT,
                replacementBatchRoot: ZERO_ROOT,
                nonce: p.nonce,
                deadline,
              }),
            );
        const data =
          p.action === "supersede"
            ? ledgerIface.encodeFunctionData("supersedeBySig", [
                ref,
                certRef(p.replacement!),
                p.reason,
                p.nonce,
                signed,
              ])
            : ledgerIface.encodeFunctionData(`${p.action}BySig`, [ref, p.reason, p.nonce, signed]);
        return byRelayer(data, 180_000 + 5_000 * (p.batch?.proof.length ?? 0));
      },
      applied: async (p: StatusPayload) =>
        (await cache.overrideRow(p.batch?.root ?? ZERO_ROOT, p.certId))?.status === STATUS_TARGET[p.action]
          ? {}
          : undefined,
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
          const request = (p: GrantPayload): GrantRequestWords => {
            const sig = Signature.from(p.signature);
            const g = p.grant;
            return {
              grant: { ...g, nonce: BigInt(g.nonce) },
              documentRoot: p.documentRoot,
              r: sig.r,
              vs: sig.yParityAndS,
            };
          };
          const singles = ps.filter((p) => !p.batch).map(request);
          const batched = ps
            .filter((p) => p.batch)
            .map((p) => {
              const { root, validFrom, validUntil, proof } = p.batch!;
              return { ...request(p), leaf: { batchRoot: root, validFrom, validUntil, proof } };
            });
          const proofWords = ps.reduce((n, p) => n + (p.batch?.proof.length ?? 0), 0);
          return call(
            A.consent,
            from,
            encodeGrantManyBySig(singles, batched),
            // ~63,000 gas a single grant, ~90,000 a batched one plus ~600 a proof word: a margin, kept
            // under Osaka's 16,777,216 per transaction (a group that runs out of gas is split anyway).
            Math.min(GRANT_GROUP_GAS_CAP, 80_000 + 100_000 * ps.length + 3_000 * proofWords),
          );
        },
      },
      applied: async (p: GrantPayload) =>
        (await cache.grantRow(p.grantId)) ? { result: { grantId: p.grantId } } : undefined,
      // grantId is the EIP-712 digest, computed exactly as the registry computes it.
      result: (p: GrantPayload) => ({ grantId: p.grantId }),
    },
    revokeGrant: {
      action: "revoke the grant",
      tx: (p: RevokeGrantRelayRequest, from) => revocationBySig("revokeGrantBySig", p.grantId, p, from),
      applied: async (p: RevokeGrantRelayRequest) =>
        (await cache.grantRow(p.grantId.toLowerCase()))?.revoked === 1 ? {} : undefined,
    },
    delegate: {
      action: "store the delegation",
      tx: (p: DelegationPayload, from) => {
        const data = p.batch
          ? consentIface.encodeFunctionData("delegateInBatchBySig", [
              delegationTuple(p.delegation),
              p.documentRoot,
              batchLeaf(p.batch),
              p.signature,
            ])
          : consentIface.encodeFunctionData("delegateBySig", [
              delegationTuple(p.delegation),
              p.documentRoot,
              p.signature,
            ]);
        return call(A.consent, from, data, 250_000 + 5_000 * (p.batch?.proof.length ?? 0));
      },
      applied: async (p: DelegationPayload) =>
        (await readDelegation(d.rpc, A.consent, p.delegationId))
          ? { result: { delegationId: p.delegationId } }
          : undefined,
      // delegationId is the EIP-712 digest, computed exactly as the registry computes it.
      result: (p: DelegationPayload) => ({ delegationId: p.delegationId }),
    },
    // The issuing agency names a guardian: its custodial key signs the Delegation's EIP-712 digest (the
    // delegationId itself) as the work is sent, unless the agency signed it itself (external custody);
    // the relayer pays. A batch member's goes with its leaf and proof.
    delegateByIssuer: {
      action: "store the delegation the issuing agency named",
      tx: (p: IssuerDelegationPayload) => {
        const signature = p.signature ?? d.agencySigner(p.issuerKey).sign(p.delegationId).serialized;
        const data = p.batch
          ? consentIface.encodeFunctionData("delegateInBatchByIssuerSig", [
              delegationTuple(p.delegation),
              batchLeaf(p.batch),
              p.issuerKey,
              signature,
            ])
          : consentIface.encodeFunctionData("delegateByIssuerSig", [
              delegationTuple(p.delegation),
              p.issuerKey,
              signature,
            ]);
        return call(A.consent, d.relayerAddress, data, 250_000 + 5_000 * (p.batch?.proof.length ?? 0));
      },
      applied: async (p: IssuerDelegationPayload) =>
        (await readDelegation(d.rpc, A.consent, p.delegationId))
          ? { result: { delegationId: p.delegationId } }
          : undefined,
      result: (p: IssuerDelegationPayload) => ({ delegationId: p.delegationId }),
    },
    revokeDelegation: {
      action: "revoke the delegation",
      tx: (p: RevokeDelegationRelayRequest, from) => revocationBySig("revokeDelegationBySig", p.delegationId, p, from),
      applied: async (p: RevokeDelegationRelayRequest) =>
        (await readDelegation(d.rpc, A.consent, p.delegationId))?.revoked ? {} : undefined,
    },
    delegateGrant: {
      action: "store the grant signed by the delegate",
      tx: (p: DelegateGrantPayload, from) =>
        call(
          A.consent,
          from,
          consentIface.encodeFunctionData("grantByDelegateSig", [
            grantTuple(p),
            delegationTuple(p.delegation),
            p.signature,
          ]),
          300_000,
        ),
      applied: async (p: DelegateGrantPayload) =>
        (await cache.grantRow(p.grantId)) ? { result: { grantId: p.grantId } } : undefined,
      result: (p: DelegateGrantPayload) => ({ grantId: p.grantId }),
    },
    check: {
      action: "record the check",
      tx: (p: { grantId: string }, from) =>
        call(A.consent, from, consentIface.encodeFunctionData("recordCheck", [p.grantId]), 120_000),
      group: {
        max: CHECK_GROUP_MAX,
        tx: (ps: { grantId: string }[], from) =>
          call(A.consent, from, encodeRecordChecks(ps.map((p) => p.grantId)), 60_000 + 40_000 * ps.length),
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
    authorityTx: {
      action: "apply the authority's registry transaction",
      tx: (p: { raw: string; from: string; data: string; gas: string }) => ({
        from: p.from,
        to: A.registry,
        data: p.data,
        gasLimit: BigInt(p.gas),
        raw: p.raw,
      }),
      // Its effect may be anything the registry does: settle by the transaction's own receipt.
      recordHash: true,
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
  /** The certificate's status nonce the signature carries. */
  nonce: number;
  signed?: SignedWrite;
};
/** The ledger's SignedWrite struct: signer, deadline, signature. */
type SignedTuple = [string, number, string];

/** How long a signature the custodial gateway makes for itself may wait in the outbox. */
const CUSTODIAL_DEADLINE_SECONDS = 3600;

const issueRequest = (p: { certId: string; typeId: number; validFrom: number; validUntil: number }) => ({
  certId: p.certId,
  typeId: p.typeId,
  validFrom: p.validFrom,
  validUntil: p.validUntil,
});
type GrantPayload = GrantRelayRequest & { grantId: string };
type DelegationPayload = DelegationRelayRequest & { delegationId: string };
type IssuerDelegationPayload = Pick<IssuerDelegationRequest, "delegation" | "batch" | "signature"> & {
  issuerKey: string;
  delegationId: string;
};
type DelegateGrantPayload = DelegateGrantRelayRequest & { grantId: string };

function delegationTuple(t: DelegationTerms) {
  return [t.certId, t.delegate, t.purpose, t.verifier, t.online, t.validUntil, BigInt(t.nonce), t.deadline];
}

/** The registry's `getDelegation` view; undefined when no delegation has this id. */
async function readDelegation(rpc: Rpc, consent: string, delegationId: string): Promise<DelegationView | undefined> {
  const out = (await rpc("eth_call", [
    { to: consent, data: consentIface.encodeFunctionData("getDelegation", [delegationId]) },
    "latest",
  ])) as string;
  const s = consentIface.decodeFunctionResult("getDelegation", out)[0];
  if (BigInt(s.delegate) === 0n) return undefined;
  return {
    delegationId: delegationId.toLowerCase() as Bytes32,
    certId: String(s.certId).toLowerCase() as Bytes32,
    delegate: String(s.delegate).toLowerCase() as Address,
    validUntil: Number(s.validUntil),
    online: Boolean(s.online),
    revoked: Boolean(s.revoked),
  };
}

function grantTuple(p: { grant: GrantRelayRequest["grant"] }) {
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
  | { type: "retired"; keyId: number; at?: number } // journal entries before retireKeyAt carry no `at`: now
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
      return !!k && k.valid_until <= (c.at ?? now);
    }
    case "typeInactive":
      return cache.typeRow(c.typeId)?.active === 0;
  }
}

/** Refuses a replacement that is not issued singly (checked before the change is sent). */
async function requireSingleReplacement(cache: IndexCache, certId: string): Promise<void> {
  if (await cache.singleRow(certId.toLowerCase())) return;
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
    await this.d.statusLists?.allocate(req.agency, [{ certId: req.certId }]);
    const p = {
      certId: req.certId.toLowerCase(),
      typeId: req.typeId,
      validFrom: req.validFrom,
      validUntil: req.validUntil,
    };
    // Outbox rows are keyed by the signing key: the relayer groups a custodial key's issues.
    return this.receipt(
      req.signed
        ? await this.d.relayer.execute("issueSigned", req.outboxKey, this.d.relayerAddress, {
            ...p,
            signed: req.signed,
          })
        : await this.d.relayer.execute("issue", req.outboxKey, req.issuerKey, p),
    );
  }

  async issueMany(req: IssueManyRequest): Promise<TxReceiptView> {
    await this.d.statusLists?.allocate(req.agency, req.requests);
    return this.receipt(
      await this.d.relayer.execute("issueMany", req.outboxKey, this.d.relayerAddress, {
        requests: req.requests.map((r) => ({ ...issueRequest(r), certId: r.certId.toLowerCase() })),
        signed: req.signed,
      }),
    );
  }

  async statusNonce(certId: Bytes32, batchRoot: Bytes32 = ZERO_ROOT as Bytes32): Promise<number> {
    const out = (await this.d.rpc("eth_call", [
      { to: this.d.addresses.ledger, data: ledgerIface.encodeFunctionData("statusNonce", [certId, batchRoot]) },
      "latest",
    ])) as string;
    return Number(ledgerIface.decodeFunctionResult("statusNonce", out)[0]);
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
    await this.d.statusLists?.allocate(
      req.agency,
      req.members.map((m) => ({ certId: m.certId, batchRoot: root })),
    );
    return this.receipt(
      await this.d.relayer.execute(
        "anchorBatch",
        req.outboxKey,
        req.issuerKey,
        {
          root,
          typeId: req.typeId,
          count: req.count,
          ...(req.signed ? { signed: req.signed } : {}),
        },
        { untilLanded: req.untilLanded },
      ),
    );
  }

  async changeStatus(req: StatusChangeRequest): Promise<TxReceiptView> {
    const certId = req.certId.toLowerCase() as Bytes32;
    const payload: StatusPayload = {
      certId,
      action: req.action,
      reason: req.reason,
      ...(req.replacement ? { replacement: req.replacement.toLowerCase() } : {}),
      ...(req.batch ? { batch: req.batch } : {}),
      nonce: req.signed?.nonce ?? (await this.statusNonce(certId, (req.batch?.root ?? ZERO_ROOT) as Bytes32)),
      ...(req.signed
        ? { signed: { signer: req.signed.signer, deadline: req.signed.deadline, signature: req.signed.signature } }
        : {}),
    };
    if (req.action === "supersede") {
      if (!req.replacement)
        throw badRequest("REPLACEMENT_REQUIRED", "Superseding needs the replacement certificate's certId.");
      await requireSingleReplacement(this.d.cache, req.replacement);
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

  private delegationIdOf(t: DelegationTerms): Bytes32 {
    return computeDelegationId(consentDomain(this.d.chainId, this.d.addresses.consent), {
      ...t,
      validUntil: BigInt(t.validUntil),
      nonce: BigInt(t.nonce),
      deadline: BigInt(t.deadline),
    }).toLowerCase() as Bytes32;
  }

  async relayDelegation(req: DelegationRelayRequest): Promise<TxReceiptView & { delegationId: Bytes32 }> {
    const delegationId = this.delegationIdOf(req.delegation);
    const o = await this.d.relayer.execute("delegate", `delegate:${delegationId}`, this.d.relayerAddress, {
      ...req,
      delegationId,
    });
    return { ...this.receipt(o), delegationId };
  }

  async delegateByIssuer(req: IssuerDelegationRequest): Promise<TxReceiptView & { delegationId: Bytes32 }> {
    const delegationId = this.delegationIdOf(req.delegation);
    const o = await this.d.relayer.execute(
      "delegateByIssuer",
      req.outboxKey,
      this.d.relayerAddress,
      {
        issuerKey: req.issuerKey.toLowerCase(),
        delegation: req.delegation,
        delegationId,
        ...(req.batch ? { batch: req.batch } : {}),
        ...(req.signature ? { signature: req.signature } : {}),
      } satisfies IssuerDelegationPayload,
      { untilLanded: req.untilLanded },
    );
    return { ...this.receipt(o), delegationId };
  }

  async relayRevokeDelegation(req: RevokeDelegationRelayRequest): Promise<TxReceiptView> {
    const delegationId = req.delegationId.toLowerCase();
    return this.receipt(
      await this.d.relayer.execute(
        "revokeDelegation",
        `revokeDelegation:${delegationId}:${req.nonce}`,
        this.d.relayerAddress,
        { ...req, delegationId },
      ),
    );
  }

  async relayDelegateGrant(req: DelegateGrantRelayRequest): Promise<TxReceiptView & { grantId: Bytes32 }> {
    const grantId = this.grantIdOf(req.grant);
    const o = await this.d.relayer.execute("delegateGrant", `grant:${grantId}`, this.d.relayerAddress, {
      ...req,
      grantId,
    });
    return { ...this.receipt(o), grantId };
  }

  delegation(delegationId: Bytes32): Promise<DelegationView | undefined> {
    return readDelegation(this.d.rpc, this.d.addresses.consent, delegationId);
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
    return this.registry(
      `retireKeyAt:${keyId}:${req.at}`,
      registryIface.encodeFunctionData("retireKeyAt", [keyId, req.at]),
      { type: "retired", keyId, at: req.at },
    );
  }

  /**
   * Passes on a registry transaction the authority signed with its own key. Only transactions to this
   * registry on this chain are taken (the gateway is no general-purpose relay); the chain decides whether
   * the signer may do it. A registerAgency may carry the agency's name, stored first so that the index
   * shows it (and gives the agency the address it is known by here).
   */
  async relayAuthorityTransaction(req: {
    rawTransaction: string;
    agency?: { address: Address; name: string };
  }): Promise<TxReceiptView & { from: Address; function: string }> {
    let tx: Transaction;
    try {
      tx = Transaction.from(req.rawTransaction);
    } catch (e) {
      throw badRequest("TRANSACTION_MALFORMED", `Not a signed Ethereum transaction: ${(e as Error).message}`);
    }
    if (!tx.isSigned() || !tx.from) throw badRequest("TRANSACTION_UNSIGNED", "The transaction is not signed.");
    if (tx.chainId !== BigInt(this.d.chainId))
      throw badRequest("TRANSACTION_WRONG_CHAIN", `The transaction is for chain ${tx.chainId}, not ${this.d.chainId}.`);
    const fn = tx.to?.toLowerCase() === this.d.addresses.registry ? registryIface.parseTransaction(tx) : null;
    if (!fn)
      throw badRequest(
        "TRANSACTION_NOT_FOR_REGISTRY",
        `Only calls to the AuthorityRegistry at ${this.d.addresses.registry} are passed on.`,
      );
    if (req.agency) {
      const nameHash = keccak256(toUtf8Bytes(req.agency.name)).toLowerCase();
      if (fn.name !== "registerAgency" || String(fn.args[0]).toLowerCase() !== nameHash)
        throw badRequest(
          "AGENCY_NAME_MISMATCH",
          "`agency` goes with a registerAgency call whose nameHash is keccak256 of the agency's name.",
        );
      const address = req.agency.address.toLowerCase();
      await this.d.db
        .insertInto("agency_accounts")
        .values({ address, name: req.agency.name, name_hash: nameHash })
        .onConflict((oc) => oc.column("address").doNothing())
        .execute();
      this.d.cache.setAgencyAccount(address, req.agency.name, nameHash);
    }
    const from = tx.from.toLowerCase() as Address;
    const o = await this.d.relayer.execute("authorityTx", `authorityTx:${tx.hash}`, from, {
      raw: req.rawTransaction,
      from,
      data: tx.data,
      gas: tx.gasLimit.toString(),
    });
    return { ...this.receipt(o), from, function: fn.name };
  }

  async authorityTransactionParameters(req: { from: Address; agency?: Address; key?: Address }) {
    const nonce = Number(BigInt((await this.d.rpc("eth_getTransactionCount", [req.from, "pending"])) as string));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const block = (await this.d.rpc("eth_getBlockByNumber", ["latest", false])) as any;
    const base = BigInt(block?.baseFeePerGas ?? "0x0");
    const tip = 1_000_000_000n;
    const agencyId = req.agency ? this.d.cache.agencyIdOf(req.agency) : undefined;
    const keyId = req.key ? this.d.cache.keyIdOf(req.key) : undefined;
    if (req.agency && agencyId === undefined)
      throw notFound("AGENCY_NOT_FOUND", `No agency ${req.agency} is registered on chain.`);
    if (req.key && keyId === undefined) throw notFound("KEY_NOT_FOUND", `No signing key ${req.key} is registered.`);
    return {
      chainId: this.d.chainId,
      registry: this.d.addresses.registry as Address,
      nonce,
      maxFeePerGas: (base * 2n + tip).toString(),
      maxPriorityFeePerGas: tip.toString(),
      ...(agencyId !== undefined ? { agencyId } : {}),
      ...(keyId !== undefined ? { keyId } : {}),
    };
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
