import { expect } from "chai";
import {
  answerCounterRequest,
  COUNTER_ERRORS,
  counterRequestPhase,
  declineCounterRequest,
  type CounterDeps,
  type CounterPresentation,
  getCounterRequest,
  getCounterRequestForVerifier,
  openCounterRequest,
  purposeHash,
} from "../../src/domain/counter";
import { MemoryCounterSessionStore } from "../../src/domain/counterMemory";
import { DomainError } from "../../src/domain/errors";
import type {
  Address,
  Bytes32,
  DelegateGrantRelayRequest,
  DelegationTerms,
  DocumentIntegrity,
  GrantRelayRequest,
  Hex,
} from "../../src/domain/ports";

const VERIFIER = "0x00000000000000000000000000000000000000aa" as Address;
const OTHER_VERIFIER = "0x00000000000000000000000000000000000000bb" as Address;
const HOLDER = "0x0000000000000000000000000000000000000011" as Address;
const CERT = `0x${"c1".repeat(32)}` as Bytes32;
const AGENCY = "0x00000000000000000000000000000000000000cc" as Address;
const ROOT = `0x${"a0".repeat(32)}` as Bytes32;
const DELEGATE = "0x0000000000000000000000000000000000000022" as Address;
const DELEGATION_ID = `0x${"de".repeat(32)}` as Bytes32;
const TERMS: DelegationTerms = {
  certId: CERT,
  delegate: DELEGATE,
  purpose: `0x${"0".repeat(64)}` as Bytes32,
  verifier: `0x${"0".repeat(40)}` as Address,
  online: false,
  validUntil: 2_000_000,
  nonce: "5",
  deadline: 1_000_600,
};

/** A fake document: the fake library trusts its flags. */
interface FakeDoc {
  certId: Bytes32;
  holder: Address;
  typeCode: string;
  tampered?: boolean;
}

function fixture(opts: { relayRejects?: string } = {}) {
  let now = 1_000_000;
  const relayed: GrantRelayRequest[] = [];
  const delegated: DelegateGrantRelayRequest[] = [];
  const recorded: string[] = [];
  const sessions = new MemoryCounterSessionStore();
  const deps: CounterDeps = {
    clock: { now: () => now },
    sessions,
    typeExists: (code) => ["resident-id-card", "business-licence"].includes(code),
    issuerOf: async (certId) =>
      certId === CERT ? { agency: AGENCY, name: "Public Security Bureau", nameZh: "公安局" } : undefined,
    documents: {
      verifyIntegrity(doc: unknown): DocumentIntegrity {
        const d = doc as FakeDoc;
        return {
          status: d.tampered ? "TAMPERED" : "OK",
          certId: d.certId,
          holder: d.holder,
          documentRoot: ROOT,
          typeCode: d.typeCode,
          disclosed: { name: "张三" },
          redacted: ["idNumber", "birthDate"],
          validFrom: 1_700_000_000,
          validUntil: 2_000_000_000,
          problems: d.tampered ? ["leaf mismatch"] : [],
        };
      },
    },
    // The fake signature is the signer's address.
    signatures: { recoverGrant: (_g, sig) => sig as Address, delegationId: () => DELEGATION_ID },
    chain: {
      async relayGrant(req) {
        if (opts.relayRejects) throw new DomainError(opts.relayRejects, "refused", { status: 409 });
        relayed.push(req);
        return { grantId: `0x${"9".repeat(63)}${relayed.length}` as Bytes32 };
      },
      async relayDelegateGrant(req) {
        if (opts.relayRejects) throw new DomainError(opts.relayRejects, "refused", { status: 409 });
        delegated.push(req);
        return { grantId: `0x${"8".repeat(63)}${delegated.length}` as Bytes32 };
      },
    },
    presentations: {
      async verifyAndRecord(input) {
        recorded.push(input.grantId);
        return { verdict: "VALID", reasons: [] };
      },
    },
  };
  const advance = (s: number) => (now += s);
  return { deps, relayed, delegated, recorded, advance, now: () => now };
}

async function open(deps: CounterDeps, types = ["resident-id-card"]) {
  return openCounterRequest(deps, { verifier: VERIFIER, types, purpose: "open-bank-account", minutes: 5 });
}

function present(
  session: { verifier: string; nonce: string; purpose: string; expiresAt: number },
  doc: FakeDoc,
  signer: string = doc.holder,
): CounterPresentation {
  return {
    document: doc,
    grant: {
      certId: doc.certId,
      grantee: session.verifier as Address,
      purpose: purposeHash(session.purpose),
      validUntil: session.expiresAt,
      maxUses: 1,
      nonce: session.nonce,
      deadline: session.expiresAt,
    },
    signature: signer as Hex,
  };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<DomainError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(DomainError);
    expect((err as DomainError).code).to.equal(code);
    return err as DomainError;
  }
  expect.fail(`expected ${code}`);
}

const DOC: FakeDoc = { certId: CERT, holder: HOLDER, typeCode: "resident-id-card" };

describe("counter presentation requests", () => {
  it("opens a request with an unguessable id, a 256-bit nonce and an expiry in minutes", async () => {
    const { deps, now } = fixture();
    const s = await open(deps);
    expect(s.id).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(BigInt(s.nonce) > 0n).to.equal(true);
    expect(s.expiresAt).to.equal(now() + 300);
    expect(s.state).to.equal("OPEN");
    const other = await open(deps);
    expect(other.id).to.not.equal(s.id);
    expect(other.nonce).to.not.equal(s.nonce);
  });

  it("refuses unknown types, a bad purpose code and lifetimes outside 1..30 minutes", async () => {
    const { deps } = fixture();
    await expectCode(
      openCounterRequest(deps, { verifier: VERIFIER, types: ["no-such-type"], purpose: "x" }),
      COUNTER_ERRORS.BAD_REQUEST,
    );
    await expectCode(
      openCounterRequest(deps, { verifier: VERIFIER, types: [], purpose: "x" }),
      COUNTER_ERRORS.BAD_REQUEST,
    );
    await expectCode(
      openCounterRequest(deps, { verifier: VERIFIER, types: ["resident-id-card"], purpose: "Has Spaces" }),
      COUNTER_ERRORS.BAD_REQUEST,
    );
    await expectCode(
      openCounterRequest(deps, { verifier: VERIFIER, types: ["resident-id-card"], purpose: "x", minutes: 0 }),
      COUNTER_ERRORS.BAD_REQUEST,
    );
    await expectCode(
      openCounterRequest(deps, { verifier: VERIFIER, types: ["resident-id-card"], purpose: "x", minutes: 31 }),
      COUNTER_ERRORS.BAD_REQUEST,
    );
  });

  it("answers once: relays the grant, verifies with the check recorded, and shows only the disclosed fields", async () => {
    const { deps, relayed, recorded } = fixture();
    const s = await open(deps);
    const result = await answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] });
    expect(result.verdict).to.equal("VALID");
    expect(result.presentations[0].disclosed).to.deep.equal({ name: "张三" });
    expect(result.presentations[0].redactedCount).to.equal(2);
    expect(relayed).to.have.length(1);
    expect(relayed[0].documentRoot).to.equal(ROOT);
    expect(recorded).to.have.length(1);
    const seen = await getCounterRequestForVerifier(deps, s.id, VERIFIER);
    expect(seen.state).to.equal("ANSWERED");
    expect(seen.result?.verdict).to.equal("VALID");
    expect((await getCounterRequest(deps, s.id)).result).to.equal(undefined);
  });

  it("refuses a replayed answer with COUNTER_REQUEST_ANSWERED and relays nothing more", async () => {
    const { deps, relayed } = fixture();
    const s = await open(deps);
    const p = present(s, DOC);
    await answerCounterRequest(deps, { id: s.id, presentations: [p] });
    const err = await expectCode(answerCounterRequest(deps, { id: s.id, presentations: [p] }), COUNTER_ERRORS.ANSWERED);
    expect(err.status).to.equal(409);
    expect(relayed).to.have.length(1);
  });

  it("lets only one of two concurrent answers through", async () => {
    const { deps, relayed } = fixture();
    const s = await open(deps);
    const outcomes = await Promise.allSettled([
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] }),
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).to.have.length(1);
    expect(relayed).to.have.length(1);
  });

  it("refuses an expired request with COUNTER_REQUEST_EXPIRED", async () => {
    const { deps, advance, relayed } = fixture();
    const s = await open(deps);
    advance(301);
    const err = await expectCode(
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] }),
      COUNTER_ERRORS.EXPIRED,
    );
    expect(err.status).to.equal(410);
    expect(relayed).to.have.length(0);
  });

  it("refuses a forged request id with COUNTER_REQUEST_NOT_FOUND", async () => {
    const { deps } = fixture();
    const s = await open(deps);
    await expectCode(getCounterRequest(deps, "AAAAAAAAAAAAAAAAAAAAAA"), COUNTER_ERRORS.NOT_FOUND);
    await expectCode(getCounterRequest(deps, "../../etc/passwd"), COUNTER_ERRORS.NOT_FOUND);
    await expectCode(
      answerCounterRequest(deps, { id: "AAAAAAAAAAAAAAAAAAAAAA", presentations: [present(s, DOC)] }),
      COUNTER_ERRORS.NOT_FOUND,
    );
  });

  it("hides a request from another verifier", async () => {
    const { deps } = fixture();
    const s = await open(deps);
    await expectCode(getCounterRequestForVerifier(deps, s.id, OTHER_VERIFIER), COUNTER_ERRORS.NOT_FOUND);
  });

  it("refuses a grant made for another request, and leaves this one open", async () => {
    const { deps, relayed } = fixture();
    const a = await open(deps);
    const b = await open(deps);
    await expectCode(
      answerCounterRequest(deps, { id: b.id, presentations: [present(a, DOC)] }),
      COUNTER_ERRORS.GRANT_MISMATCH,
    );
    expect(relayed).to.have.length(0);
    const result = await answerCounterRequest(deps, { id: b.id, presentations: [present(b, DOC)] });
    expect(result.verdict).to.equal("VALID");
  });

  it("refuses grants to another verifier, for another purpose or with more than one use", async () => {
    const { deps, relayed } = fixture();
    const s = await open(deps);
    const variants: Array<(p: CounterPresentation) => void> = [
      (p) => (p.grant.grantee = OTHER_VERIFIER),
      (p) => (p.grant.purpose = purposeHash("something-else")),
      (p) => (p.grant.maxUses = 5),
      (p) => (p.grant.validUntil = s.expiresAt + 86_400),
      (p) => (p.grant.certId = `0x${"d2".repeat(32)}` as Bytes32),
    ];
    for (const mutate of variants) {
      const p = present(s, DOC);
      mutate(p);
      await expectCode(answerCounterRequest(deps, { id: s.id, presentations: [p] }), COUNTER_ERRORS.GRANT_MISMATCH);
    }
    expect(relayed).to.have.length(0);
  });

  it("refuses a tampered document before the chain", async () => {
    const { deps, relayed } = fixture();
    const s = await open(deps);
    const err = await expectCode(
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, { ...DOC, tampered: true })] }),
      COUNTER_ERRORS.DOCUMENT_TAMPERED,
    );
    expect(err.status).to.equal(422);
    expect(relayed).to.have.length(0);
  });

  it("refuses a grant signed by someone other than the holder", async () => {
    const { deps, relayed } = fixture();
    const s = await open(deps);
    await expectCode(
      answerCounterRequest(deps, {
        id: s.id,
        presentations: [present(s, DOC, "0x00000000000000000000000000000000000000ee")],
      }),
      COUNTER_ERRORS.BAD_SIGNATURE,
    );
    expect(relayed).to.have.length(0);
  });

  it("relays a delegate's presentation with the holder's delegation terms and says who presented it; refuses one the holder signed in the delegate's place", async () => {
    const { deps, relayed, delegated } = fixture();
    const s = await open(deps);
    await expectCode(
      answerCounterRequest(deps, { id: s.id, presentations: [{ ...present(s, DOC), delegation: TERMS }] }),
      COUNTER_ERRORS.BAD_SIGNATURE,
    );
    await expectCode(
      answerCounterRequest(deps, {
        id: s.id,
        presentations: [{ ...present(s, DOC, DELEGATE), delegation: { ...TERMS, certId: ROOT } }],
      }),
      COUNTER_ERRORS.GRANT_MISMATCH,
    );
    const result = await answerCounterRequest(deps, {
      id: s.id,
      presentations: [{ ...present(s, DOC, DELEGATE), delegation: TERMS }],
    });
    expect(relayed).to.have.length(0);
    expect(delegated).to.have.length(1);
    expect(delegated[0].delegation).to.deep.equal(TERMS);
    expect(result.presentations[0].presentedBy).to.deep.equal({ delegate: DELEGATE, delegationId: DELEGATION_ID });
  });

  it("puts the delegation's refusal first in the verdict of a delegate's presentation", async () => {
    const { deps } = fixture({ relayRejects: "DELEGATION_REVOKED" });
    deps.presentations.verifyWithoutGrant = async () => ({ verdict: "INVALID", reasons: ["SUSPENDED"] });
    const s = await open(deps);
    const result = await answerCounterRequest(deps, {
      id: s.id,
      presentations: [{ ...present(s, DOC, DELEGATE), delegation: TERMS }],
    });
    expect(result.verdict).to.equal("INVALID");
    expect(result.presentations[0].reasons).to.deep.equal(["DELEGATION_REVOKED", "SUSPENDED"]);
    expect(result.presentations[0].presentedBy).to.deep.equal({ delegate: DELEGATE, delegationId: DELEGATION_ID });
  });

  it("refuses a type that was not asked for, and a missing requested type", async () => {
    const { deps, relayed } = fixture();
    const s = await open(deps, ["resident-id-card", "business-licence"]);
    await expectCode(
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, { ...DOC, typeCode: "diploma" })] }),
      COUNTER_ERRORS.TYPE_NOT_REQUESTED,
    );
    await expectCode(
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] }),
      COUNTER_ERRORS.TYPES_MISSING,
    );
    expect(relayed).to.have.length(0);
  });

  it("reports the chain's refusal of a grant as the verdict and closes the request", async () => {
    const { deps, recorded } = fixture({ relayRejects: "REPLAYED" });
    const s = await open(deps);
    const result = await answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] });
    expect(result.verdict).to.equal("INVALID");
    expect(result.presentations[0].reasons).to.deep.equal(["REPLAYED"]);
    expect(recorded).to.have.length(0);
  });

  it("reopens the request when answering fails on the gateway's side", async () => {
    const { deps } = fixture();
    let fail = true;
    const verify = deps.presentations.verifyAndRecord;
    deps.presentations.verifyAndRecord = async (input) => {
      if (fail) throw new Error("node down");
      return verify(input);
    };
    const s = await open(deps);
    try {
      await answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] });
      expect.fail("should throw");
    } catch (err) {
      expect((err as Error).message).to.equal("node down");
    }
    expect((await getCounterRequest(deps, s.id)).state).to.equal("OPEN");
    fail = false;
  });

  it("shows the issuing agency and the validity of each presented certificate", async () => {
    const { deps } = fixture();
    const s = await open(deps);
    const result = await answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] });
    expect(result.presentations[0]).to.deep.include({
      issuer: { agency: AGENCY, name: "Public Security Bureau", nameZh: "公安局" },
      validFrom: 1_700_000_000,
      validUntil: 2_000_000_000,
    });
  });

  it("tells the counter at once when the holder declines, long before the request expires, and refuses an answer after it", async () => {
    const { deps, relayed, now } = fixture();
    const s = await open(deps);
    const declined = await declineCounterRequest(deps, s.id);
    expect(declined.state).to.equal("DECLINED");
    expect(declined.declinedAt).to.equal(now());
    const seen = await getCounterRequestForVerifier(deps, s.id, VERIFIER);
    expect(counterRequestPhase(seen, now())).to.equal("DECLINED");
    expect(seen.expiresAt - now()).to.equal(300);
    const err = await expectCode(
      answerCounterRequest(deps, { id: s.id, presentations: [present(s, DOC)] }),
      COUNTER_ERRORS.DECLINED,
    );
    expect(err.status).to.equal(409);
    expect(relayed).to.have.length(0);
  });

  it("declines idempotently, but not an answered, expired or unknown request", async () => {
    const { deps, advance } = fixture();
    const s = await open(deps);
    const first = await declineCounterRequest(deps, s.id);
    advance(10);
    const again = await declineCounterRequest(deps, s.id);
    expect(again.state).to.equal("DECLINED");
    expect(again.declinedAt).to.equal(first.declinedAt);

    const answered = await open(deps);
    await answerCounterRequest(deps, { id: answered.id, presentations: [present(answered, DOC)] });
    expect((await expectCode(declineCounterRequest(deps, answered.id), COUNTER_ERRORS.ANSWERED)).status).to.equal(409);
    expect((await getCounterRequestForVerifier(deps, answered.id, VERIFIER)).state).to.equal("ANSWERED");

    const late = await open(deps);
    advance(301);
    expect((await expectCode(declineCounterRequest(deps, late.id), COUNTER_ERRORS.EXPIRED)).status).to.equal(410);
    await expectCode(declineCounterRequest(deps, "AAAAAAAAAAAAAAAAAAAAAA"), COUNTER_ERRORS.NOT_FOUND);
  });
});
