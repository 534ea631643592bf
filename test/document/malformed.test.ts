import { expect } from "chai";
import fc from "fast-check";
import { buildDocument, parseStrictJson, serializeDocument, verifyDocumentIntegrity } from "../../src/document";
import { cpuMs, diplomaParams } from "./helpers";

/** Runs a check and returns its verdict and how long it took. */
function timed(input: unknown) {
  let verdict!: ReturnType<typeof verifyDocumentIntegrity>;
  const ms = cpuMs(() => (verdict = verifyDocumentIntegrity(input)));
  return { verdict, ms };
}

function expectMalformed(input: unknown, reason: RegExp, maxMs = 200) {
  const { verdict, ms } = timed(input);
  expect(verdict.code, verdict.reason).to.equal("MALFORMED");
  expect(verdict.reason).to.match(reason);
  expect(verdict.disclosed).to.deep.equal([]);
  expect(ms, "time").to.be.below(maxMs);
}

describe("malformed documents", function () {
  const good = () => serializeDocument(buildDocument(diplomaParams()).document);
  /** The good document's text with one member's JSON replaced (by textual substitution). */
  const withSubject = (json: string) => good().replace('"credentialSubject":{', `"credentialSubject":{"x":${json},`);

  it("rejects text that is not JSON", function () {
    for (const text of [
      "",
      "{",
      "nope",
      "{'a':1}",
      '{"a":1,}',
      "[1,]",
      '{"a":01}',
      '"\\x41"',
      "NaN",
      "{} {}",
      '{"a":1}garbage',
    ]) {
      expectMalformed(text, /not a strict JSON document/);
    }
  });

  it("rejects JSON that is not a document: wrong shapes and types", function () {
    const doc = () => JSON.parse(good());
    const cases: [unknown, RegExp][] = [
      [null, /must be an object/],
      [42, /must be an object/],
      [[], /must be an object/],
      ["{}", /missing member/],
      [{ ...doc(), extra: 1 }, /unknown top-level member/],
      [{ ...doc(), "@context": ["https://www.w3.org/2018/credentials/v1"] }, /@context/],
      [{ ...doc(), issuer: "did:web:example.org" }, /issuer/],
      [{ ...doc(), issuer: doc().issuer.toLowerCase() }, /issuer/],
      [{ ...doc(), validFrom: "2026-01-01" }, /validFrom/],
      [{ ...doc(), validFrom: "2026-02-30T00:00:00Z" }, /validFrom/],
      [{ ...doc(), validUntil: 1924992000 }, /validUntil/],
      [{ ...doc(), type: "VerifiableCredential" }, /type/],
      [{ ...doc(), certificateType: { id: 1.5, code: "X" } }, /certificateType.id/],
      [{ ...doc(), certificateType: { id: 2 ** 32, code: "X" } }, /certificateType.id/],
      [{ ...doc(), credentialSubject: "x" }, /credentialSubject/],
      [{ ...doc(), credentialSubject: { name: "x" } }, /credentialSubject.id/],
      [{ ...doc(), credentialStatus: { ...doc().credentialStatus, certId: "0x12" } }, /certId/],
      [
        {
          ...doc(),
          credentialStatus: {
            ...doc().credentialStatus,
            certId: doc().credentialStatus.certId.toUpperCase().replace("0X", "0x"),
          },
        },
        /certId/,
      ],
      [{ ...doc(), credentialStatus: { ...doc().credentialStatus, batch: { root: "0x00", proof: [] } } }, /batch.root/],
      [{ ...doc(), proof: { ...doc().proof, salts: { name: "0x1234" } } }, /salt/],
      [{ ...doc(), proof: { ...doc().proof, redacted: "none" } }, /redacted/],
      [{ ...doc(), proof: { ...doc().proof, type: "DataIntegrityProof" } }, /proof.type/],
    ];
    for (const [input, reason] of cases) expectMalformed(input, reason);
  });

  it("rejects huge numbers and integers beyond 2^53", function () {
    expectMalformed(withSubject("1e400"), /out of range/);
    expectMalformed(withSubject("-1e400"), /out of range/);
    expectMalformed(withSubject("12345678901234567890"), /precision/);
    expectMalformed(withSubject("9007199254740992"), /precision/);
    expectMalformed(withSubject("1" + "0".repeat(100)), /longer than 64|precision/);
    expectMalformed(
      { ...JSON.parse(good()), credentialStatus: { ...JSON.parse(good()).credentialStatus, chainId: 2 ** 60 } },
      /precision|chainId/,
    );
    expect(verifyDocumentIntegrity(withSubject("9007199254740991")).code).to.equal("TAMPERED"); // well-formed, just unsalted
  });

  it("rejects deep nesting without exhausting the stack", function () {
    expectMalformed(withSubject("[".repeat(100_000) + "]".repeat(100_000)), /nesting deeper/);
    expectMalformed(withSubject('{"a":'.repeat(30) + "1" + "}".repeat(30)), /nesting deeper/);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectMalformed({ ...JSON.parse(good()), credentialSubject: { id: "x", deep } }, /nesting deeper/);
  });

  it("rejects duplicate keys, which JSON.parse would silently collapse", function () {
    expectMalformed(
      good().replace('"credentialSubject":{', '"credentialSubject":{"name":"李四",'),
      /duplicate key "name"/,
    );
    expectMalformed('{"a":1,"a":1}', /duplicate key/);
    expectMalformed(good().replace('{"@context"', '{"issuer":"x","@context"'), /duplicate key "issuer"/);
  });

  it("rejects a 10 MB string at once, as text, bytes or inside an object", function () {
    const big = "x".repeat(10 * 1024 * 1024);
    expectMalformed(big, /more than the limit/, 20);
    expectMalformed(`{"a":"${big}"}`, /more than the limit/, 20);
    expectMalformed(new TextEncoder().encode(big), /more than the limit/, 50);
    expectMalformed({ ...JSON.parse(good()), credentialSubject: { id: "x", big } }, /larger than the limit/, 50);
    const wide = Array.from({ length: 2_000_000 }, () => 0);
    expectMalformed({ ...JSON.parse(good()), credentialSubject: { id: "x", wide } }, /larger than the limit/, 100);
  });

  it("rejects lone surrogates, __proto__ keys, bad UTF-8 and control characters", function () {
    expectMalformed(withSubject('"\\ud800"'), /surrogate/);
    expectMalformed(
      good().replace('"credentialSubject":{', '"credentialSubject":{"__proto__":{"admin":true},'),
      /__proto__/,
    );
    expectMalformed(new Uint8Array([0x7b, 0xff, 0x7d]), /not UTF-8/);
    expectMalformed(withSubject('"a\u0001b"'), /control character/);
  });

  it("rejects values that are not plain JSON, and never throws on hostile objects", function () {
    const doc = JSON.parse(good());
    const cyclic: Record<string, unknown> = { ...doc };
    cyclic.credentialSubject = { id: "x", self: cyclic };
    expectMalformed(cyclic, /nesting deeper|larger than/);
    expectMalformed({ ...doc, credentialSubject: { id: "x", when: new Date() } }, /plain object/);
    expectMalformed({ ...doc, credentialSubject: { id: "x", n: 10n } }, /bigint/);
    expectMalformed({ ...doc, credentialSubject: { id: "x", u: undefined } }, /undefined/);
    // eslint-disable-next-line no-sparse-arrays
    expectMalformed({ ...doc, credentialSubject: { id: "x", a: [1, , 3] } }, /holes/);
    const getter = { ...doc };
    Object.defineProperty(getter, "issuer", { enumerable: true, get: () => doc.issuer });
    expectMalformed(getter, /accessor/);
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error("boom");
        },
      },
    );
    expectMalformed(hostile, /unreadable input: boom/);
    expectMalformed(undefined, /undefined/);
    expectMalformed(Symbol("s"), /symbol/);
  });

  it("checks a 1 MB document within the limits in well under a second", function () {
    const fields: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) fields[`f${i}`] = "y".repeat(400);
    const text = serializeDocument(buildDocument(diplomaParams({ fields })).document);
    expect(text.length)
      .to.be.above(800_000)
      .and.below(1 << 20);
    const { verdict, ms } = timed(text);
    expect(verdict.code, verdict.reason).to.equal("OK");
    expect(ms).to.be.below(1000);
  });
});

describe("strict JSON reading", function () {
  it("property: reads any JSON text as JSON.parse does, when it holds nothing it must refuse", function () {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        let expected: unknown;
        let refuse = false;
        try {
          expected = JSON.parse(text, (_k, v) => {
            if (
              typeof v === "number" &&
              (Object.is(v, -0) || !Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)))
            )
              refuse = true;
            return v;
          });
        } catch {
          refuse = true;
        }
        if (refuse || /__proto__/.test(text)) return;
        expect(parseStrictJson(text)).to.deep.equal(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("property: finds a duplicate key anywhere, whatever the strings around it hold", function () {
    const key = fc.string({ maxLength: 5 }).map((k) => JSON.stringify(k));
    const acceptable = (t: string) => {
      try {
        parseStrictJson(t);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(
        key,
        fc.json({ maxDepth: 3 }).filter(acceptable),
        fc.json({ maxDepth: 3 }).filter(acceptable),
        fc.string(),
        (k, a, b, filler) => {
          const text = `{"f":${JSON.stringify(filler + '\\"')},"o":{${k}:${a},"g":[${b}],${k}:${b}}}`;
          expect(() => parseStrictJson(text)).to.throw(/duplicate key/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
