import { expect } from "chai";
import { DomainError } from "../../src/domain/errors";
import type { Address, Bytes32, Hex, IdempotencyRecord, RecordCheckRelayRequest } from "../../src/domain/ports";
import { checkShareLink, createShare, type ShareDeps, shareStoreOverPorts } from "../../src/domain/share";
import { purposeHash } from "../../src/domain/counter";

const LINK = "0x00000000000000000000000000000000000001ab" as Address;
const CERT = `0x${"c1".repeat(32)}` as Bytes32;
const GRANT = `0x${"9".repeat(64)}` as Bytes32;

function fixture(verdict: { verdict: "VALID" | "INVALID"; reasons: string[] } = { verdict: "VALID", reasons: [] }) {
  const now = 2_000_000_000;
  const idem = new Map<string, IdempotencyRecord>();
  const relayed: unknown[] = [];
  // The chain's side of the grant, as ConsentRegistry.recordCheckBySig keeps it.
  const onChain = { uses: 0, maxUses: 0, recorded: [] as RecordCheckRelayRequest[] };
  const deps: ShareDeps = {
    clock: { now: () => now },
    shares: shareStoreOverPorts({
      async claim(key, record) {
        if (idem.has(key)) return idem.get(key);
        idem.set(key, record);
        return undefined;
      },
      async get(key) {
        return idem.get(key);
      },
      async markDone() {},
    }),
    // The fake signature is the signer's address, ":", the use and ":", the deadline.
    signatures: {
      recoverRecordCheck: (m, sig) => {
        const [signer, use, deadline] = sig.split(":");
        return m.grantId === GRANT && Number(use) === m.use && Number(deadline) === m.deadline
          ? (signer as Address)
          : undefined;
      },
    },
    relayGrant: async (req) => {
      relayed.push(req);
      onChain.maxUses = req.grant.maxUses;
      return { grantId: GRANT };
    },
    usesOf: async () => onChain.uses,
    relayRecordCheck: async (req) => {
      await Promise.resolve();
      if (onChain.uses >= onChain.maxUses) throw new DomainError("GRANT_USED_UP", "used up", { status: 409 });
      if (req.use !== onChain.uses + 1) throw new DomainError("CHECK_USE_TAKEN", "taken", { status: 409 });
      onChain.uses++;
      onChain.recorded.push(req);
      return { txHash: `0x${"ab".repeat(32)}` as Hex, blockNumber: 7 };
    },
    verify: async () => ({ ...verdict, disclosed: { name: "张三" } }),
    certIdOf: () => CERT,
  };
  const create = (maxUses = 2) =>
    createShare(deps, {
      mode: "link",
      purpose: "rent-a-flat",
      payload: "ciphertext",
      signed: {
        grant: {
          certId: CERT,
          grantee: LINK,
          purpose: purposeHash("rent-a-flat"),
          validUntil: now + 3600,
          maxUses,
          nonce: "1",
          deadline: now + 600,
        },
        signature: "0x00" as Hex,
        documentRoot: CERT,
      },
    });
  /** What the verify page sends for `use`, signed by `signer` (the link's key by default). */
  const signed = (use: number, signer: string = LINK, deadline = now + 300) => ({
    use,
    deadline,
    signature: `${signer}:${use}:${deadline}` as Hex,
  });
  return { deps, create, signed, relayed, onChain, now };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as DomainError).code;
  }
  return "none";
}

describe("share links (domain)", () => {
  it("records each VALID check on chain with the link's signature, one use each, then GRANT_USED_UP", async () => {
    const { deps, create, signed, onChain } = fixture();
    const share = await create(2);
    const one = await checkShareLink(deps, { id: share.id, document: {}, check: signed(1) });
    expect([one.verdict, one.recorded?.use, one.usesLeft]).to.deep.equal(["VALID", 1, 1]);
    const two = await checkShareLink(deps, { id: share.id, document: {}, check: signed(2) });
    expect([two.verdict, two.recorded?.use, two.usesLeft]).to.deep.equal(["VALID", 2, 0]);
    const three = await checkShareLink(deps, { id: share.id, document: {}, check: signed(3) });
    expect([three.verdict, three.reasons, three.disclosed, three.usesLeft]).to.deep.equal([
      "INVALID",
      ["GRANT_USED_UP"],
      {},
      0,
    ]);
    expect(onChain.recorded.map((r) => [r.grantId, r.use, r.signature])).to.deep.equal([
      [GRANT, 1, signed(1).signature],
      [GRANT, 2, signed(2).signature],
    ]);
  });

  it("lets one of two checks racing for the same use through and refuses the other with CHECK_USE_TAKEN", async () => {
    const { deps, create, signed, onChain } = fixture();
    const share = await create(5);
    const a = { ...signed(1), deadline: deps.clock.now() + 200 };
    a.signature = `${LINK}:1:${a.deadline}` as Hex;
    const results = await Promise.allSettled([
      checkShareLink(deps, { id: share.id, document: {}, check: signed(1) }),
      checkShareLink(deps, { id: share.id, document: {}, check: a }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled" && r.value.verdict === "VALID")).to.have.length(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as DomainError).code).to.equal("CHECK_USE_TAKEN");
    expect(onChain.uses).to.equal(1);
  });

  it("passes the gateway's verdict through (GRANT_REVOKED) without recording a check", async () => {
    const { deps, create, signed, onChain } = fixture({ verdict: "INVALID", reasons: ["GRANT_REVOKED"] });
    const share = await create(1);
    const r = await checkShareLink(deps, { id: share.id, document: {}, check: signed(1) });
    expect(r.reasons).to.deep.equal(["GRANT_REVOKED"]);
    expect(r.disclosed).to.deep.equal({});
    expect(onChain.recorded).to.have.length(0);
  });

  it("refuses another key, an expired or far-off deadline, a replay and a use past the next", async () => {
    const { deps, create, signed, now, onChain } = fixture();
    const share = await create(3);
    const check = (c: ReturnType<typeof signed>, id = share.id) => checkShareLink(deps, { id, document: {}, check: c });
    expect(await codeOf(check(signed(1, "0x00000000000000000000000000000000000002cd")))).to.equal("SHARE_BAD_PROOF");
    expect(await codeOf(check(signed(1, LINK, now - 1)))).to.equal("SHARE_STALE_PROOF");
    expect(await codeOf(check(signed(1, LINK, now + 3600)))).to.equal("SHARE_STALE_PROOF");
    expect(await codeOf(check(signed(2)))).to.equal("SHARE_BAD_PROOF");
    expect(await codeOf(check(signed(5)))).to.equal("SHARE_BAD_PROOF");
    const once = signed(1);
    await check(once);
    expect(await codeOf(check(once))).to.equal("REPLAYED");
    expect(await codeOf(check(signed(2), "AAAAAAAAAAAAAAAAAAAAAA"))).to.equal("SHARE_NOT_FOUND");
    expect(onChain.recorded).to.have.length(1);
  });

  it("refuses a purpose that is not the grant's, too many uses and a plaintext link payload, before relaying", async () => {
    const { deps, relayed, now } = fixture();
    const base = {
      certId: CERT,
      grantee: LINK,
      purpose: purposeHash("rent-a-flat"),
      validUntil: now + 3600,
      maxUses: 1,
      nonce: "1",
      deadline: now + 600,
    };
    const signed = (g: typeof base) => ({ grant: g, signature: "0x00" as Hex, documentRoot: CERT });
    for (const [input, why] of [
      [{ mode: "link" as const, purpose: "other", payload: "x", signed: signed(base) }, "purpose"],
      [
        { mode: "link" as const, purpose: "rent-a-flat", payload: "x", signed: signed({ ...base, maxUses: 1000 }) },
        "uses",
      ],
      [
        { mode: "link" as const, purpose: "rent-a-flat", payload: '{"plain":"json"}', signed: signed(base) },
        "plaintext",
      ],
    ] as const) {
      try {
        await createShare(deps, input);
        expect.fail(why);
      } catch (e) {
        expect((e as DomainError).code, why).to.equal("SHARE_BAD_REQUEST");
      }
    }
    expect(relayed).to.have.length(0);
  });
});
