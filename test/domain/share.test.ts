import { expect } from "chai";
import { DomainError } from "../../src/domain/errors";
import type { Address, Bytes32, Hex, IdempotencyRecord } from "../../src/domain/ports";
import {
  checkShareLink,
  createShare,
  type ShareDeps,
  SHARE_LIMITS,
  SHARE_UNLIMITED_USES,
  shareProofMessage,
  shareStoreOverPorts,
} from "../../src/domain/share";
import { purposeHash } from "../../src/domain/counter";

const LINK = "0x00000000000000000000000000000000000001ab" as Address;
const CERT = `0x${"c1".repeat(32)}` as Bytes32;

function fixture(verdict: { verdict: "VALID" | "INVALID"; reasons: string[] } = { verdict: "VALID", reasons: [] }) {
  const now = 2_000_000_000;
  const idem = new Map<string, IdempotencyRecord>();
  const seen = new Set<string>();
  const relayed: unknown[] = [];
  const deps: ShareDeps = {
    clock: { now: () => now },
    shares: shareStoreOverPorts(
      {
        async claim(key, record) {
          if (idem.has(key)) return idem.get(key);
          idem.set(key, record);
          return undefined;
        },
        async get(key) {
          return idem.get(key);
        },
        async markDone() {},
      },
      {
        claim(key) {
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        },
      },
    ),
    replay: {
      claim(key) {
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    },
    // The fake proof signature is "0x" + the signer's address + the message's nonce line.
    signatures: {
      recoverPersonal: (message, sig) =>
        sig.startsWith(LINK) && message.endsWith(sig.slice(LINK.length)) ? LINK : undefined,
    },
    relayGrant: async (req) => {
      relayed.push(req);
      return { grantId: `0x${"9".repeat(64)}` as Bytes32 };
    },
    verify: async () => ({ ...verdict, disclosed: { name: "张三" } }),
    certIdOf: () => CERT,
  };
  const create = (maxUses = 2, opts: { validUntil?: number; untilRevoked?: boolean } = {}) =>
    createShare(deps, {
      mode: "link",
      purpose: "rent-a-flat",
      payload: "ciphertext",
      untilRevoked: opts.untilRevoked,
      signed: {
        grant: {
          certId: CERT,
          grantee: LINK,
          purpose: purposeHash("rent-a-flat"),
          validUntil: opts.validUntil ?? now + 3600,
          maxUses,
          nonce: "1",
          deadline: now + 600,
        },
        signature: "0x00" as Hex,
        documentRoot: CERT,
      },
    });
  let n = 0;
  const proof = () => {
    const nonce = `nonce-${String(++n).padStart(4, "0")}`;
    return { timestamp: now, nonce, signature: `${LINK}${nonce}` as Hex };
  };
  return { deps, create, proof, relayed, now };
}

/** The code of the DomainError a call fails with, or "none". */
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as DomainError).code;
  }
  return "none";
}

describe("share links (domain)", () => {
  it("gives each check one use, and GRANT_USED_UP after the last, even when checks race", async () => {
    const { deps, create, proof } = fixture();
    const share = await create(2);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => checkShareLink(deps, { id: share.id, document: {}, proof: proof() })),
    );
    expect(results.filter((r) => r.verdict === "VALID")).to.have.length(2);
    expect(results.filter((r) => r.reasons.includes("GRANT_USED_UP"))).to.have.length(2);
    expect(
      results.filter((r) => r.verdict !== "VALID").every((r) => Object.keys(r.disclosed ?? {}).length === 0),
    ).to.equal(true);
  });

  it("passes the gateway's verdict through (GRANT_REVOKED) without using a use", async () => {
    const { deps, create, proof } = fixture({ verdict: "INVALID", reasons: ["GRANT_REVOKED"] });
    const share = await create(1);
    const r = await checkShareLink(deps, { id: share.id, document: {}, proof: proof() });
    expect(r.reasons).to.deep.equal(["GRANT_REVOKED"]);
    expect(r.disclosed).to.deep.equal({});
  });

  it("refuses a proof by another key, a stale proof and a replayed proof", async () => {
    const { deps, create, proof } = fixture();
    const share = await create();
    expect(
      await code(
        checkShareLink(deps, { id: share.id, document: {}, proof: { ...proof(), signature: "0xdead" as Hex } }),
      ),
    ).to.equal("SHARE_BAD_PROOF");
    const stale = proof();
    stale.timestamp -= 301;
    expect(shareProofMessage(share.id, share.grantId, stale.timestamp, stale.nonce)).to.contain(stale.nonce);
    expect(await code(checkShareLink(deps, { id: share.id, document: {}, proof: stale }))).to.equal(
      "SHARE_STALE_PROOF",
    );
    const once = proof();
    await checkShareLink(deps, { id: share.id, document: {}, proof: once });
    expect(await code(checkShareLink(deps, { id: share.id, document: {}, proof: once }))).to.equal("REPLAYED");
    expect(await code(checkShareLink(deps, { id: "AAAAAAAAAAAAAAAAAAAAAA", document: {}, proof: proof() }))).to.equal(
      "SHARE_NOT_FOUND",
    );
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

  it("keeps a printed certificate's link until revoked: years long, its checks neither counted nor limited", async () => {
    const { deps, create, proof, now } = fixture();
    const tenYears = now + 10 * 365 * 86_400;
    const share = await create(SHARE_UNLIMITED_USES, { validUntil: tenYears, untilRevoked: true });
    expect(share.validUntil).to.equal(tenYears);
    for (let i = 0; i < 5; i++) {
      const r = await checkShareLink(deps, { id: share.id, document: {}, proof: proof() });
      expect(r.verdict).to.equal("VALID");
      expect(r.usesLeft).to.equal(undefined);
    }
  });

  it("refuses a link longer than 90 days unless asked until revoked, and one past the until-revoked cap", async () => {
    const { create, now } = fixture();
    expect(await code(create(1, { validUntil: now + 91 * 86_400 }))).to.equal("SHARE_BAD_REQUEST");
    const cap = now + SHARE_LIMITS.untilRevokedDays * 86_400;
    expect(await code(create(1, { validUntil: cap + 1, untilRevoked: true }))).to.equal("SHARE_BAD_REQUEST");
    expect(await code(create(1, { validUntil: cap, untilRevoked: true }))).to.equal("none");
    // Between the ordinary cap and no limit there is nothing: 101 uses is refused.
    expect(await code(create(SHARE_LIMITS.maxUses + 1))).to.equal("SHARE_BAD_REQUEST");
  });
});
