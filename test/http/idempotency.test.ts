/**
 * An Idempotency-Key is bound to its principal, route and request on every write route of /openapi.json:
 * the same key with the same request answers the first answer again (Idempotent-Replayed: true) and does
 * nothing more; the same key with another request is refused with 409 IDEMPOTENCY_KEY_REUSED and does
 * nothing at all (no outbox row, no block, and the state the other request would have changed is as it
 * was). On SQLite and on PostgreSQL.
 */
import { expect } from "chai";
import { sampleFields } from "../../src/domain/catalog";
import { Wallet, getBytes } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { UINT40_MAX } from "../../src/chain/contracts";
import { STATUS_REASONS } from "../../src/domain/reasons";
import {
  LEDGER_STATUS_OF_ACTION,
  base64url,
  buildBatch,
  publicKeyToJwk,
  createHolderWallet,
  generateMnemonic,
  ledgerDomain,
  mnemonicSeed,
  purposeHash,
  signAnchorBatch,
  signIssue,
  signIssueMany,
  signStatusChange,
  statusChangeMessage,
  withBatchProof,
  type CertificateDocument,
} from "../../src/document";
import { agencyDiploma, openExternalCustody, type ExternalCustody } from "../support/externalCustody";
import { deriveBackupKeys, sealBackup } from "../../src/domain/backup";
import { parsePickupLink, pickupConfirmToken } from "../../src/domain/pickup";
import {
  bearer,
  closeFront,
  count,
  holderHeaders,
  issue,
  linkShare,
  openFront,
  signDelegation,
  signGrant,
  signRevoke,
  signRevokeDelegation,
  type Front,
} from "../support/frontGateway";
import { freshPostgresDatabase } from "../support/postgres";

type Who = "authority" | "agency" | "verifier" | "public";

interface Call {
  method: "post" | "put" | "patch" | "delete";
  path: string;
  body?: unknown;
  /** Headers made afresh for each send (a holder's signed request: its nonce is used once). */
  headers?: () => Record<string, string>;
}

interface Case {
  /** "post /v1/agency/certificates/{certId}/revoke", as in /openapi.json. */
  route: string;
  who: Who;
  /** Runs on the gateway that was not seeded (the seed registers every type of the catalog). */
  unseeded?: true;
  /**
   * Runs on the gateway under external key custody: the agency signs with the key it keeps, the authority
   * signs its registry transactions itself.
   */
  external?: true;
  /** Builds the first request, another request for the same key, and a check that the other did nothing. */
  setup(f: Front, x: ExternalCustody): Promise<{ first: Call; other: Call; unchanged(): Promise<unknown> }>;
  /** The first answer as a replay gives it: without what is shown once and never stored (claim codes, documents). */
  replayed?(firstBody: Record<string, unknown>): unknown;
}

let seq = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${++seq}`;

async function relayGrant(f: Front, cert: Awaited<ReturnType<typeof issue>>, grantee = f.ids.verifierV) {
  const g = signGrant(f, cert.index, cert.certId, grantee);
  await f.http
    .post("/v1/holder/grants")
    .send({ grant: g.grant, signature: g.signature, documentRoot: cert.documentRoot })
    .expect(201);
  return g.grantId;
}

/** A delegation of `cert` to a fresh key of the test wallet, relayed; its terms and the delegate's key index. */
async function relayDelegation(f: Front, cert: Awaited<ReturnType<typeof issue>>) {
  const delegateIndex = f.nextIndex();
  const d = signDelegation(f, cert.index, cert.certId, f.wallet.address(delegateIndex));
  await f.http
    .post("/v1/delegations")
    .send({ delegation: d.delegation, signature: d.signature, documentRoot: cert.documentRoot })
    .expect(201);
  return { ...d, delegateIndex };
}

async function statusOf(f: Front, certId: string): Promise<string> {
  return (await f.http.get(`/v1/public/certificates/${certId}`).expect(200)).body.status;
}

async function grantUses(f: Front, document: unknown, grantId: string) {
  const v = await f.http
    .post("/v1/verifier/verify")
    .set(bearer(f.keys.verifierV))
    .send({ document, grantId })
    .expect(200);
  return v.body as { verdict: string; reasons: string[]; grant: { uses: number; revoked: boolean } };
}

async function unregisteredTypes(f: Front, n: number): Promise<string[]> {
  const known = new Set((await f.gw.deps.index.certificateTypes()).map((t) => t.code));
  const free = f.gw.deps.catalog
    .entries()
    .map((e) => e.code)
    .filter((c) => !known.has(c));
  expect(free.length, "catalog types left to register").to.be.at.least(n);
  return free.slice(0, n);
}

async function registerType(f: Front, code: string) {
  await f.http.post("/v1/authority/types").set(bearer(f.keys.authority)).send({ code }).expect(201);
}

async function newAgency(f: Front, types: string[]) {
  const r = await f.http
    .post("/v1/authority/agencies")
    .set(bearer(f.keys.authority))
    .send({ name: unique("Agency"), types })
    .expect(201);
  return r.body.agency as string;
}

async function openCounter(f: Front, types = ["diploma"]) {
  return (
    await f.http
      .post("/v1/counter/requests")
      .set(bearer(f.keys.verifierV))
      .send({ types, purpose: "open-bank-account" })
      .expect(201)
  ).body as { id: string; nonce: string; expiresAt: number; purpose: string };
}

function counterAnswer(
  f: Front,
  req: { nonce: string; expiresAt: number; purpose: string },
  cert: Awaited<ReturnType<typeof issue>>,
) {
  const grant = {
    certId: cert.certId,
    grantee: f.ids.verifierV.toLowerCase(),
    purpose: purposeHash(req.purpose),
    validUntil: req.expiresAt,
    maxUses: 1,
    nonce: req.nonce,
    deadline: req.expiresAt,
  };
  const s = f.wallet.signGrant(cert.index, f.domain, {
    ...grant,
    validUntil: BigInt(grant.validUntil),
    nonce: BigInt(grant.nonce),
    deadline: BigInt(grant.deadline),
  });
  return { presentations: [{ document: cert.document, grant, signature: s.signature }] };
}

function shareBody(f: Front, cert: Awaited<ReturnType<typeof issue>>) {
  const g = signGrant(f, cert.index, cert.certId, f.ids.verifierV, { purpose: "rent-a-flat" });
  return {
    body: {
      mode: "verifier",
      purpose: "rent-a-flat",
      grant: g.grant,
      signature: g.signature,
      documentRoot: cert.documentRoot,
      document: cert.document,
    },
    grantId: g.grantId,
  };
}

// ---- under external key custody: documents and signatures by the agency's own key

const holders = createHolderWallet({ mnemonic: generateMnemonic() });
let nextHolder = 0;
const deadline = () => Math.floor(Date.now() / 1000) + 600;

function agencyDocument(x: ExternalCustody) {
  const holderIndex = nextHolder++;
  return { ...agencyDiploma(x, holders.address(holderIndex)), holderIndex };
}

const SD_JWT_HOST = "gateway.test";
const jwkOf = (privateKey: Uint8Array) => publicKeyToJwk(secp256k1.getPublicKey(privateKey, false));

/** An issued certificate's SD-JWT VC, as the agency that keeps its key gets it signed. */
async function signedSdJwtBody(x: ExternalCustody) {
  const doc = agencyDocument(x);
  const s = await signedIssueBodyOf(x, doc);
  await x.http.post("/v1/agency/certificates/signed").set(bearer(x.agency.apiKey)).send(s.body).expect(201);
  // iss is the gateway's origin as the request names it; supertest listens on a new port each time.
  const input = await x.http
    .post(`/v1/agency/certificates/${doc.certId}/sd-jwt/signing-input`)
    .set(bearer(x.agency.apiKey))
    .set("host", SD_JWT_HOST)
    .send({
      document: doc.document,
      holderKey: jwkOf(holders.deriveKey(doc.holderIndex).privateKey),
      issuerKey: publicKeyToJwk(getBytes(x.agency.wallet.signingKey.publicKey)),
    })
    .expect(200);
  const sig = x.agency.wallet.signingKey.sign(input.body.digest);
  return {
    certId: doc.certId,
    body: {
      signingInput: input.body.signingInput,
      disclosures: input.body.disclosures,
      signature: base64url(getBytes(`${sig.r}${sig.s.slice(2)}`)),
    },
  };
}

const validityOf = (d: CertificateDocument) => ({
  validFrom: Date.parse(d.validFrom as string) / 1000,
  validUntil: Date.parse(d.validUntil as string) / 1000,
});

async function signedIssueBody(x: ExternalCustody) {
  return signedIssueBodyOf(x, agencyDocument(x));
}

async function signedIssueBodyOf(x: ExternalCustody, doc: ReturnType<typeof agencyDocument>) {
  const v = validityOf(doc.document);
  const d = deadline();
  const s = await signIssue(x.agency.wallet, ledgerDomain(x.chainId, x.ledger), {
    certId: doc.certId,
    typeId: x.typeId,
    validFrom: BigInt(v.validFrom),
    validUntil: BigInt(v.validUntil),
    deadline: BigInt(d),
  });
  return {
    document: doc.document,
    certId: doc.certId.toLowerCase(),
    body: { document: doc.document, deadline: d, signature: s.signature },
  };
}

/** A certificate issued by the agency's signature. */
async function signedIssue(x: ExternalCustody): Promise<string> {
  const s = await signedIssueBody(x);
  await x.http.post("/v1/agency/certificates/signed").set(bearer(x.agency.apiKey)).send(s.body).expect(201);
  return s.certId;
}

/** The body of POST .../{action}/signed for `certId`, signed now with the certificate's current status nonce. */
async function signedStatusBody(
  x: ExternalCustody,
  certId: string,
  action: keyof typeof LEDGER_STATUS_OF_ACTION,
  reason: string,
  replacement?: string,
) {
  const n = await x.http.get(`/v1/agency/certificates/${certId}/status-nonce`).set(bearer(x.agency.apiKey)).expect(200);
  const d = deadline();
  const s = await signStatusChange(
    x.agency.wallet,
    ledgerDomain(x.chainId, x.ledger),
    statusChangeMessage({
      certId,
      status: LEDGER_STATUS_OF_ACTION[action],
      reason: (STATUS_REASONS[action] as Record<string, number>)[reason],
      replacement: replacement ? { certId: replacement } : undefined,
      nonce: n.body.nonce,
      deadline: d,
    }),
  );
  return {
    reason,
    ...(replacement ? { replacement } : {}),
    signer: x.agency.wallet.address,
    nonce: n.body.nonce,
    deadline: d,
    signature: s.signature,
  };
}

async function signedGroupBody(x: ExternalCustody) {
  const docs = [agencyDocument(x), agencyDocument(x)];
  const d = deadline();
  const s = await signIssueMany(x.agency.wallet, ledgerDomain(x.chainId, x.ledger), {
    requests: docs.map((doc) => ({ certId: doc.certId, typeId: x.typeId, ...validityOf(doc.document) })),
    deadline: d,
  });
  return { documents: docs.map((doc) => doc.document), deadline: d, signature: s.signature };
}

async function signedBatchBody(x: ExternalCustody) {
  const built = [agencyDocument(x), agencyDocument(x)];
  const batch = buildBatch(built.map((b) => ({ certId: b.certId, ...validityOf(b.document) })));
  const documents = built.map((b, i) => withBatchProof(b.document, batch, i));
  const d = deadline();
  const s = await signAnchorBatch(x.agency.wallet, ledgerDomain(x.chainId, x.ledger), {
    root: batch.root,
    typeId: x.typeId,
    count: documents.length,
    deadline: BigInt(d),
  });
  return { root: batch.root, documents, deadline: d, signature: s.signature };
}

async function verdictOf(x: ExternalCustody, document: unknown) {
  return (await x.http.post("/v1/public/verify").send({ document }).expect(200)).body as {
    verdict: string;
    reasons: string[];
  };
}

/** None of `documents` is on the ledger. */
async function notIssued(x: ExternalCustody, documents: unknown[]) {
  for (const d of documents) expect((await verdictOf(x, d)).reasons).to.include("NOT_ISSUED");
}

async function externalStatusOf(x: ExternalCustody, certId: string): Promise<string> {
  return (await x.http.get(`/v1/public/certificates/${certId}`).expect(200)).body.status;
}

const STATUS_REASON = { revoke: "FRAUD", suspend: "UNDER_INVESTIGATION", reinstate: "INVESTIGATION_CLOSED" } as const;

const CASES: Case[] = [
  {
    route: "post /v1/agency/certificates",
    who: "agency",
    async setup(f) {
      const body = (i: number) => ({
        type: "diploma",
        holder: f.wallet.address(i).toLowerCase(),
        fields: sampleFields("diploma", i),
      });
      const [a, b] = [f.nextIndex(), f.nextIndex()];
      const before = await count(f, "certificates");
      return {
        first: { method: "post", path: "/v1/agency/certificates", body: body(a) },
        other: { method: "post", path: "/v1/agency/certificates", body: body(b) },
        unchanged: async () => expect(await count(f, "certificates")).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/agency/batches",
    who: "agency",
    async setup(f) {
      const item = (i: number) => ({ holder: f.wallet.address(i).toLowerCase(), fields: sampleFields("diploma", i) });
      const before = await count(f, "batch_jobs");
      return {
        // wait=true: the first answer comes once the batch is anchored, so nothing runs on behind the checks.
        first: {
          method: "post",
          path: "/v1/agency/batches?wait=true",
          body: { type: "diploma", items: [item(f.nextIndex())] },
        },
        other: {
          method: "post",
          path: "/v1/agency/batches?wait=true",
          body: { type: "diploma", items: [item(f.nextIndex())] },
        },
        unchanged: async () => expect(await count(f, "batch_jobs")).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/agency/batches/{batchId}/pickups",
    who: "agency",
    async setup(f) {
      const batch = async () => {
        const i = f.nextIndex();
        const items = [{ holder: f.wallet.address(i).toLowerCase(), fields: sampleFields("diploma", i) }];
        return (
          await f.http
            .post("/v1/agency/batches?wait=true")
            .set(bearer(f.keys.agencyA))
            .send({ type: "diploma", items })
            .expect(201)
        ).body.batchId as string;
      };
      const [a, b] = [await batch(), await batch()];
      const before = await count(f, "pickups");
      return {
        first: { method: "post", path: `/v1/agency/batches/${a}/pickups` },
        other: { method: "post", path: `/v1/agency/batches/${b}/pickups` },
        // Only the first batch's one certificate got its pickup.
        unchanged: async () => expect(await count(f, "pickups")).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/agency/batches/preview",
    who: "agency",
    async setup(f) {
      const jobs = async () =>
        (await f.gw.engine.store.db.selectFrom("batch_jobs").select("batch_id").execute()).length;
      const before = await jobs();
      const file = (name: string) =>
        Buffer.from(`holder,name\n${f.wallet.address(f.nextIndex())},${name}\n`).toString("base64");
      return {
        first: {
          method: "post",
          path: "/v1/agency/batches/preview",
          body: { type: "diploma", content: file(unique("A")) },
        },
        other: {
          method: "post",
          path: "/v1/agency/batches/preview",
          body: { type: "diploma", content: file(unique("B")) },
        },
        // A preview issues nothing: no batch job appears, whichever request is answered.
        unchanged: async () => expect(await jobs()).to.equal(before),
      };
    },
  },
  {
    route: "post /v1/claims",
    who: "public",
    async setup(f) {
      const offer = async () => {
        const reference = { studentNumber: unique("S") };
        const res = await f.http
          .post("/v1/agency/batches")
          .set(bearer(f.keys.agencyA))
          .send({ type: "diploma", items: [{ claim: { reference }, fields: sampleFields("diploma", f.nextIndex()) }] })
          .expect(201);
        const { claimCode, offerId } = res.body.claims[0];
        return { offerId, body: { code: claimCode, reference, holder: f.wallet.address(f.nextIndex()).toLowerCase() } };
      };
      const [a, b] = [await offer(), await offer()];
      return {
        first: { method: "post", path: "/v1/claims", body: a.body },
        other: { method: "post", path: "/v1/claims", body: b.body },
        unchanged: async () =>
          expect((await f.http.get(`/v1/claims/${b.offerId}`).expect(200)).body.state).to.equal("open"),
      };
    },
    // The document goes to the claiming wallet only; the gateway keeps no copy to replay.
    replayed: ({ document: _document, ...rest }) => rest,
  },
  {
    route: "post /v1/pickups/{pickupId}/confirm",
    who: "public",
    async setup(f) {
      const pickupOf = async () => {
        const cert = await issue(f);
        const t = await f.http.get(`/v1/agency/certificates/${cert.certId}/pickup`).set(bearer(f.keys.agencyA));
        const link = parsePickupLink(t.body.url)!;
        return { id: link.id, token: pickupConfirmToken(link.key) };
      };
      const [a, b] = [await pickupOf(), await pickupOf()];
      return {
        first: { method: "post", path: `/v1/pickups/${a.id}/confirm`, body: { token: a.token } },
        other: { method: "post", path: `/v1/pickups/${b.id}/confirm`, body: { token: b.token } },
        unchanged: async () => f.http.get(`/v1/pickups/${b.id}`).expect(200),
      };
    },
  },
  {
    route: "put /v1/backups/{backupId}",
    who: "public",
    async setup(f) {
      const write = async () => {
        const keys = await deriveBackupKeys(mnemonicSeed(generateMnemonic()));
        return { keys, body: { version: 1, blob: await sealBackup(keys, 1, "{}"), writeToken: keys.writeToken } };
      };
      const [a, b] = [await write(), await write()];
      return {
        first: { method: "put", path: `/v1/backups/${a.keys.id}`, body: a.body },
        other: { method: "put", path: `/v1/backups/${b.keys.id}`, body: b.body },
        unchanged: async () => f.http.get(`/v1/backups/${b.keys.id}`).expect(404),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/revoke",
    who: "agency",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      return {
        first: { method: "post", path: `/v1/agency/certificates/${a.certId}/revoke`, body: { reason: "FRAUD" } },
        other: { method: "post", path: `/v1/agency/certificates/${b.certId}/revoke`, body: { reason: "FRAUD" } },
        unchanged: async () => expect(await statusOf(f, b.certId)).to.equal("ACTIVE"),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/suspend",
    who: "agency",
    async setup(f) {
      const a = await issue(f);
      return {
        first: {
          method: "post",
          path: `/v1/agency/certificates/${a.certId}/suspend`,
          body: { reason: STATUS_REASON.suspend },
        },
        // Suspend with the key, then reinstate with the same key: refused, the certificate stays suspended.
        other: {
          method: "post",
          path: `/v1/agency/certificates/${a.certId}/reinstate`,
          body: { reason: STATUS_REASON.reinstate },
        },
        unchanged: async () => expect(await statusOf(f, a.certId)).to.equal("SUSPENDED"),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/reinstate",
    who: "agency",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      for (const c of [a, b])
        await f.http
          .post(`/v1/agency/certificates/${c.certId}/suspend`)
          .set(bearer(f.keys.agencyA))
          .send({ reason: STATUS_REASON.suspend })
          .expect(200);
      return {
        first: {
          method: "post",
          path: `/v1/agency/certificates/${a.certId}/reinstate`,
          body: { reason: STATUS_REASON.reinstate },
        },
        other: {
          method: "post",
          path: `/v1/agency/certificates/${b.certId}/reinstate`,
          body: { reason: STATUS_REASON.reinstate },
        },
        unchanged: async () => expect(await statusOf(f, b.certId)).to.equal("SUSPENDED"),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/supersede",
    who: "agency",
    async setup(f) {
      const [a, b, r1, r2] = [await issue(f), await issue(f), await issue(f), await issue(f)];
      return {
        first: {
          method: "post",
          path: `/v1/agency/certificates/${a.certId}/supersede`,
          body: { reason: "RENEWAL", replacement: r1.certId },
        },
        other: {
          method: "post",
          path: `/v1/agency/certificates/${b.certId}/supersede`,
          body: { reason: "RENEWAL", replacement: r2.certId },
        },
        unchanged: async () => expect(await statusOf(f, b.certId)).to.equal("ACTIVE"),
      };
    },
  },
  {
    route: "post /v1/verifier/verify",
    who: "verifier",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const [ga, gb] = [await relayGrant(f, a), await relayGrant(f, b)];
      return {
        first: { method: "post", path: "/v1/verifier/verify", body: { document: a.document, grantId: ga } },
        other: { method: "post", path: "/v1/verifier/verify", body: { document: b.document, grantId: gb } },
        unchanged: async () => expect((await grantUses(f, b.document, gb)).grant.uses).to.equal(0),
      };
    },
  },
  {
    route: "post /v1/verifier/checks",
    who: "verifier",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const [g1, g2] = [await relayGrant(f, a), await relayGrant(f, b)];
      return {
        first: { method: "post", path: "/v1/verifier/checks", body: { document: a.document, grantId: g1 } },
        other: { method: "post", path: "/v1/verifier/checks", body: { document: b.document, grantId: g2 } },
        // Grant 2's uses stay 0; grant 1 was used once, by the first request only.
        unchanged: async () => {
          expect((await grantUses(f, b.document, g2)).grant.uses).to.equal(0);
          expect((await grantUses(f, a.document, g1)).grant.uses).to.equal(1);
        },
      };
    },
  },
  {
    route: "post /v1/public/verify",
    who: "public",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const before = await count(f, "checks");
      return {
        first: { method: "post", path: "/v1/public/verify", body: { document: a.document } },
        other: { method: "post", path: "/v1/public/verify", body: { document: b.document } },
        unchanged: async () => expect(await count(f, "checks")).to.equal(before),
      };
    },
  },
  {
    route: "post /v1/public/status-lists/check",
    who: "public",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const list = (
        await f.http
          .get(`/v1/public/status-lists/${f.ids.agencyA}/revocation`)
          .buffer(true)
          .parse((res, cb) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => cb(null, text));
          })
      ).body as string;
      const before = await count(f, "checks");
      return {
        first: { method: "post", path: "/v1/public/status-lists/check", body: { certId: a.certId, lists: [list] } },
        other: { method: "post", path: "/v1/public/status-lists/check", body: { certId: b.certId, lists: [list] } },
        unchanged: async () => expect(await count(f, "checks")).to.equal(before),
      };
    },
  },
  {
    route: "post /v1/holder/grants",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const [g1, g2] = [
        signGrant(f, a.index, a.certId, f.ids.verifierV),
        signGrant(f, a.index, a.certId, f.ids.verifierV),
      ];
      const body = (g: typeof g1) => ({ grant: g.grant, signature: g.signature, documentRoot: a.documentRoot });
      return {
        first: { method: "post", path: "/v1/holder/grants", body: body(g1) },
        other: { method: "post", path: "/v1/holder/grants", body: body(g2) },
        unchanged: async () => expect(await f.gw.deps.index.grant(g2.grantId)).to.equal(undefined),
      };
    },
  },
  {
    route: "post /v1/holder/grants/{grantId}/revoke",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const [g1, g2] = [await relayGrant(f, a), await relayGrant(f, a)];
      return {
        first: {
          method: "post",
          path: `/v1/holder/grants/${g1}/revoke`,
          body: signRevoke(f, a.index, g1, a.documentRoot),
        },
        other: {
          method: "post",
          path: `/v1/holder/grants/${g2}/revoke`,
          body: signRevoke(f, a.index, g2, a.documentRoot),
        },
        unchanged: async () => expect((await grantUses(f, a.document, g2)).verdict).to.equal("VALID"),
      };
    },
  },
  {
    route: "post /v1/delegations",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const [d1, d2] = [1, 2].map(() => signDelegation(f, a.index, a.certId, f.wallet.address(f.nextIndex())));
      const body = (d: typeof d1) => ({
        delegation: d.delegation,
        signature: d.signature,
        documentRoot: a.documentRoot,
      });
      return {
        first: { method: "post", path: "/v1/delegations", body: body(d1) },
        other: { method: "post", path: "/v1/delegations", body: body(d2) },
        unchanged: async () => expect(await f.gw.deps.chain.delegation(d2.delegationId)).to.equal(undefined),
      };
    },
  },
  {
    route: "post /v1/delegations/{delegationId}/revoke",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const [d1, d2] = [await relayDelegation(f, a), await relayDelegation(f, a)];
      const revoke = (d: typeof d1) => ({
        method: "post" as const,
        path: `/v1/delegations/${d.delegationId}/revoke`,
        body: signRevokeDelegation(f, a.index, d.delegationId, a.documentRoot),
      });
      return {
        first: revoke(d1),
        other: revoke(d2),
        unchanged: async () => expect((await f.gw.deps.chain.delegation(d2.delegationId))?.revoked).to.equal(false),
      };
    },
  },
  {
    route: "post /v1/delegations/{delegationId}/grants",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const d = await relayDelegation(f, a);
      const [g1, g2] = [1, 2].map(() => signGrant(f, d.delegateIndex, a.certId, f.ids.verifierV));
      const call = (g: typeof g1) => ({
        method: "post" as const,
        path: `/v1/delegations/${d.delegationId}/grants`,
        body: { grant: g.grant, delegation: d.delegation, signature: g.signature },
      });
      return {
        first: call(g1),
        other: call(g2),
        unchanged: async () => expect(await f.gw.deps.index.grant(g2.grantId)).to.equal(undefined),
      };
    },
  },
  {
    route: "post /v1/authority/types",
    who: "authority",
    unseeded: true,
    async setup(f) {
      const [x, y] = await unregisteredTypes(f, 2);
      return {
        first: { method: "post", path: "/v1/authority/types", body: { code: x } },
        other: { method: "post", path: "/v1/authority/types", body: { code: y } },
        unchanged: async () => expect(await f.gw.deps.index.certificateTypeByCode(y)).to.equal(undefined),
      };
    },
  },
  {
    route: "patch /v1/authority/types/{code}",
    who: "authority",
    unseeded: true,
    async setup(f) {
      const [x] = await unregisteredTypes(f, 1);
      await registerType(f, x);
      return {
        first: { method: "patch", path: `/v1/authority/types/${x}`, body: { maxValiditySeconds: 1_000_000 } },
        other: { method: "patch", path: `/v1/authority/types/${x}`, body: { maxValiditySeconds: 2_000_000 } },
        unchanged: async () =>
          expect((await f.gw.deps.index.certificateTypeByCode(x))?.maxValiditySeconds).to.equal(1_000_000),
      };
    },
  },
  {
    route: "post /v1/authority/types/{code}/deactivate",
    who: "authority",
    unseeded: true,
    async setup(f) {
      const [x, y] = await unregisteredTypes(f, 2);
      await registerType(f, x);
      await registerType(f, y);
      return {
        first: { method: "post", path: `/v1/authority/types/${x}/deactivate` },
        other: { method: "post", path: `/v1/authority/types/${y}/deactivate` },
        unchanged: async () => expect((await f.gw.deps.index.certificateTypeByCode(y))?.active).to.equal(true),
      };
    },
  },
  {
    route: "post /v1/authority/agencies",
    who: "authority",
    async setup(f) {
      const before = (await f.gw.deps.index.agencies()).length;
      return {
        first: { method: "post", path: "/v1/authority/agencies", body: { name: unique("First agency") } },
        other: { method: "post", path: "/v1/authority/agencies", body: { name: unique("Other agency") } },
        unchanged: async () => expect((await f.gw.deps.index.agencies()).length).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/authority/agencies/{agency}/accreditations",
    who: "authority",
    async setup(f) {
      const agency = await newAgency(f, []);
      return {
        first: { method: "post", path: `/v1/authority/agencies/${agency}/accreditations`, body: { type: "diploma" } },
        other: {
          method: "post",
          path: `/v1/authority/agencies/${agency}/accreditations`,
          body: { type: "resident-id-card" },
        },
        unchanged: async () => {
          const a = (await f.http.get(`/v1/authority/agencies/${agency}`).set(bearer(f.keys.authority)).expect(200))
            .body;
          expect(a.types).to.deep.equal(["diploma"]);
        },
      };
    },
  },
  {
    route: "delete /v1/authority/agencies/{agency}/accreditations/{code}",
    who: "authority",
    async setup(f) {
      const agency = await newAgency(f, ["diploma", "resident-id-card"]);
      return {
        first: { method: "delete", path: `/v1/authority/agencies/${agency}/accreditations/diploma` },
        other: { method: "delete", path: `/v1/authority/agencies/${agency}/accreditations/resident-id-card` },
        unchanged: async () => {
          const a = (await f.http.get(`/v1/authority/agencies/${agency}`).set(bearer(f.keys.authority)).expect(200))
            .body;
          expect(a.types).to.deep.equal(["resident-id-card"]);
        },
      };
    },
  },
  {
    route: "post /v1/authority/agencies/{agency}/keys",
    who: "authority",
    async setup(f) {
      const agency = await newAgency(f, []);
      const before = (await f.gw.deps.index.signingKeys(agency as never)).length;
      return {
        first: {
          method: "post",
          path: `/v1/authority/agencies/${agency}/keys`,
          body: { validUntil: f.now() + 86_400 },
        },
        other: {
          method: "post",
          path: `/v1/authority/agencies/${agency}/keys`,
          body: { validUntil: f.now() + 2 * 86_400 },
        },
        unchanged: async () => expect((await f.gw.deps.index.signingKeys(agency as never)).length).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/authority/agencies/{agency}/keys/rotate",
    who: "authority",
    async setup(f) {
      const [x, y] = [await newAgency(f, []), await newAgency(f, [])];
      const keysOfY = (await f.gw.deps.index.signingKeys(y as never)).length;
      return {
        first: { method: "post", path: `/v1/authority/agencies/${x}/keys/rotate` },
        other: { method: "post", path: `/v1/authority/agencies/${y}/keys/rotate` },
        unchanged: async () => expect((await f.gw.deps.index.signingKeys(y as never)).length).to.equal(keysOfY),
      };
    },
  },
  {
    route: "post /v1/authority/agencies/{agency}/keys/{key}/retire",
    who: "authority",
    async setup(f) {
      const agency = await newAgency(f, []);
      const added = await f.http
        .post(`/v1/authority/agencies/${agency}/keys`)
        .set(bearer(f.keys.authority))
        .send({})
        .expect(201);
      const keys = await f.gw.deps.index.signingKeys(agency as never);
      const [k1, k2] = [keys[0].key, added.body.key as string];
      const untilK2 = keys.find((k) => k.key === k2.toLowerCase())!.validUntil;
      const at = f.now() + 3600;
      return {
        first: { method: "post", path: `/v1/authority/agencies/${agency}/keys/${k1}/retire`, body: { at } },
        other: { method: "post", path: `/v1/authority/agencies/${agency}/keys/${k2}/retire`, body: { at } },
        unchanged: async () =>
          expect((await f.gw.deps.index.signingKey(k2.toLowerCase() as never))?.validUntil).to.equal(untilK2),
      };
    },
  },
  {
    route: "post /v1/authority/verifiers",
    who: "authority",
    async setup(f) {
      const before = (await f.gw.deps.index.verifiers()).length;
      return {
        first: { method: "post", path: "/v1/authority/verifiers", body: { name: unique("First verifier") } },
        other: { method: "post", path: "/v1/authority/verifiers", body: { name: unique("Other verifier") } },
        unchanged: async () => expect((await f.gw.deps.index.verifiers()).length).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/authority/principals",
    who: "authority",
    async setup(f) {
      const before = await f.gw.deps.principals.count();
      const body = (label: string) => ({ role: "verifier", address: f.ids.verifierV, label });
      return {
        first: { method: "post", path: "/v1/authority/principals", body: body(unique("first")) },
        other: { method: "post", path: "/v1/authority/principals", body: body(unique("other")) },
        unchanged: async () => expect(await f.gw.deps.principals.count()).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/counter/requests",
    who: "verifier",
    async setup(f) {
      const before = await count(f, "counter_sessions");
      return {
        first: {
          method: "post",
          path: "/v1/counter/requests",
          body: { types: ["diploma"], purpose: "open-bank-account" },
        },
        other: {
          method: "post",
          path: "/v1/counter/requests",
          body: { types: ["resident-id-card"], purpose: "open-bank-account" },
        },
        unchanged: async () => expect(await count(f, "counter_sessions")).to.equal(before + 1),
      };
    },
  },
  {
    route: "post /v1/counter/requests/{id}/answer",
    who: "public",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const [s1, s2] = [await openCounter(f), await openCounter(f)];
      return {
        first: { method: "post", path: `/v1/counter/requests/${s1.id}/answer`, body: counterAnswer(f, s1, a) },
        other: { method: "post", path: `/v1/counter/requests/${s2.id}/answer`, body: counterAnswer(f, s2, b) },
        unchanged: async () =>
          expect((await f.http.get(`/v1/counter/requests/${s2.id}`).expect(200)).body.state).to.equal("OPEN"),
      };
    },
  },
  {
    route: "post /v1/counter/requests/{id}/decline",
    who: "public",
    async setup(f) {
      const [s1, s2] = [await openCounter(f), await openCounter(f)];
      return {
        first: { method: "post", path: `/v1/counter/requests/${s1.id}/decline` },
        other: { method: "post", path: `/v1/counter/requests/${s2.id}/decline` },
        unchanged: async () =>
          expect((await f.http.get(`/v1/counter/requests/${s2.id}`).expect(200)).body.state).to.equal("OPEN"),
      };
    },
  },
  {
    route: "post /v1/shares",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const [s1, s2] = [shareBody(f, a), shareBody(f, a)];
      return {
        first: { method: "post", path: "/v1/shares", body: s1.body },
        other: { method: "post", path: "/v1/shares", body: s2.body },
        unchanged: async () => expect(await f.gw.deps.index.grant(s2.grantId)).to.equal(undefined),
      };
    },
  },
  {
    route: "post /v1/shares/{id}/check",
    who: "public",
    async setup(f) {
      const a = await issue(f);
      const { share, doc, check } = await linkShare(f, a, 2);
      const first = { document: doc, check: await check() };
      // The same use signed with another deadline: another check. The deadlines are minutes apart, so a
      // clock tick between the two signatures cannot make them equal.
      const other = { document: doc, check: await check(120) };
      return {
        first: { method: "post", path: `/v1/shares/${share.id}/check`, body: first },
        other: { method: "post", path: `/v1/shares/${share.id}/check`, body: other },
        // The refused check used nothing: one use of two is left for the next check.
        unchanged: async () => {
          const next = await f.http
            .post(`/v1/shares/${share.id}/check`)
            .send({ document: doc, check: await check() })
            .expect(200);
          expect(next.body.verdict).to.equal("VALID");
          expect(next.body.usesLeft).to.equal(0);
        },
      };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/sd-jwt",
    who: "agency",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const call = (c: typeof a): Call => ({
        method: "post",
        path: `/v1/agency/certificates/${c.certId}/sd-jwt`,
        body: { document: c.document, holderKey: jwkOf(f.wallet.deriveKey(c.index).privateKey) },
      });
      // An export writes nothing: the custodial key is the agency's, no issuer key is recorded.
      const before = await count(f, "issuer_keys");
      return {
        first: call(a),
        other: call(b),
        unchanged: async () => expect(await count(f, "issuer_keys")).to.equal(before),
      };
    },
  },
  {
    route: "post /v1/holder/certificates/{certId}/sd-jwt",
    who: "public",
    async setup(f) {
      const [a, b] = [await issue(f), await issue(f)];
      const call = (c: typeof a): Call => {
        const path = `/v1/holder/certificates/${c.certId}/sd-jwt`;
        return {
          method: "post",
          path,
          body: { document: c.document, holderKey: jwkOf(f.wallet.deriveKey(c.index).privateKey) },
          headers: () => holderHeaders(f, c.index, "POST", path, c.certId, c.documentRoot),
        };
      };
      const before = await count(f, "issuer_keys");
      return {
        first: call(a),
        other: call(b),
        unchanged: async () => expect(await count(f, "issuer_keys")).to.equal(before),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/sd-jwt/signing-input",
    who: "agency",
    external: true,
    async setup(_f, x) {
      const call = async (): Promise<Call> => {
        const doc = agencyDocument(x);
        await x.http
          .post("/v1/agency/certificates/signed")
          .set(bearer(x.agency.apiKey))
          .send((await signedIssueBodyOf(x, doc)).body)
          .expect(201);
        return {
          method: "post",
          path: `/v1/agency/certificates/${doc.certId}/sd-jwt/signing-input`,
          body: {
            document: doc.document,
            holderKey: jwkOf(holders.deriveKey(doc.holderIndex).privateKey),
            issuerKey: publicKeyToJwk(getBytes(x.agency.wallet.signingKey.publicKey)),
          },
        };
      };
      const [first, other] = [await call(), await call()];
      const before = await count({ gw: x.gw }, "issuer_keys");
      return { first, other, unchanged: async () => expect(await count({ gw: x.gw }, "issuer_keys")).to.equal(before) };
    },
  },
  {
    route: "post /v1/agency/certificates/{certId}/sd-jwt/signed",
    who: "agency",
    external: true,
    async setup(_f, x) {
      const [a, b] = [await signedSdJwtBody(x), await signedSdJwtBody(x)];
      const call = (c: typeof a): Call => ({
        method: "post",
        path: `/v1/agency/certificates/${c.certId}/sd-jwt/signed`,
        body: c.body,
        headers: () => ({ host: SD_JWT_HOST }),
      });
      // The first records the agency key's public key; the refused other records nothing more.
      return {
        first: call(a),
        other: call(b),
        unchanged: async () => expect(await count({ gw: x.gw }, "issuer_keys")).to.equal(1),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/signed",
    who: "agency",
    external: true,
    async setup(_f, x) {
      const [a, b] = [await signedIssueBody(x), await signedIssueBody(x)];
      return {
        first: { method: "post", path: "/v1/agency/certificates/signed", body: a.body },
        other: { method: "post", path: "/v1/agency/certificates/signed", body: b.body },
        unchanged: () => notIssued(x, [b.document]),
      };
    },
  },
  {
    route: "post /v1/agency/certificates/signed-group",
    who: "agency",
    external: true,
    async setup(_f, x) {
      const [a, b] = [await signedGroupBody(x), await signedGroupBody(x)];
      return {
        first: { method: "post", path: "/v1/agency/certificates/signed-group", body: a },
        other: { method: "post", path: "/v1/agency/certificates/signed-group", body: b },
        unchanged: () => notIssued(x, b.documents),
      };
    },
  },
  {
    route: "post /v1/agency/batches/signed",
    who: "agency",
    external: true,
    async setup(_f, x) {
      const [a, b] = [await signedBatchBody(x), await signedBatchBody(x)];
      return {
        first: { method: "post", path: "/v1/agency/batches/signed", body: a },
        other: { method: "post", path: "/v1/agency/batches/signed", body: b },
        unchanged: () => notIssued(x, b.documents),
      };
    },
  },
  ...(["revoke", "suspend", "supersede"] as const).map((action): Case => ({
    route: `post /v1/agency/certificates/{certId}/${action}/signed`,
    who: "agency",
    external: true,
    async setup(_f, x) {
      const [a, b] = [await signedIssue(x), await signedIssue(x)];
      const replacements =
        action === "supersede" ? [await signedIssue(x), await signedIssue(x)] : [undefined, undefined];
      const reason = action === "supersede" ? "RENEWAL" : STATUS_REASON[action];
      const path = (c: string) => `/v1/agency/certificates/${c}/${action}/signed`;
      return {
        first: { method: "post", path: path(a), body: await signedStatusBody(x, a, action, reason, replacements[0]) },
        other: { method: "post", path: path(b), body: await signedStatusBody(x, b, action, reason, replacements[1]) },
        unchanged: async () => expect(await externalStatusOf(x, b)).to.equal("ACTIVE"),
      };
    },
  })),
  {
    route: "post /v1/agency/certificates/{certId}/reinstate/signed",
    who: "agency",
    external: true,
    async setup(_f, x) {
      const [a, b] = [await signedIssue(x), await signedIssue(x)];
      for (const c of [a, b])
        await x.http
          .post(`/v1/agency/certificates/${c}/suspend/signed`)
          .set(bearer(x.agency.apiKey))
          .send(await signedStatusBody(x, c, "suspend", STATUS_REASON.suspend))
          .expect(200);
      const path = (c: string) => `/v1/agency/certificates/${c}/reinstate/signed`;
      return {
        first: {
          method: "post",
          path: path(a),
          body: await signedStatusBody(x, a, "reinstate", STATUS_REASON.reinstate),
        },
        other: {
          method: "post",
          path: path(b),
          body: await signedStatusBody(x, b, "reinstate", STATUS_REASON.reinstate),
        },
        unchanged: async () => expect(await externalStatusOf(x, b)).to.equal("SUSPENDED"),
      };
    },
  },
  {
    route: "post /v1/authority/transactions",
    who: "authority",
    external: true,
    async setup(_f, x) {
      // Two keys added to the agency (registry id 1) by the authority's next two transactions: the other
      // would be accepted on chain after the first, so only the Idempotency-Key keeps it off.
      const [k1, k2] = [Wallet.createRandom().address, Wallet.createRandom().address];
      const now = Math.floor(Date.now() / 1000);
      const add = (k: string, ahead: number) => x.authoritySign("addKey", [1, k, now - 60, UINT40_MAX], ahead);
      const [t1, t2] = [await add(k1, 0), await add(k2, 1)];
      return {
        first: { method: "post", path: "/v1/authority/transactions", body: { rawTransaction: t1 } },
        other: { method: "post", path: "/v1/authority/transactions", body: { rawTransaction: t2 } },
        unchanged: async () => {
          expect(await x.gw.engine.index.signingKey(k1.toLowerCase() as never)).to.not.equal(undefined);
          expect(await x.gw.engine.index.signingKey(k2.toLowerCase() as never)).to.equal(undefined);
        },
      };
    },
  },
];

/** A gateway the cases run on: the seeded or unseeded custodial one, or the one under external custody. */
interface Target {
  gw: Front["gw"];
  http: Front["http"];
  keys: Pick<Front["keys"], "authority" | "agencyA" | "verifierV">;
  blockNumber(): Promise<number>;
}

function externalTarget(x: ExternalCustody): Target {
  return {
    gw: x.gw,
    http: x.http,
    keys: { authority: x.authority.apiKey, agencyA: x.agency.apiKey, verifierV: "" },
    blockNumber: async () => Number(BigInt((await x.gw.engine.rpc("eth_blockNumber")) as string)),
  };
}

function authOf(t: Target, who: Who): Record<string, string> {
  if (who === "authority") return bearer(t.keys.authority);
  if (who === "agency") return bearer(t.keys.agencyA);
  if (who === "verifier") return bearer(t.keys.verifierV);
  return {};
}

function send(t: Target, who: Who, call: Call, key: string) {
  const r = t.http[call.method](call.path)
    .set(authOf(t, who))
    .set(call.headers?.() ?? {})
    .set("idempotency-key", key);
  return call.body === undefined ? r : r.send(call.body as object);
}

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`Idempotency-Key bound to principal, route and request on every write route (${backend})`, function () {
    this.timeout(600_000);
    let f: Front;
    let unseeded: Front;
    let x: ExternalCustody;
    const drops: (() => Promise<void>)[] = [];

    const databaseUrl = async () => {
      if (backend !== "postgres") return undefined;
      const db = await freshPostgresDatabase("idem");
      drops.push(db.drop);
      return db.url;
    };
    const open = async (config: Record<string, unknown>) =>
      openFront({ databaseUrl: await databaseUrl(), withFront: true, config });

    before(async () => {
      f = await open({});
      unseeded = await open({ seedDemo: "false" });
      x = await openExternalCustody({ databaseUrl: await databaseUrl() });
    });

    after(async () => {
      for (const g of [f, unseeded]) if (g) await closeFront(g);
      await x?.close();
      for (const drop of drops) await drop();
    });

    it("has a case for every write route of /openapi.json", async () => {
      const doc = (await f.http.get("/openapi.json").expect(200)).body;
      const writes: string[] = [];
      for (const [p, ops] of Object.entries(doc.paths as Record<string, object>))
        for (const m of Object.keys(ops))
          // POST /rpc is the chain's read-only JSON-RPC and POST /v1/ops/backup streams an archive of the
          // data directory: neither writes anything, and neither takes an Idempotency-Key.
          if (m !== "get" && p !== "/rpc" && p !== "/v1/ops/backup") writes.push(`${m} ${p}`);
      expect(writes.length).to.be.greaterThan(20);
      expect(writes.filter((w) => !CASES.some((c) => c.route === w))).to.deep.equal([]);
      expect(CASES.filter((c) => !writes.includes(c.route)).map((c) => c.route)).to.deep.equal([]);
    });

    for (const c of CASES)
      it(`${c.route}: the same request replays the first answer; another request is refused and does nothing`, async () => {
        const g: Target = c.external ? externalTarget(x) : c.unseeded ? unseeded : f;
        const { first, other, unchanged } = await c.setup(c.unseeded ? unseeded : f, x);
        const key = unique("key");
        const one = await send(g, c.who, first, key);
        expect(one.status, `${c.route} first: ${one.text.slice(0, 300)}`).to.be.within(200, 299);
        expect(one.headers["idempotent-replayed"]).to.equal(undefined);

        const outbox = await count(g, "outbox");
        const block = await g.blockNumber();
        const again = await send(g, c.who, first, key);
        expect(again.status, `${c.route} replay: ${again.text.slice(0, 300)}`).to.equal(
          one.status === 201 ? 200 : one.status,
        );
        expect(again.headers["idempotent-replayed"]).to.equal("true");
        expect(again.body).to.deep.equal(c.replayed ? c.replayed(one.body) : one.body);

        const refused = await send(g, c.who, other, key);
        expect(refused.status, `${c.route} other: ${refused.text.slice(0, 300)}`).to.equal(409);
        expect(refused.body.error.code).to.equal("IDEMPOTENCY_KEY_REUSED");
        // Neither the replay nor the refused request sent anything to the chain.
        expect(await count(g, "outbox")).to.equal(outbox);
        expect(await g.blockNumber()).to.equal(block);
        await unchanged();
      });

    it("keeps keys of different principals apart: another agency's same key is a new request", async () => {
      const body = (i: number) => ({
        type: "resident-id-card",
        holder: f.wallet.address(i).toLowerCase(),
        fields: sampleFields("resident-id-card", i),
      });
      const key = unique("shared");
      const a = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyB))
        .set("idempotency-key", key)
        .send(body(f.nextIndex()));
      expect(a.status).to.equal(201);
      const i = f.nextIndex();
      const b = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", key)
        .send({ type: "diploma", holder: f.wallet.address(i).toLowerCase(), fields: sampleFields("diploma", i) });
      expect(b.status, b.text).to.equal(201);
      expect(b.body.certId).to.not.equal(a.body.certId);
    });

    it("binds the query too: another page of a batch's pickups under the same key is refused", async () => {
      const items = [0, 1].map(() => {
        const i = f.nextIndex();
        return { holder: f.wallet.address(i).toLowerCase(), fields: sampleFields("diploma", i) };
      });
      const job = await f.http
        .post("/v1/agency/batches?wait=true")
        .set(bearer(f.keys.agencyA))
        .send({ type: "diploma", items })
        .expect(201);
      const page = (offset: number) =>
        f.http
          .post(`/v1/agency/batches/${job.body.batchId}/pickups?offset=${offset}&limit=1`)
          .set(bearer(f.keys.agencyA))
          .set("idempotency-key", key);
      const key = unique("page");
      const before = await count(f, "pickups");
      const first = await page(0).expect(200);
      expect(first.body.items.map((x: { index: number }) => x.index)).to.deep.equal([0]);
      const again = await page(0).expect(200);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      const other = await page(1).expect(409);
      expect(other.body.error.code).to.equal("IDEMPOTENCY_KEY_REUSED");
      expect(await count(f, "pickups")).to.equal(before + 1);
    });

    it("frees a key whose first request was refused (4xx), so the corrected request runs", async () => {
      const cert = await issue(f);
      const key = unique("refused");
      const bad = await f.http
        .post(`/v1/agency/certificates/${cert.certId}/reinstate`)
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", key)
        .send({ reason: STATUS_REASON.reinstate });
      expect(bad.status).to.equal(409);
      expect(bad.body.error.code).to.equal("INVALID_STATUS_TRANSITION");
      await f.http
        .post(`/v1/agency/certificates/${cert.certId}/suspend`)
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", key)
        .send({ reason: STATUS_REASON.suspend })
        .expect(200);
      expect(await statusOf(f, cert.certId)).to.equal("SUSPENDED");
    });
  });
}
