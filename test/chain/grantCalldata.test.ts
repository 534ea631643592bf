import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { getAddress, hexlify } from "ethers";
import { consentIface } from "../../src/chain/contracts";
import {
  encodeGrantManyBySig,
  encodeRecordChecks,
  type BatchGrantRequestWords,
  type GrantRequestWords,
} from "../../src/chain/grantCalldata";

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];
const word = () => hexlify(randomBytes(32));
/** Values at and around the edges of a uintN, and random ones. */
function uintOf(bits: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  return pick([0n, 1n, max, max - 1n, BigInt(hexlify(randomBytes(bits / 8))), BigInt(Math.floor(Math.random() * 1e9))]);
}

function grantRequest(): GrantRequestWords {
  return {
    grant: {
      certId: word(),
      // Lower case as the domain keeps addresses, or checksummed (EIP-55): the calldata is the same.
      grantee: pick([(a: string) => a, getAddress])(hexlify(randomBytes(20))),
      purpose: word(),
      validUntil: Number(uintOf(32)),
      maxUses: Number(uintOf(32)),
      nonce: uintOf(256),
      deadline: Number(uintOf(32)),
    },
    documentRoot: word(),
    r: word(),
    vs: word(),
  };
}

function batchGrantRequest(): BatchGrantRequestWords {
  return {
    ...grantRequest(),
    leaf: {
      batchRoot: word(),
      validFrom: Number(uintOf(32)),
      validUntil: Number(uintOf(32)),
      proof: Array.from({ length: pick([0, 1, 2, 7, 14, 20]) }, word),
    },
  };
}

/** ethers' encoding of the same values: the reference. */
function byEthers(singles: GrantRequestWords[], batched: BatchGrantRequestWords[]): string {
  const grant = (g: GrantRequestWords["grant"]) => [
    g.certId,
    g.grantee,
    g.purpose,
    g.validUntil,
    g.maxUses,
    g.nonce,
    g.deadline,
  ];
  return consentIface.encodeFunctionData("grantManyBySig", [
    singles.map((s) => [grant(s.grant), s.documentRoot, s.r, s.vs]),
    batched.map((b) => [
      grant(b.grant),
      b.documentRoot,
      [b.leaf.batchRoot, b.leaf.validFrom, b.leaf.validUntil, b.leaf.proof],
      b.r,
      b.vs,
    ]),
  ]);
}

describe("the consent registry's group calldata", function () {
  it("is ethers' encoding of grantManyBySig for random groups of single and batched grants", function () {
    for (let i = 0; i < 300; i++) {
      const singles = Array.from({ length: pick([0, 1, 2, 5, 20]) }, grantRequest);
      const batched = Array.from({ length: pick([0, 1, 3, 20]) }, batchGrantRequest);
      expect(encodeGrantManyBySig(singles, batched)).to.equal(byEthers(singles, batched));
    }
  });

  it("is ethers' encoding of recordChecks", function () {
    for (const n of [0, 1, 2, 50, 200]) {
      const ids = Array.from({ length: n }, word);
      expect(encodeRecordChecks(ids)).to.equal(consentIface.encodeFunctionData("recordChecks", [ids]));
    }
  });

  it("refuses, as ethers does, a value that does not fit its type", function () {
    const cases: [string, (r: BatchGrantRequestWords) => void][] = [
      ["a uint32 over its range", (r) => (r.grant.maxUses = 2 ** 32)],
      ["a negative uint", (r) => (r.grant.validUntil = -1)],
      ["a uint64 over its range", (r) => (r.leaf.validFrom = Number.MAX_SAFE_INTEGER * 4096)],
      ["a uint256 over its range", (r) => (r.grant.nonce = 1n << 256n)],
      ["a short bytes32", (r) => (r.documentRoot = "0x1234")],
      ["a bytes32 that is not hex", (r) => (r.r = "0x" + "zz".repeat(32))],
      ["a proof word too long", (r) => (r.leaf.proof = [word() + "00"])],
      ["an address of 21 bytes", (r) => (r.grant.grantee = hexlify(randomBytes(21)))],
      ["an address whose mixed case is not its checksum", (r) => (r.grant.grantee = "0x" + "aB".repeat(20))],
    ];
    for (const [what, spoil] of cases) {
      const r = batchGrantRequest();
      spoil(r);
      expect(() => byEthers([], [r]), `ethers: ${what}`).to.throw();
      expect(() => encodeGrantManyBySig([], [r]), what).to.throw();
    }
    expect(() => encodeRecordChecks(["0x12"])).to.throw(/not a bytes32/);
  });
});
