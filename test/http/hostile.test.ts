/**
 * Every route of the OpenAPI document gets hostile input: malformed JSON, wrong types, unknown
 * fields, a 5 MB body, a wrong content type, bad path parameters, missing, wrong and misrouted
 * credentials; the holder and verifier routes also get bad, stale and replayed signatures. Each must
 * answer 4xx with {"error":{"code","message"}} (never 5xx), and the sweep must send no transaction.
 */
import { expect } from "chai";
import type { Response } from "supertest";
import { secp256k1 } from "@noble/curves/secp256k1";
import { sampleFields } from "../../src/domain/catalog";
import { publicKeyToJwk } from "../../src/document";
import {
  bearer,
  getFront,
  holderHeaders,
  issue,
  signDelegation,
  signGrant,
  signRevoke,
  signRevokeDelegation,
  type Front,
} from "../support/frontGateway";

/** "principal": any API key (authority, agency or verifier). */
type Role = "authority" | "agency" | "verifier" | "principal" | "holder" | "public";

/** A well-formed signature by nobody: the signed routes must refuse it without reaching the chain. */
const SIG = `0x${"11".repeat(65)}`;

interface Case {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path template, to check coverage. */
  template: string;
  path: string;
  role: Role;
  body?: Record<string, unknown>;
  headers?: () => Record<string, string>;
  /** Path with one parameter made invalid. */
  badPath?: string;
}

function expectClientError(res: Response, what: string): void {
  expect(res.status, `${what}: ${res.status} ${res.text.slice(0, 300)}`).to.be.within(400, 499);
  expect(res.body, `${what}: body`).to.have.property("error");
  expect(res.body.error.code, `${what}: code`)
    .to.be.a("string")
    .and.match(/^[A-Z][A-Z0-9_]+$/);
  expect(res.body.error.message, `${what}: message`).to.be.a("string").and.not.empty;
}

describe("HTTP hostile input: 4xx, never 5xx, nothing changes", function () {
  this.timeout(300_000);
  let f: Front;
  let cases: Case[];
  let cert: Awaited<ReturnType<typeof issue>>;
  let grantId: string;

  before(async () => {
    f = await getFront();
    cert = await issue(f);
    const g = signGrant(f, cert.index, cert.certId, f.ids.verifierV);
    await f.http
      .post("/v1/holder/grants")
      .send({ grant: g.grant, signature: g.signature, documentRoot: cert.documentRoot })
      .expect(201);
    grantId = g.grantId;
    const fresh = signGrant(f, cert.index, cert.certId, f.ids.verifierV);
    // A delegation on chain, a fresh one, and a grant its delegate signed (valid bodies the cases spoil).
    const delegateIndex = f.nextIndex();
    const delegation = signDelegation(f, cert.index, cert.certId, f.wallet.address(delegateIndex));
    await f.http
      .post("/v1/delegations")
      .send({ delegation: delegation.delegation, signature: delegation.signature, documentRoot: cert.documentRoot })
      .expect(201);
    const freshDelegation = signDelegation(f, cert.index, cert.certId, f.wallet.address(f.nextIndex()));
    const delegateGrant = signGrant(f, delegateIndex, cert.certId, f.ids.verifierV);
    const A = f.ids.agencyA;
    const keyOfA = (await f.gw.deps.index.signingKeys(A))[0].key;
    const holder = f.wallet.address(9999);
    const auditPath = `/v1/holder/certificates/${cert.certId}/audit`;
    const sdJwtPath = `/v1/holder/certificates/${cert.certId}/sd-jwt`;
    // A holder key of another certificate: every sd-jwt case is refused, and none signs anything.
    const holderKeyJwk = publicKeyToJwk(secp256k1.getPublicKey(f.wallet.deriveKey(9998).privateKey, false));
    const uuid = "6f1d7c3e-1b2a-4c5d-8e9f-0a1b2c3d4e5f";
    const reference = { studentNumber: "S-hostile" };
    const offered = await f.http
      .post("/v1/agency/batches")
      .set("authorization", `Bearer ${f.keys.agencyA}`)
      .send({ type: "diploma", items: [{ claim: { reference }, fields: sampleFields("diploma", 31337) }] })
      .expect(201);
    const offer = offered.body.claims[0] as { offerId: string; claimCode: string };
    cases = [
      {
        method: "get",
        template: "/v1/claims/{offerId}",
        path: `/v1/claims/${offer.offerId}`,
        role: "public",
        badPath: "/v1/claims/not-an-offer",
      },
      {
        method: "post",
        template: "/v1/claims",
        path: "/v1/claims",
        role: "public",
        body: { code: offer.claimCode, reference, holder: f.wallet.address(9998).toLowerCase() },
      },
      {
        method: "get",
        template: "/v1/agency/claims",
        path: `/v1/agency/claims?batch=${offered.body.batchId}`,
        role: "agency",
        badPath: "/v1/agency/claims?batch=not-a-uuid",
      },
      { method: "get", template: "/healthz", path: "/healthz", role: "public" },
      { method: "get", template: "/readyz", path: "/readyz", role: "public" },
      {
        method: "get",
        template: "/v1/public/certificates/{certId}",
        path: `/v1/public/certificates/${cert.certId}`,
        role: "public",
        badPath: "/v1/public/certificates/0x12",
      },
      {
        method: "post",
        template: "/v1/public/verify",
        path: "/v1/public/verify",
        role: "public",
        body: { document: cert.document },
      },
      {
        method: "get",
        template: "/v1/public/writes/{writeId}",
        path: "/v1/public/writes/aXNzdWU6bm90LWEtd3JpdGU",
        role: "public",
        badPath: "/v1/public/writes/not!a!write!id",
      },
      {
        method: "get",
        template: "/v1/public/status-lists/{agency}/{purpose}",
        path: `/v1/public/status-lists/${f.ids.agencyA}/revocation`,
        role: "public",
        badPath: `/v1/public/status-lists/${f.ids.agencyA}/expiry`,
      },
      {
        method: "get",
        template: "/v1/public/certificates/{certId}/status-entries",
        path: `/v1/public/certificates/${cert.certId}/status-entries`,
        role: "public",
        badPath: "/v1/public/certificates/0x12/status-entries",
      },
      {
        method: "post",
        template: "/v1/public/status-lists/check",
        path: "/v1/public/status-lists/check",
        role: "public",
        body: { certId: cert.certId, lists: ["not.a.jwt"] },
      },
      { method: "get", template: "/v1/public/types", path: "/v1/public/types", role: "public" },
      { method: "get", template: "/v1/public/info", path: "/v1/public/info", role: "public" },
      { method: "get", template: "/v1/authority/types", path: "/v1/authority/types", role: "authority" },
      {
        method: "post",
        template: "/v1/authority/types",
        path: "/v1/authority/types",
        role: "authority",
        body: { code: "diploma", name: "x", maxValiditySeconds: 10 },
      },
      {
        method: "patch",
        template: "/v1/authority/types/{code}",
        path: "/v1/authority/types/diploma",
        role: "authority",
        body: { name: "Diploma 2", maxValiditySeconds: 100, refreshSchema: true },
        badPath: "/v1/authority/types/NOT%20A%20CODE",
      },
      {
        method: "post",
        template: "/v1/authority/types/{code}/deactivate",
        path: "/v1/authority/types/diploma/deactivate",
        role: "authority",
        badPath: "/v1/authority/types/-/deactivate",
      },
      { method: "get", template: "/v1/authority/agencies", path: "/v1/authority/agencies", role: "authority" },
      {
        method: "post",
        template: "/v1/authority/agencies",
        path: "/v1/authority/agencies",
        role: "authority",
        body: { name: "Hostile", types: ["diploma"], createApiKey: true },
      },
      {
        method: "get",
        template: "/v1/authority/agencies/{agency}",
        path: `/v1/authority/agencies/${A}`,
        role: "authority",
        badPath: "/v1/authority/agencies/0xnope",
      },
      {
        method: "post",
        template: "/v1/authority/agencies/{agency}/accreditations",
        path: `/v1/authority/agencies/${A}/accreditations`,
        role: "authority",
        body: { type: "passport" },
        badPath: "/v1/authority/agencies/0x1/accreditations",
      },
      {
        method: "delete",
        template: "/v1/authority/agencies/{agency}/accreditations/{code}",
        path: `/v1/authority/agencies/${A}/accreditations/diploma`,
        role: "authority",
        badPath: `/v1/authority/agencies/${A}/accreditations/_`,
      },
      {
        method: "post",
        template: "/v1/authority/agencies/{agency}/keys",
        path: `/v1/authority/agencies/${A}/keys`,
        role: "authority",
        body: { validFrom: 1, validUntil: 2 ** 39 },
        badPath: "/v1/authority/agencies/zz/keys",
      },
      {
        method: "post",
        template: "/v1/authority/agencies/{agency}/keys/rotate",
        path: `/v1/authority/agencies/${A}/keys/rotate`,
        role: "authority",
        badPath: "/v1/authority/agencies/0x/keys/rotate",
      },
      {
        method: "post",
        template: "/v1/authority/agencies/{agency}/keys/{key}/retire",
        path: `/v1/authority/agencies/${A}/keys/${keyOfA}/retire`,
        role: "authority",
        body: { at: 2 ** 39 },
        badPath: `/v1/authority/agencies/${A}/keys/0xabc/retire`,
      },
      { method: "get", template: "/v1/authority/verifiers", path: "/v1/authority/verifiers", role: "authority" },
      {
        method: "post",
        template: "/v1/authority/verifiers",
        path: "/v1/authority/verifiers",
        role: "authority",
        body: { name: "Hostile verifier", createApiKey: true },
      },
      { method: "get", template: "/v1/authority/principals", path: "/v1/authority/principals", role: "authority" },
      { method: "post", template: "/v1/ops/backup", path: "/v1/ops/backup", role: "authority" },
      {
        method: "post",
        template: "/v1/authority/principals",
        path: "/v1/authority/principals",
        role: "authority",
        body: { role: "agency", address: A, label: "x" },
      },
      {
        method: "post",
        template: "/v1/agency/certificates",
        path: "/v1/agency/certificates",
        role: "agency",
        body: {
          type: "diploma",
          holder,
          fields: sampleFields("diploma", 1),
          validFrom: f.now(),
          validUntil: f.now() + 1000,
        },
        headers: () => ({ "idempotency-key": `hostile-${Math.random()}` }),
      },
      { method: "get", template: "/v1/agency/certificates", path: "/v1/agency/certificates", role: "agency" },
      {
        method: "get",
        template: "/v1/agency/certificates/{certId}",
        path: `/v1/agency/certificates/${cert.certId}`,
        role: "agency",
        badPath: "/v1/agency/certificates/0x00",
      },
      {
        method: "post",
        template: "/v1/agency/batches",
        path: "/v1/agency/batches",
        role: "agency",
        body: { type: "diploma", items: [{ holder, fields: sampleFields("diploma", 2) }] },
      },
      {
        method: "post",
        template: "/v1/agency/batches/preview",
        path: "/v1/agency/batches/preview",
        role: "agency",
        body: { type: "diploma", content: Buffer.from(`holder,name\n${holder},Hostile\n`).toString("base64") },
      },
      {
        method: "get",
        template: "/v1/agency/batches/{batchId}",
        path: `/v1/agency/batches/${uuid}`,
        role: "agency",
        badPath: "/v1/agency/batches/not-a-uuid",
      },
      {
        method: "get",
        template: "/v1/agency/batches/{batchId}/documents",
        path: `/v1/agency/batches/${uuid}/documents`,
        role: "agency",
        badPath: "/v1/agency/batches/1/documents",
      },
      {
        method: "post",
        template: "/v1/agency/batches/{batchId}/pickups",
        path: `/v1/agency/batches/${uuid}/pickups`,
        role: "agency",
        badPath: "/v1/agency/batches/1/pickups",
      },
      {
        method: "get",
        template: "/v1/agency/certificates/{certId}/pickup",
        path: `/v1/agency/certificates/${cert.certId}/pickup`,
        role: "agency",
        badPath: "/v1/agency/certificates/0x12/pickup",
      },
      {
        method: "get",
        template: "/v1/pickups/{pickupId}",
        path: `/v1/pickups/${"p".repeat(22)}`,
        role: "public",
        badPath: "/v1/pickups/too-short",
      },
      {
        method: "post",
        template: "/v1/pickups/{pickupId}/confirm",
        path: `/v1/pickups/${"p".repeat(22)}/confirm`,
        role: "public",
        body: { token: "t".repeat(43) },
        badPath: "/v1/pickups/..%2F..%2Fetc/confirm",
      },
      {
        method: "get",
        template: "/v1/backups/{backupId}",
        path: `/v1/backups/${"b".repeat(64)}`,
        role: "public",
        badPath: `/v1/backups/${"B".repeat(64)}`,
      },
      {
        method: "put",
        template: "/v1/backups/{backupId}",
        path: `/v1/backups/${"b".repeat(64)}`,
        role: "public",
        body: { version: 1, blob: "c2VhbGVk", writeToken: "w".repeat(43) },
        badPath: "/v1/backups/0x12",
      },
      ...(["revoke", "suspend", "reinstate", "supersede"] as const).map((action): Case => ({
        method: "post",
        template: `/v1/agency/certificates/{certId}/${action}`,
        path: `/v1/agency/certificates/${cert.certId}/${action}`,
        role: "agency",
        body: action === "supersede" ? { reason: "RENEWAL", replacement: cert.certId } : { reason: "OTHER" },
        badPath: `/v1/agency/certificates/0xZZ/${action}`,
      })),
      {
        method: "post",
        template: "/v1/agency/certificates/signed",
        path: "/v1/agency/certificates/signed",
        role: "agency",
        body: { document: cert.document, deadline: f.now() + 600, signature: SIG },
      },
      {
        method: "post",
        template: "/v1/agency/certificates/signed-group",
        path: "/v1/agency/certificates/signed-group",
        role: "agency",
        body: { documents: [cert.document], deadline: f.now() + 600, signature: SIG },
      },
      {
        method: "post",
        template: "/v1/agency/batches/signed",
        path: "/v1/agency/batches/signed",
        role: "agency",
        body: { root: cert.certId, documents: [cert.document], deadline: f.now() + 600, signature: SIG },
      },
      {
        method: "get",
        template: "/v1/agency/certificates/{certId}/status-nonce",
        path: `/v1/agency/certificates/${cert.certId}/status-nonce`,
        role: "agency",
        badPath: "/v1/agency/certificates/0x1/status-nonce",
      },
      ...(["revoke", "suspend", "reinstate", "supersede"] as const).map((action): Case => ({
        method: "post",
        template: `/v1/agency/certificates/{certId}/${action}/signed`,
        path: `/v1/agency/certificates/${cert.certId}/${action}/signed`,
        role: "agency",
        body: {
          ...(action === "supersede" ? { reason: "RENEWAL", replacement: cert.certId } : { reason: "OTHER" }),
          signer: keyOfA,
          nonce: 0,
          deadline: f.now() + 600,
          signature: SIG,
        },
        badPath: `/v1/agency/certificates/0xZZ/${action}/signed`,
      })),
      {
        method: "get",
        template: "/v1/authority/transaction-parameters",
        path: `/v1/authority/transaction-parameters?key=${keyOfA}`,
        role: "authority",
      },
      {
        method: "post",
        template: "/v1/authority/transactions",
        path: "/v1/authority/transactions",
        role: "authority",
        body: { rawTransaction: "0x02f8" },
      },
      {
        method: "post",
        template: "/v1/holder/grants",
        path: "/v1/holder/grants",
        role: "holder",
        body: { grant: fresh.grant, signature: fresh.signature, documentRoot: cert.documentRoot },
      },
      {
        method: "post",
        template: "/v1/holder/grants/{grantId}/revoke",
        path: `/v1/holder/grants/${grantId}/revoke`,
        role: "holder",
        body: signRevoke(f, cert.index, grantId as never, cert.documentRoot),
        badPath: "/v1/holder/grants/0x1/revoke",
      },
      {
        method: "post",
        template: "/v1/delegations",
        path: "/v1/delegations",
        role: "holder",
        body: {
          delegation: freshDelegation.delegation,
          signature: freshDelegation.signature,
          documentRoot: cert.documentRoot,
        },
      },
      {
        method: "post",
        template: "/v1/delegations/{delegationId}/revoke",
        path: `/v1/delegations/${delegation.delegationId}/revoke`,
        role: "holder",
        body: signRevokeDelegation(f, cert.index, delegation.delegationId, cert.documentRoot),
        badPath: "/v1/delegations/0x1/revoke",
      },
      {
        method: "post",
        template: "/v1/delegations/{delegationId}/grants",
        path: `/v1/delegations/${delegation.delegationId}/grants`,
        role: "holder",
        body: { grant: delegateGrant.grant, delegation: delegation.delegation, signature: delegateGrant.signature },
        badPath: "/v1/delegations/0x1/grants",
      },
      {
        method: "get",
        template: "/v1/holder/certificates/{certId}/audit",
        path: auditPath,
        role: "holder",
        headers: () => holderHeaders(f, cert.index, "GET", auditPath, cert.certId, cert.documentRoot),
        badPath: "/v1/holder/certificates/0x1/audit",
      },
      {
        method: "post",
        template: "/v1/holder/certificates/{certId}/sd-jwt",
        path: sdJwtPath,
        role: "holder",
        headers: () => holderHeaders(f, cert.index, "POST", sdJwtPath, cert.certId, cert.documentRoot),
        body: { document: cert.document, holderKey: holderKeyJwk },
        badPath: "/v1/holder/certificates/0x1/sd-jwt",
      },
      {
        method: "post",
        template: "/v1/agency/certificates/{certId}/sd-jwt",
        path: `/v1/agency/certificates/${cert.certId}/sd-jwt`,
        role: "agency",
        body: { document: cert.document, holderKey: holderKeyJwk },
        badPath: "/v1/agency/certificates/0x1/sd-jwt",
      },
      {
        method: "post",
        template: "/v1/agency/certificates/{certId}/sd-jwt/signing-input",
        path: `/v1/agency/certificates/${cert.certId}/sd-jwt/signing-input`,
        role: "agency",
        body: { document: cert.document, holderKey: holderKeyJwk, issuerKey: holderKeyJwk },
        badPath: "/v1/agency/certificates/0x1/sd-jwt/signing-input",
      },
      {
        method: "post",
        template: "/v1/agency/certificates/{certId}/sd-jwt/signed",
        path: `/v1/agency/certificates/${cert.certId}/sd-jwt/signed`,
        role: "agency",
        body: { signingInput: "e30.e30", disclosures: ["WyJzYWx0IiwibmFtZSIsIngiXQ"], signature: "A".repeat(86) },
        badPath: "/v1/agency/certificates/0x1/sd-jwt/signed",
      },
      {
        method: "get",
        template: "/.well-known/jwt-vc-issuer/issuers/{agency}",
        path: `/.well-known/jwt-vc-issuer/issuers/${A}`,
        role: "public",
        badPath: "/.well-known/jwt-vc-issuer/issuers/0x1",
      },
      { method: "get", template: "/v1/me", path: "/v1/me", role: "principal" },
      {
        method: "post",
        template: "/v1/verifier/verify",
        path: "/v1/verifier/verify",
        role: "verifier",
        body: { document: cert.document, grantId },
      },
      {
        method: "post",
        template: "/v1/verifier/checks",
        path: "/v1/verifier/checks",
        role: "verifier",
        body: { document: cert.document, grantId },
      },
    ];
  });

  it("covers every route of the OpenAPI document", async () => {
    const doc = (await f.http.get("/openapi.json").expect(200)).body;
    const documented: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths as Record<string, object>))
      for (const m of Object.keys(ops))
        if (
          !p.startsWith("/v1/counter") &&
          !p.startsWith("/v1/shares") &&
          !p.startsWith("/v1/verifier/shares") &&
          p !== "/metrics" &&
          // JSON-RPC answers JSON-RPC errors, not this shape: its malformed input is in rpc.test.ts.
          p !== "/rpc"
        )
          documented.push(`${m} ${p}`);
    const tested = cases.map((c) => `${c.method} ${c.template}`);
    expect(documented.filter((d) => !tested.includes(d))).to.deep.equal([]);
  });

  it("answers every hostile request with a 4xx error body and sends no transaction", async () => {
    const keyOf = (role: Role) =>
      ({
        authority: f.keys.authority,
        agency: f.keys.agencyA,
        verifier: f.keys.verifierV,
        principal: f.keys.verifierV,
        holder: "",
        public: "",
      })[role];
    const wrongRoleKey = (role: Role) => (role === "agency" ? f.keys.verifierV : f.keys.agencyB);
    const blockBefore = await f.blockNumber();
    const principalsBefore = await f.gw.deps.principals.count();
    const statusBefore = (await f.http.get(`/v1/public/certificates/${cert.certId}`)).body;
    const held = async () => ({
      pickups: await f.gw.engine.store.db.selectFrom("pickups").selectAll().execute(),
      backups: await f.gw.engine.store.db.selectFrom("backups").selectAll().execute(),
      claimOffers: await f.gw.engine.store.db.selectFrom("claim_offers").selectAll().execute(),
    });
    const heldBefore = await held();
    const big = JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) });
    let sent = 0;

    for (const c of cases) {
      const send = (opts: {
        auth?: string | null;
        body?: unknown;
        raw?: string;
        type?: string;
        path?: string;
        query?: string;
        headers?: boolean;
      }) => {
        let r = f.http[c.method]((opts.path ?? c.path) + (opts.query ?? ""));
        const key = opts.auth === undefined ? keyOf(c.role) : opts.auth;
        if (key)
          r = r.set("authorization", key.startsWith("Basic") || key.startsWith("Bearer") ? key : `Bearer ${key}`);
        if (c.headers && opts.headers !== false) r = r.set(c.headers());
        sent++;
        if (opts.raw !== undefined) return r.set("content-type", opts.type ?? "application/json").send(opts.raw);
        if (opts.body !== undefined) return r.send(opts.body as object);
        return r;
      };
      const what = (s: string) => `${c.method.toUpperCase()} ${c.template}: ${s}`;

      if (c.role !== "holder" && c.role !== "public") {
        expectClientError(await send({ auth: null, body: c.body }), what("no credentials"));
        expectClientError(await send({ auth: "cla_thisIsNotAKeyAtAll0000000000", body: c.body }), what("unknown key"));
        expectClientError(await send({ auth: "Basic dXNlcjpwYXNz", body: c.body }), what("wrong scheme"));
      }
      if (c.role === "authority" || c.role === "agency" || c.role === "verifier") {
        const wr = await send({ auth: wrongRoleKey(c.role), body: c.body });
        expectClientError(wr, what("wrong role"));
        expect(wr.status, what("wrong role status")).to.equal(403);
      }
      if (c.role === "holder" && c.headers) {
        expectClientError(await send({ headers: false }), what("no holder signature"));
      }
      if (c.body) {
        expectClientError(await send({ raw: '{"type": "diploma", ' }), what("malformed JSON"));
        expectClientError(await send({ raw: "[1,2,3]" }), what("array body"));
        expectClientError(await send({ raw: '"text"' }), what("string body"));
        expectClientError(await send({ raw: "null" }), what("null body"));
        expectClientError(await send({ raw: "a=1", type: "application/x-www-form-urlencoded" }), what("form body"));
        expectClientError(await send({ raw: JSON.stringify(c.body), type: "text/plain" }), what("text/plain"));
        expectClientError(await send({ body: { ...c.body, unexpectedField: 1 } }), what("unknown field"));
        for (const k of Object.keys(c.body)) {
          const v = c.body[k];
          const wrong = typeof v === "number" ? "12" : typeof v === "string" ? 12 : typeof v === "boolean" ? "yes" : 42;
          expectClientError(await send({ body: { ...c.body, [k]: wrong } }), what(`wrong type of ${k}`));
        }
        const big413 = await send({ raw: big });
        expectClientError(big413, what("5 MB body"));
        // The batch routes (custodial, signed, and the preview of a batch file) take bodies of up to
        // CERTLEDGER_BATCH_BODY_LIMIT_BYTES.
        if (!["/v1/agency/batches", "/v1/agency/batches/signed", "/v1/agency/batches/preview"].includes(c.path))
          expect(big413.status, what("5 MB status")).to.equal(413);
      } else {
        expectClientError(await send({ raw: big }), what("5 MB body on a route without body"));
        expectClientError(await send({ query: "?unexpected=1" }), what("unknown query parameter"));
      }
      if (c.badPath) expectClientError(await send({ path: c.badPath, body: c.body }), what("bad path parameter"));
    }

    expect(sent).to.be.greaterThan(250);
    expect(await f.blockNumber(), "no transaction was sent").to.equal(blockBefore);
    expect(await f.gw.deps.principals.count()).to.equal(principalsBefore);
    expect((await f.http.get(`/v1/public/certificates/${cert.certId}`)).body).to.deep.equal(statusBefore);
    expect(await held(), "no pickup, backup or claim offer changed").to.deep.equal(heldBefore);
  });

  it("refuses bad, stale and replayed holder signatures with 401/409 and changes nothing", async () => {
    const c = await issue(f);
    const other = await issue(f);
    const block = await f.blockNumber();
    const V = f.ids.verifierV;

    // A grant signed by another holder key.
    const forged = signGrant(f, c.index, c.certId, V, { signer: other.index });
    const r1 = await f.http
      .post("/v1/holder/grants")
      .send({ grant: forged.grant, signature: forged.signature, documentRoot: c.documentRoot });
    expectClientError(r1, "forged grant");
    expect(r1.body.error.code).to.equal("BAD_SIGNATURE");
    // A signature that is not even a point on the curve.
    const junk = signGrant(f, c.index, c.certId, V);
    const r2 = await f.http
      .post("/v1/holder/grants")
      .send({ grant: junk.grant, signature: `0x${"11".repeat(64)}1b`, documentRoot: c.documentRoot });
    expectClientError(r2, "junk signature");
    // The right signature over other terms (maxUses raised after signing).
    const r3 = await f.http
      .post("/v1/holder/grants")
      .send({ grant: { ...junk.grant, maxUses: 1000 }, signature: junk.signature, documentRoot: c.documentRoot });
    expect(r3.status).to.equal(401);
    // Verify with a forged signed grant.
    const r4 = await f.http
      .post("/v1/verifier/verify")
      .set(bearer(f.keys.verifierV))
      .send({ document: c.document, grant: { grant: forged.grant, signature: forged.signature } });
    expect(r4.status).to.equal(401);
    expect(r4.body.error.code).to.equal("BAD_SIGNATURE");

    // Audit trail: another holder's key, a stale timestamp, the wrong path.
    const path = `/v1/holder/certificates/${c.certId}/audit`;
    const a1 = await f.http.get(path).set(holderHeaders(f, other.index, "GET", path, c.certId, c.documentRoot));
    expect(a1.status).to.equal(401);
    const a2 = await f.http
      .get(path)
      .set(holderHeaders(f, c.index, "GET", path, c.certId, c.documentRoot, { timestamp: f.now() - 3600 }));
    expect(a2.body.error.code).to.equal("STALE_SIGNATURE");
    const a3 = await f.http
      .get(path)
      .set(holderHeaders(f, c.index, "GET", `/v1/holder/certificates/${other.certId}/audit`, c.certId, c.documentRoot));
    expect(a3.status).to.equal(401);
    // Revocation signed by someone else.
    const g = signGrant(f, c.index, c.certId, V);
    const rv = signRevoke(f, other.index, g.grantId, c.documentRoot);
    expectClientError(
      await f.http.post(`/v1/holder/grants/${g.grantId}/revoke`).send(rv),
      "revoke of an unknown grant",
    );
    expect(await f.blockNumber(), "nothing sent").to.equal(block);

    // Replays: the same audit request twice, the same grant twice, the same signed grant presented twice.
    const h = holderHeaders(f, c.index, "GET", path, c.certId, c.documentRoot);
    await f.http.get(path).set(h).expect(200);
    const again = await f.http.get(path).set(h);
    expect(again.status).to.equal(401);
    expect(again.body.error.code).to.equal("REPLAYED");
    await f.http
      .post("/v1/holder/grants")
      .send({ grant: g.grant, signature: g.signature, documentRoot: c.documentRoot })
      .expect(201);
    const blockAfterGrant = await f.blockNumber();
    const dup = await f.http
      .post("/v1/holder/grants")
      .send({ grant: g.grant, signature: g.signature, documentRoot: c.documentRoot });
    expect(dup.status).to.equal(409);
    expect(dup.body.error.code).to.equal("REPLAYED");
    const badRevoke = await f.http
      .post(`/v1/holder/grants/${g.grantId}/revoke`)
      .send(signRevoke(f, other.index, g.grantId, c.documentRoot));
    expect(badRevoke.status).to.equal(401);
    const pv = await f.http
      .post("/v1/verifier/verify")
      .set(bearer(f.keys.verifierV))
      .send({ document: c.document, grant: { grant: g.grant, signature: g.signature } });
    expect(pv.status).to.equal(409);
    expect(await f.blockNumber(), "replays sent nothing").to.equal(blockAfterGrant);
    const grant = await f.gw.deps.index.grant(g.grantId);
    expect(grant?.uses).to.equal(0);
    expect(grant?.revoked).to.equal(false);
  });
});
