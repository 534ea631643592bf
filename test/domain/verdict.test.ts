import { expect } from "chai";
import type { CertificateView, DocumentIntegrity, GrantView, SigningKeyView } from "../../src/domain/ports";
import { decideVerdict, type VerdictInput } from "../../src/domain/verdict";

const A = `0x${"a".repeat(40)}` as const;
const K = `0x${"b".repeat(40)}` as const;
const V = `0x${"c".repeat(40)}` as const;
const W = `0x${"d".repeat(40)}` as const;
const ID = `0x${"1".repeat(64)}` as const;
const GID = `0x${"2".repeat(64)}` as const;
const ROOT = `0x${"3".repeat(64)}` as const;

function base(over: Partial<VerdictInput> = {}): VerdictInput {
  const integrity: DocumentIntegrity = {
    status: "OK",
    certId: ID,
    issuerKey: K,
    typeCode: "diploma",
    validFrom: 1000,
    validUntil: 9000,
    disclosed: {},
    redacted: [],
    problems: [],
  };
  const certificate: CertificateView = {
    certId: ID,
    typeId: 25,
    issuerKey: K,
    agency: A,
    issuedAt: 1000,
    validFrom: 1000,
    validUntil: 9000,
    status: "ACTIVE",
  };
  const signingKey: SigningKeyView = { key: K, agency: A, validFrom: 500, validUntil: 0 };
  const grant: GrantView = {
    grantId: GID,
    certId: ID,
    grantee: V,
    purpose: ROOT,
    validUntil: 8000,
    maxUses: 2,
    uses: 0,
    revoked: false,
    createdAt: 1500,
  };
  return {
    now: 2000,
    integrity,
    certificate,
    type: { typeId: 25, code: "diploma", name: "Diploma", schemaHash: ROOT, maxValiditySeconds: 0, active: true },
    signingKey,
    accreditedAtIssue: true,
    consent: { verifier: V, grant },
    ...over,
  };
}

describe("decideVerdict", () => {
  it("says VALID when every rule holds", () => {
    expect(decideVerdict(base())).to.deep.equal({ verdict: "VALID", reasons: [] });
  });

  it("reports TAMPERED for a document whose hashes do not match", () => {
    expect(decideVerdict(base({ integrity: { ...base().integrity, status: "TAMPERED" } })).reasons).to.include(
      "TAMPERED",
    );
  });

  it("reports only TAMPERED when the document is too damaged to name a certId", () => {
    const r = decideVerdict(
      base({ integrity: { status: "TAMPERED", disclosed: {}, redacted: [], problems: [] }, certificate: undefined }),
    );
    expect(r.reasons).to.deep.equal(["TAMPERED"]);
  });

  it("reports NOT_ISSUED when the index has no record", () => {
    expect(decideVerdict(base({ certificate: undefined })).reasons).to.include("NOT_ISSUED");
  });

  it("reports NOT_ISSUED for a batched certificate whose proof does not reach the anchored root", () => {
    const cert = { ...base().certificate!, batchRoot: ROOT };
    const batch = { root: ROOT, typeId: 25, issuerKey: K, agency: A, issuedAt: 1000, count: 10 };
    expect(decideVerdict(base({ certificate: cert, batch, batchProofValid: false })).reasons).to.deep.equal([
      "NOT_ISSUED",
    ]);
    expect(decideVerdict(base({ certificate: cert, batch, batchProofValid: true })).verdict).to.equal("VALID");
  });

  for (const [status, reason] of [
    ["REVOKED", "REVOKED"],
    ["SUSPENDED", "SUSPENDED"],
    ["SUPERSEDED", "SUPERSEDED"],
  ] as const)
    it(`reports ${reason} for a ${status.toLowerCase()} certificate`, () => {
      expect(decideVerdict(base({ certificate: { ...base().certificate!, status } })).reasons).to.deep.equal([reason]);
    });

  it("reports NOT_YET_VALID before validFrom and EXPIRED at validUntil", () => {
    expect(decideVerdict(base({ now: 999 })).reasons).to.include("NOT_YET_VALID");
    expect(decideVerdict(base({ now: 9000, consent: undefined })).reasons).to.deep.equal(["EXPIRED"]);
  });

  it("reports ISSUER_NOT_ACCREDITED when the key was outside its window or the agency not accredited at issuance", () => {
    expect(decideVerdict(base({ accreditedAtIssue: false })).reasons).to.deep.equal(["ISSUER_NOT_ACCREDITED"]);
    expect(
      decideVerdict(base({ signingKey: { key: K, agency: A, validFrom: 1001, validUntil: 0 } })).reasons,
    ).to.deep.equal(["ISSUER_NOT_ACCREDITED"]);
    expect(
      decideVerdict(base({ signingKey: { key: K, agency: A, validFrom: 0, validUntil: 1000 } })).reasons,
    ).to.deep.equal(["ISSUER_NOT_ACCREDITED"]);
  });

  it("keeps a certificate valid after its key is retired later", () => {
    expect(decideVerdict(base({ signingKey: { key: K, agency: A, validFrom: 0, validUntil: 1500 } })).verdict).to.equal(
      "VALID",
    );
  });

  it("reports TYPE_MISMATCH when the verifier asked for another type", () => {
    expect(decideVerdict(base({ expectedTypeCode: "passport" })).reasons).to.deep.equal(["TYPE_MISMATCH"]);
  });

  it("reports the consent reasons: NO_GRANT, WRONG_VERIFIER, GRANT_REVOKED, GRANT_EXPIRED, GRANT_USED_UP", () => {
    const g = base().consent!.grant!;
    expect(decideVerdict(base({ consent: { verifier: V } })).reasons).to.deep.equal(["NO_GRANT"]);
    expect(decideVerdict(base({ consent: { verifier: V, grant: { ...g, certId: GID } } })).reasons).to.deep.equal([
      "NO_GRANT",
    ]);
    expect(decideVerdict(base({ consent: { verifier: W, grant: g } })).reasons).to.deep.equal(["WRONG_VERIFIER"]);
    expect(decideVerdict(base({ consent: { verifier: V, grant: { ...g, revoked: true } } })).reasons).to.deep.equal([
      "GRANT_REVOKED",
    ]);
    expect(decideVerdict(base({ now: 8000 })).reasons).to.deep.equal(["GRANT_EXPIRED"]);
    expect(decideVerdict(base({ consent: { verifier: V, grant: { ...g, uses: 2 } } })).reasons).to.deep.equal([
      "GRANT_USED_UP",
    ]);
    expect(decideVerdict(base({ consent: { verifier: V, signatureProblem: "BAD_SIGNATURE" } })).reasons).to.deep.equal([
      "BAD_SIGNATURE",
    ]);
  });

  it("reports DELEGATION_REVOKED and DELEGATION_EXPIRED for a delegate's grant whose delegation was revoked or has ended", () => {
    const g = { ...base().consent!.grant!, delegationId: ROOT };
    const delegation = {
      delegationId: ROOT,
      certId: ID,
      delegate: W,
      purpose: ROOT,
      verifier: V,
      online: false,
      validUntil: 7000,
      revoked: false,
      createdAt: 1000,
    };
    const under = (d: typeof delegation | undefined, now = 2000) =>
      decideVerdict(base({ now, consent: { verifier: V, grant: g, delegation: d } })).reasons;
    expect(under(delegation)).to.deep.equal([]);
    expect(under({ ...delegation, revoked: true })).to.deep.equal(["DELEGATION_REVOKED"]);
    expect(under(delegation, 7000)).to.deep.equal(["DELEGATION_EXPIRED"]);
    expect(under(delegation, 8000)).to.deep.equal(["DELEGATION_EXPIRED", "GRANT_EXPIRED"]);
    // No record of the delegation the grant names: never taken as consent.
    expect(under(undefined)).to.deep.equal(["DELEGATION_REVOKED"]);
  });

  it("lists every failing rule in a stable order", () => {
    const r = decideVerdict(
      base({
        now: 9500,
        certificate: { ...base().certificate!, status: "REVOKED" },
        consent: { verifier: W, grant: base().consent!.grant },
      }),
    );
    expect(r.reasons).to.deep.equal(["REVOKED", "EXPIRED", "WRONG_VERIFIER", "GRANT_EXPIRED"]);
  });
});
