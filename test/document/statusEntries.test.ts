/**
 * Status list entries carried in the document (signed by the agency, outside the leaves) and the status
 * check from lists fetched whole: a document without entries verifies as before; a tampered entry, an
 * entry signed by a key that is not the agency's, a list signed by a stranger and a stale list are each
 * reported, never VALID; a revoked or suspended bit is read from the list.
 */
import { expect } from "chai";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  STATUS_LIST_MIN_LENGTH,
  buildDocument,
  buildStatusListCredential,
  documentStatusEntries,
  disclosedClaims,
  es256kSign,
  finishSdJwtVc,
  parseSdJwt,
  prepareSdJwtVc,
  sdJwtStatusClaim,
  privateKeyToAddress,
  publicKeyToJwk,
  redactDocument,
  setStatusBit,
  signStatusEntries,
  signStatusListJwt,
  statusFromLists,
  statusListEntry,
  verifyDocumentIntegrity,
  withStatusEntries,
  type BitstringStatusListEntry,
  type StatusPurpose,
} from "../../src/document";
import { diplomaParams, seededRandom } from "./helpers";

const CHAIN = 31337;
const AGENCY = "0x" + "ab".repeat(20);
const BASE = "https://gateway.example";
const listUrl = (purpose: StatusPurpose) => `${BASE}/v1/public/status-lists/${AGENCY}/${purpose}`;
const NOW = 1_780_000_000;

const agencyKey = secp256k1.utils.randomPrivateKey();
const agencyAddress = privateKeyToAddress(agencyKey);
const stranger = secp256k1.utils.randomPrivateKey();

let seed = 0;
function issued() {
  const built = buildDocument(diplomaParams({ issuer: agencyAddress, chainId: CHAIN, random: seededRandom(++seed) }));
  const entries: BitstringStatusListEntry[] = [
    statusListEntry(listUrl("revocation"), "revocation", 4242),
    statusListEntry(listUrl("suspension"), "suspension", 77),
  ];
  const proof = signStatusEntries(built.certId, entries, agencyKey, CHAIN);
  return { ...built, entries, proof, withEntries: withStatusEntries(built.document, { entries, proof }) };
}

function list(purpose: StatusPurpose, set: number[], o: { key?: Uint8Array; validFrom?: number } = {}): string {
  const bits = new Uint8Array(STATUS_LIST_MIN_LENGTH / 8);
  for (const i of set) setStatusBit(bits, i, true);
  const key = o.key ?? agencyKey;
  const validFrom = o.validFrom ?? NOW - 60;
  const credential = buildStatusListCredential({
    id: listUrl(purpose),
    issuer: `did:pkh:eip155:${CHAIN}:${privateKeyToAddress(key)}`,
    statusPurpose: purpose,
    bits,
    validFrom,
    validUntil: validFrom + 3600,
  });
  return signStatusListJwt(credential, key, CHAIN);
}

function check(doc: unknown, lists: string[], agencyKeys = [agencyAddress], now = NOW) {
  const integrity = verifyDocumentIntegrity(doc);
  expect(integrity.code, integrity.reason).to.equal("OK");
  return statusFromLists({
    certificate: integrity as Parameters<typeof statusFromLists>[0]["certificate"],
    lists,
    agencyKeys,
    now,
  });
}

describe("status list entries in the document", () => {
  it("keep the certId, verify, and are read back with the key that signed them", () => {
    const c = issued();
    const v = verifyDocumentIntegrity(c.withEntries);
    expect(v.code, v.reason).to.equal("OK");
    expect(v.certId).to.equal(c.certId);
    expect(Array.isArray(c.withEntries.credentialStatus)).to.equal(true);
    expect(c.withEntries.credentialStatus[0]).to.deep.equal(c.document.credentialStatus);
    expect(c.withEntries.credentialStatus[1]).to.deep.equal({
      id: `${listUrl("revocation")}#4242`,
      type: "BitstringStatusListEntry",
      statusPurpose: "revocation",
      statusListIndex: "4242",
      statusListCredential: listUrl("revocation"),
    });
    expect(v.statusEntries).to.deep.equal({ entries: c.entries, signer: agencyAddress });
    expect(documentStatusEntries(c.withEntries)).to.deep.equal(c.entries);
  });

  it("leave a document without entries verifying exactly as before", () => {
    const c = issued();
    const v = verifyDocumentIntegrity(c.document);
    expect(v.code).to.equal("OK");
    expect(v).to.not.have.property("statusEntries");
    expect(documentStatusEntries(c.document)).to.deep.equal([]);
    expect(check(c.document, [list("revocation", [])])).to.deep.include({
      verdict: "UNKNOWN",
      reasons: ["STATUS_LIST_MISSING"],
    });
  });

  it("stay with the document through redaction", () => {
    const c = issued();
    const redacted = redactDocument(c.withEntries, ["idNumber"]);
    const v = verifyDocumentIntegrity(redacted);
    expect(v.code, v.reason).to.equal("OK");
    expect(v.statusEntries?.entries).to.deep.equal(c.entries);
  });

  it("make a document TAMPERED when an entry is pointed at another index", () => {
    const c = issued();
    const moved = structuredClone(c.withEntries) as unknown as { credentialStatus: Record<string, string>[] };
    moved.credentialStatus[1].statusListIndex = "4243";
    moved.credentialStatus[1].id = `${listUrl("revocation")}#4243`;
    const v = verifyDocumentIntegrity(moved);
    expect(v.code).to.equal("TAMPERED");
    expect(v.reason).to.match(/status list entries/);
  });

  it("make a document TAMPERED when another certificate's signed entries are copied in", () => {
    const a = issued();
    const b = issued();
    const swapped = { ...a.withEntries, proof: { ...a.withEntries.proof, statusEntryProof: b.proof } };
    const copied = { ...swapped, credentialStatus: [a.document.credentialStatus, ...b.entries] };
    expect(verifyDocumentIntegrity(copied).code).to.equal("TAMPERED");
  });

  it("are MALFORMED without their proof, with an unknown member or an entry for a foreign URL", () => {
    const c = issued();
    const noProof = { ...c.withEntries, proof: { ...c.withEntries.proof, statusEntryProof: undefined } };
    expect(verifyDocumentIntegrity(JSON.parse(JSON.stringify(noProof))).code).to.equal("MALFORMED");
    const extra = structuredClone(c.withEntries) as unknown as { credentialStatus: Record<string, string>[] };
    extra.credentialStatus[1].statusSize = "1";
    expect(verifyDocumentIntegrity(extra).code).to.equal("MALFORMED");
    const foreign = structuredClone(c.withEntries) as unknown as { credentialStatus: Record<string, string>[] };
    foreign.credentialStatus[1].statusListCredential = "https://elsewhere.example/list";
    expect(verifyDocumentIntegrity(foreign).reason).to.match(/statusListCredential/);
    // The proof member is only for a document that carries entries.
    const stray = { ...c.document, proof: { ...c.document.proof, statusEntryProof: c.proof } };
    expect(verifyDocumentIntegrity(stray).code).to.equal("MALFORMED");
  });

  it("leave an SD-JWT VC export's credentialStatus disclosure the ledger's entry, the list entries in its status claim", () => {
    const c = issued();
    const holderKey = secp256k1.utils.randomPrivateKey();
    const unsigned = prepareSdJwtVc({
      document: c.withEntries,
      issuer: "https://gateway.example/issuers/" + AGENCY,
      issuerKey: publicKeyToJwk(secp256k1.getPublicKey(agencyKey, false)),
      holderKey: publicKeyToJwk(secp256k1.getPublicKey(holderKey, false)),
      issuedAt: NOW,
      status: c.entries,
    });
    const finished = finishSdJwtVc(
      unsigned.signingInput,
      unsigned.disclosures,
      es256kSign(agencyKey, unsigned.signingInput),
    );
    const claims = disclosedClaims(parseSdJwt(finished));
    expect(claims.credentialStatus).to.deep.equal(c.document.credentialStatus);
    expect(unsigned.payload.status).to.deep.equal(sdJwtStatusClaim(c.entries));
  });

  it("are refused by withStatusEntries when the proof is for another certificate", () => {
    const a = issued();
    const b = issued();
    expect(() => withStatusEntries(a.document, { entries: b.entries, proof: b.proof })).to.throw(
      /does not sign these entries/,
    );
  });
});

describe("status from lists fetched whole", () => {
  it("is VALID (ACTIVE) when both bits are clear in fresh lists signed by an agency key", () => {
    const c = issued();
    const r = check(c.withEntries, [list("revocation", [1, 2, 3]), list("suspension", [4242])]);
    expect(r).to.deep.include({ method: "status-list", verdict: "VALID", reasons: [], status: "ACTIVE" });
    expect(r.agency).to.equal(AGENCY);
    expect(r.lists.map((l) => [l.purpose, l.index, l.set])).to.deep.equal([
      ["revocation", 4242, false],
      ["suspension", 77, false],
    ]);
  });

  it("reads a revoked and a suspended certificate from the lists' bits", () => {
    const c = issued();
    const revoked = check(c.withEntries, [list("revocation", [4242]), list("suspension", [])]);
    expect(revoked).to.deep.include({ verdict: "INVALID", reasons: ["REVOKED"], status: "REVOKED" });
    const suspended = check(c.withEntries, [list("revocation", []), list("suspension", [77])]);
    expect(suspended).to.deep.include({ verdict: "INVALID", reasons: ["SUSPENDED"], status: "SUSPENDED" });
  });

  it("calls a list past its validUntil or older than the max age STALE, not VALID", () => {
    const c = issued();
    const old = [list("revocation", [], { validFrom: NOW - 7200 }), list("suspension", [])];
    const r = check(c.withEntries, old);
    expect(r.verdict).to.equal("UNKNOWN");
    expect(r.reasons).to.deep.equal(["STATUS_LIST_STALE"]);
    expect(r).to.not.have.property("status");
    // Within validUntil but older than the verifier's own max age.
    const young = statusFromLists({
      certificate: verifyDocumentIntegrity(c.withEntries) as Parameters<typeof statusFromLists>[0]["certificate"],
      lists: [list("revocation", [], { validFrom: NOW - 600 }), list("suspension", [])],
      agencyKeys: [agencyAddress],
      now: NOW,
      maxAgeSeconds: 300,
    });
    expect(young.reasons).to.deep.equal(["STATUS_LIST_STALE"]);
    // A stale list that says revoked still says revoked.
    expect(check(c.withEntries, [list("revocation", [4242], { validFrom: NOW - 7200 }), list("suspension", [])]))
      .to.deep.include({ verdict: "INVALID", status: "REVOKED" })
      .and.have.property("reasons")
      .that.has.members(["STATUS_LIST_STALE", "REVOKED"]);
  });

  it("does not believe a list signed by a stranger, nor an unsigned one", () => {
    const c = issued();
    const r = check(c.withEntries, [list("revocation", [], { key: stranger }), list("suspension", [])]);
    expect(r).to.deep.include({ verdict: "UNKNOWN", reasons: ["STATUS_LIST_BAD_SIGNATURE"] });
    const unsigned = buildStatusListCredential({
      id: listUrl("revocation"),
      issuer: `did:pkh:eip155:${CHAIN}:${agencyAddress}`,
      statusPurpose: "revocation",
      bits: new Uint8Array(STATUS_LIST_MIN_LENGTH / 8),
      validFrom: NOW,
    });
    const u = statusFromLists({
      certificate: verifyDocumentIntegrity(c.withEntries) as Parameters<typeof statusFromLists>[0]["certificate"],
      lists: [unsigned, list("suspension", [])],
      agencyKeys: [agencyAddress],
      now: NOW,
    });
    expect(u.reasons).to.deep.equal(["STATUS_LIST_BAD_SIGNATURE"]);
  });

  it("refuses entries signed by a key that is not the agency's (a holder cannot sign their own)", () => {
    const built = buildDocument(diplomaParams({ issuer: agencyAddress, chainId: CHAIN }));
    const entries = [statusListEntry(listUrl("revocation"), "revocation", 9)];
    const self = withStatusEntries(built.document, {
      entries,
      proof: signStatusEntries(built.certId, entries, stranger, CHAIN),
    });
    const r = check(self, [list("revocation", [4242])]);
    expect(r.verdict).to.equal("INVALID");
    expect(r.reasons).to.include("STATUS_ENTRY_BAD_SIGNATURE");
  });

  it("reports a missing list, an expired certificate and an issuer that is no agency key", () => {
    const c = issued();
    expect(check(c.withEntries, [list("revocation", [])]).reasons).to.deep.equal(["STATUS_LIST_MISSING"]);
    const later = check(c.withEntries, [list("revocation", []), list("suspension", [])], [agencyAddress], NOW);
    expect(later.verdict).to.equal("VALID");
    const expired = buildDocument(
      diplomaParams({ issuer: agencyAddress, chainId: CHAIN, validFrom: NOW - 100, validUntil: NOW - 10 }),
    );
    const e = withStatusEntries(expired.document, {
      entries: c.entries,
      proof: signStatusEntries(expired.certId, c.entries, agencyKey, CHAIN),
    });
    expect(check(e, [list("revocation", []), list("suspension", [])]).reasons).to.deep.equal(["EXPIRED"]);
    const other = buildDocument(diplomaParams({ chainId: CHAIN }));
    const o = withStatusEntries(other.document, {
      entries: c.entries,
      proof: signStatusEntries(other.certId, c.entries, agencyKey, CHAIN),
    });
    expect(check(o, [list("revocation", []), list("suspension", [])]).reasons).to.deep.equal(["ISSUER_NOT_ACCREDITED"]);
  });
});
