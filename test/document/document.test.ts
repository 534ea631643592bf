import { expect } from "chai";
import fc from "fast-check";
import {
  buildDocument,
  computeCertId,
  DocumentError,
  formatPath,
  parsePath,
  parseDocument,
  redactDocument,
  serializeDocument,
  toDidPkh,
  verifyDocumentIntegrity,
  type CertificateDocument,
  type PathSegment,
} from "../../src/document";
import { diplomaParams, fieldsArb, HOLDER, seededRandom } from "./helpers";

const clone = <T>(v: T): T => structuredClone(v);

function valueAt(root: unknown, segments: PathSegment[]): unknown {
  let v = root as Record<string | number, unknown>;
  for (const s of segments) v = v[s] as Record<string | number, unknown>;
  return v;
}
function setAt(root: unknown, segments: PathSegment[], value: unknown) {
  const parent = valueAt(root, segments.slice(0, -1)) as Record<string | number, unknown>;
  parent[segments[segments.length - 1]] = value;
}
const subjectOf = (doc: CertificateDocument) => doc.credentialSubject as unknown;
const flipLastNibble = (hex: string) => hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");

function build(fields: Record<string, unknown>, seed = 7) {
  return buildDocument(diplomaParams({ fields, random: seededRandom(seed) }));
}

describe("certificate documents", function () {
  describe("build", function () {
    it("builds a VC 2.0 shaped document whose integrity check is OK", function () {
      const { document, certId, documentRoot } = buildDocument(diplomaParams());
      expect(document["@context"]).to.deep.equal(["https://www.w3.org/ns/credentials/v2"]);
      expect(document.type).to.deep.equal(["VerifiableCredential", "UniversityDiploma"]);
      expect(document.issuer).to.equal("did:pkh:eip155:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
      expect(document.credentialSubject.id).to.equal(`did:pkh:eip155:31337:${HOLDER}`);
      expect(document.validFrom).to.equal("2026-01-01T00:00:00Z");
      expect(document.validUntil).to.equal("9999-12-31T23:59:59Z");
      expect(document.credentialStatus.certId).to.equal(certId);
      expect(certId).to.equal(computeCertId(HOLDER, documentRoot));

      const verdict = verifyDocumentIntegrity(document);
      expect(verdict.code, verdict.reason).to.equal("OK");
      expect(verdict.certId).to.equal(certId);
      expect(verdict.documentRoot).to.equal(documentRoot);
      expect(verdict.holder).to.equal(HOLDER);
      expect(verdict.validFrom).to.equal(1_767_225_600);
      expect(verdict.disclosed).to.deep.equal(
        [
          "name",
          "idNumber",
          "address.city",
          "address.street",
          'address["unit.no"]',
          "degrees[0].title",
          "degrees[0].year",
          "degrees[0].honours",
          "degrees[1].title",
          "degrees[1].year",
          "degrees[1].grade",
          "tags",
          "extra",
          "verified",
        ].sort(),
      );
    });

    it("gives every leaf its own 128-bit salt", function () {
      const { document } = buildDocument({ ...diplomaParams(), random: undefined });
      const salts = Object.values(document.proof.salts);
      expect(salts).to.have.length(5 + 14);
      expect(new Set(salts).size).to.equal(salts.length);
      for (const s of salts) expect(s).to.match(/^0x[0-9a-f]{32}$/);
    });

    it("is deterministic for a given random source and differs for another", function () {
      expect(buildDocument(diplomaParams()).certId).to.equal(buildDocument(diplomaParams()).certId);
      expect(buildDocument(diplomaParams({ random: seededRandom(2) })).certId).to.not.equal(
        buildDocument(diplomaParams()).certId,
      );
    });

    it("commits to the holder: another holder, same fields and salts, gives another certId", function () {
      const other = buildDocument(diplomaParams({ holder: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" }));
      expect(other.documentRoot).to.equal(buildDocument(diplomaParams()).documentRoot);
      expect(other.certId).to.not.equal(buildDocument(diplomaParams()).certId);
    });

    it("rejects fields that are not plain JSON or that a document cannot hold", function () {
      const bad: [unknown, RegExp][] = [
        [{ id: "x" }, /"id"/],
        [{ n: 2 ** 53 }, /precision/],
        [{ n: NaN }, /finite/],
        [{ d: new Date(0) }, /plain object/],
        [{ s: "\ud800" }, /surrogate/],
        [{ f: () => 1 }, /function/],
        [JSON.parse('{"__proto__": 1}'), /__proto__/],
      ];
      for (const [fields, why] of bad) {
        expect(() => buildDocument(diplomaParams({ fields: fields as Record<string, unknown> })), String(why)).to.throw(
          DocumentError,
          why,
        );
      }
      expect(() => buildDocument(diplomaParams({ validFrom: 10, validUntil: 10 }))).to.throw(DocumentError, /before/);
      expect(() => buildDocument(diplomaParams({ certificateType: { id: -1, code: "X" } }))).to.throw(
        DocumentError,
        /certificateType/,
      );
      expect(() => buildDocument(diplomaParams({ holder: "0x1234" }))).to.throw(DocumentError, /address/);
    });
  });

  describe("paths", function () {
    it("spells keys holding dots, brackets and quotes unambiguously", function () {
      expect(formatPath(["address", "city"])).to.equal("address.city");
      expect(formatPath(["degrees", 1, "title"])).to.equal("degrees[1].title");
      expect(formatPath(["address.city"])).to.equal('["address.city"]');
      expect(formatPath(["a", "b.c", 0, "[0]"])).to.equal('a["b.c"][0]["[0]"]');
      expect(formatPath(["姓名"])).to.equal("姓名");
      expect(formatPath(["", 'q"'])).to.equal('[""]["q\\""]');
      expect(formatPath(["@type"])).to.equal('["@type"]');
    });

    it("parses only canonical spellings and names the canonical one", function () {
      expect(parsePath('a["b.c"][0].d')).to.deep.equal(["a", "b.c", 0, "d"]);
      expect(() => parsePath('["a"]')).to.throw(DocumentError, /write a$/);
      expect(() => parsePath("a[01]")).to.throw(DocumentError, /index/);
      expect(() => parsePath("a..b")).to.throw(DocumentError);
      expect(() => parsePath("[0]")).to.throw(DocumentError);
      expect(() => parsePath("@issuer")).to.throw(DocumentError);
    });

    it("round-trips every path: parsePath(formatPath(s)) = s", function () {
      fc.assert(
        fc.property(
          fc.string(),
          fc.array(fc.oneof(fc.string(), fc.nat({ max: 1000 })), { maxLength: 5 }),
          (head, rest) => {
            const segments = [head, ...rest];
            // encodeURIComponent throws on a lone surrogate, which no document key can hold.
            fc.pre(
              segments.every(
                (s) =>
                  typeof s !== "string" ||
                  (() => {
                    try {
                      return (encodeURIComponent(s), true);
                    } catch {
                      return false;
                    }
                  })(),
              ),
            );
            expect(parsePath(formatPath(segments))).to.deep.equal(segments);
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe("redaction", function () {
    it("hides fields and whole subtrees, keeps certId, and shows exactly what is left", function () {
      const { document, certId } = buildDocument(diplomaParams());
      const redacted = redactDocument(document, ["address.city", "degrees[1]", "idNumber", "degrees[0].honours"]);
      const verdict = verifyDocumentIntegrity(redacted);
      expect(verdict.code, verdict.reason).to.equal("OK");
      expect(verdict.certId).to.equal(certId);
      expect(verdict.disclosed).to.deep.equal(
        [
          "name",
          "address.street",
          'address["unit.no"]',
          "degrees[0].title",
          "degrees[0].year",
          "tags",
          "extra",
          "verified",
        ].sort(),
      );
      expect(redacted.credentialSubject.degrees).to.deep.equal([{ title: "BSc Computer Science", year: 2020 }]);
      expect(redacted.credentialSubject).to.not.have.property("idNumber");
      expect(redacted.proof.redacted).to.have.length(6);
      expect(redacted.proof.salts).to.not.have.property("address.city");
      expect(JSON.stringify(redacted)).to.not.include("Cryptography");
    });

    it("keeps the place of a hidden array element with null, and drops hidden trailing elements", function () {
      const { document, certId } = buildDocument(diplomaParams());
      const first = redactDocument(document, ["degrees[0]"]);
      expect(first.credentialSubject.degrees).to.deep.equal([
        null,
        { title: "MSc Cryptography", year: 2022, grade: 4.5 },
      ]);
      expect(verifyDocumentIntegrity(first).certId).to.equal(certId);
      const both = redactDocument(first, ["degrees[1]"]);
      expect(both.credentialSubject).to.not.have.property("degrees");
      expect(verifyDocumentIntegrity(both)).to.include({ code: "OK", certId });
    });

    it("refuses unknown or non-canonical paths and documents that do not verify", function () {
      const { document } = buildDocument(diplomaParams());
      expect(() => redactDocument(document, ["address.country"])).to.throw(DocumentError, /no disclosed field/);
      expect(() => redactDocument(document, ['["name"]'])).to.throw(DocumentError, /canonical/);
      const tampered = clone(document);
      tampered.credentialSubject.name = "李四";
      expect(() => redactDocument(tampered, ["name"])).to.throw(DocumentError, /cannot redact/);
    });

    it("property: any redaction keeps certId, verifies and discloses exactly the rest", function () {
      fc.assert(
        fc.property(fieldsArb, fc.infiniteStream(fc.boolean()), fc.boolean(), (fields, coin, twice) => {
          const { document, certId } = build(fields);
          const all = verifyDocumentIntegrity(document).disclosed;
          const chosen = all.filter(() => coin.next().value);
          // Sometimes hide a whole subtree by naming its parent.
          const targets = chosen.map((p) => {
            const s = parsePath(p);
            return s.length > 1 && coin.next().value ? formatPath(s.slice(0, -1)) : p;
          });
          const unique = [...new Set(targets)];
          const isUnder = (prefix: PathSegment[], path: PathSegment[]) =>
            prefix.length <= path.length && prefix.every((x, n) => x === path[n]);
          let redacted: CertificateDocument;
          if (twice && unique.length > 1) {
            // Redact in two steps: the second step names only what the first left disclosed.
            const half = unique.length >> 1;
            const first = redactDocument(document, unique.slice(0, half));
            const left = verifyDocumentIntegrity(first).disclosed.map(parsePath);
            const rest = unique.slice(half).filter((t) => left.some((p) => isUnder(parsePath(t), p)));
            redacted = rest.length > 0 ? redactDocument(first, rest) : first;
          } else {
            redacted = redactDocument(document, unique);
          }
          const hiddenBy = unique.map(parsePath);
          const expected = all.filter((p) => !hiddenBy.some((h) => isUnder(h, parsePath(p))));
          const verdict = verifyDocumentIntegrity(serializeDocument(redacted));
          expect(verdict.code, verdict.reason).to.equal("OK");
          expect(verdict.certId).to.equal(certId);
          expect(verdict.disclosed).to.deep.equal(expected);
          for (const p of expected) {
            expect(valueAt(redacted.credentialSubject, parsePath(p))).to.deep.equal(
              valueAt(document.credentialSubject, parsePath(p)),
            );
          }
          expect(redacted.proof.redacted.length + expected.length).to.equal(all.length);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("tampering", function () {
    const base = () => buildDocument(diplomaParams());

    const cases: [string, (d: CertificateDocument) => void][] = [
      ["a field value", (d) => (d.credentialSubject.name = "李四")],
      ["a nested value", (d) => ((d.credentialSubject.degrees as { year: number }[])[1].year = 2023)],
      [
        'a value\'s type (2020 to "2020")',
        (d) => ((d.credentialSubject.degrees as { year: unknown }[])[0].year = "2020"),
      ],
      ["a salt", (d) => (d.proof.salts.name = flipLastNibble(d.proof.salts.name) as `0x${string}`)],
      [
        "a metadata salt",
        (d) => (d.proof.salts["@issuer"] = flipLastNibble(d.proof.salts["@issuer"]) as `0x${string}`),
      ],
      [
        "a key",
        (d) => {
          const s = d.credentialSubject as Record<string, unknown>;
          s.fullName = s.name;
          delete s.name;
        },
      ],
      [
        "a key and its salt",
        (d) => {
          const s = d.credentialSubject as Record<string, unknown>;
          s.fullName = s.name;
          delete s.name;
          d.proof.salts.fullName = d.proof.salts.name;
          delete d.proof.salts.name;
        },
      ],
      ["the holder", (d) => (d.credentialSubject.id = toDidPkh(31337, "0x90F79bf6EB2c4f870365E785982E1f101E93b906"))],
      ["the issuer", (d) => (d.issuer = toDidPkh(31337, "0x90F79bf6EB2c4f870365E785982E1f101E93b906"))],
      ["validFrom", (d) => (d.validFrom = "2025-01-01T00:00:00Z")],
      ["validUntil", (d) => (d.validUntil = "2099-01-01T00:00:00Z")],
      ["the type id", (d) => (d.certificateType.id = 13)],
      [
        "the type code",
        (d) => {
          d.certificateType.code = "Passport";
          d.type[1] = "Passport";
        },
      ],
      ["only the VC type", (d) => (d.type[1] = "Passport")],
      ["the ledger", (d) => (d.credentialStatus.ledger = "0x90F79bf6EB2c4f870365E785982E1f101E93b906")],
      [
        "the chain",
        (d) => {
          d.credentialStatus.chainId = 1;
          d.issuer = toDidPkh(1, d.issuer.split(":")[4]);
          d.credentialSubject.id = toDidPkh(1, d.credentialSubject.id.split(":")[4]);
        },
      ],
      ["the certId", (d) => (d.credentialStatus.certId = flipLastNibble(d.credentialStatus.certId) as `0x${string}`)],
      ["an added field", (d) => (d.credentialSubject.extraField = 1)],
      [
        "an added field with a salt",
        (d) => {
          d.credentialSubject.extraField = 1;
          d.proof.salts.extraField = d.proof.salts.name;
        },
      ],
      ["a removed field", (d) => delete d.credentialSubject.name],
      ["a removed salt", (d) => delete d.proof.salts["@validFrom"]],
      ["an appended array element", (d) => (d.credentialSubject.degrees as unknown[]).push(null)],
      ["swapped array elements", (d) => (d.credentialSubject.degrees as unknown[]).reverse()],
    ];
    for (const [what, mutate] of cases) {
      it(`reports a change to ${what} as TAMPERED`, function () {
        const d = clone(base().document);
        mutate(d);
        const verdict = verifyDocumentIntegrity(d);
        expect(verdict.code, verdict.reason).to.equal("TAMPERED");
        expect(verdict.reason).to.be.a("string");
        expect(verdict.disclosed).to.deep.equal([]);
      });
    }

    it("reports a changed, reordered, removed or duplicated redacted leaf hash as TAMPERED", function () {
      const red = redactDocument(base().document, ["name", "idNumber", "address"]);
      const mutations: ((d: CertificateDocument) => void)[] = [
        (d) => (d.proof.redacted[1] = flipLastNibble(d.proof.redacted[1]) as `0x${string}`),
        (d) => d.proof.redacted.reverse(),
        (d) => d.proof.redacted.pop(),
        (d) => d.proof.redacted.splice(1, 0, d.proof.redacted[1]),
        (d) => d.proof.redacted.push(("0x" + "f".repeat(64)) as `0x${string}`),
      ];
      for (const m of mutations) {
        const d = clone(red);
        m(d);
        expect(verifyDocumentIntegrity(d).code).to.equal("TAMPERED");
      }
    });

    it("property: any mutation of a value, salt, key, leaf hash, holder or leaf order is TAMPERED", function () {
      const mutationArb = fc.constantFrom("value", "salt", "key", "keyAndSalt", "leafHash", "holder", "order");
      fc.assert(
        fc.property(fieldsArb, mutationArb, fc.nat(), fc.nat(), (fields, kind, i, j) => {
          const built = build(fields);
          const paths = verifyDocumentIntegrity(built.document).disclosed;
          let doc = clone(built.document);
          switch (kind) {
            case "value": {
              fc.pre(paths.length > 0);
              const s = parsePath(paths[i % paths.length]);
              const old = valueAt(doc.credentialSubject, s);
              setAt(doc.credentialSubject, s, old === "mutated" ? "mutated!" : "mutated");
              break;
            }
            case "salt": {
              const keys = Object.keys(doc.proof.salts);
              const k = keys[i % keys.length];
              doc.proof.salts[k] = flipLastNibble(doc.proof.salts[k]) as `0x${string}`;
              break;
            }
            case "key":
            case "keyAndSalt": {
              fc.pre(paths.length > 0);
              const s = parsePath(paths[i % paths.length]);
              const keyAt = s.map((x, n) => (typeof x === "string" ? n : -1)).filter((n) => n >= 0);
              const depth = keyAt[j % keyAt.length];
              const parent = valueAt(subjectOf(doc), s.slice(0, depth)) as Record<string, unknown>;
              const oldKey = s[depth] as string;
              let newKey = oldKey + "~";
              while (newKey in parent || (depth === 0 && newKey === "id")) newKey += "~";
              const entries = Object.entries(parent);
              for (const k of Object.keys(parent)) delete parent[k];
              for (const [k, v] of entries) parent[k === oldKey ? newKey : k] = v;
              if (kind === "keyAndSalt") {
                const salts: Record<string, `0x${string}`> = {};
                for (const [p, salt] of Object.entries(doc.proof.salts)) {
                  if (p.startsWith("@")) {
                    salts[p] = salt;
                    continue;
                  }
                  const ps = parsePath(p);
                  const under = ps.length > depth && ps.slice(0, depth + 1).every((x, n) => x === s[n]);
                  salts[under ? formatPath([...ps.slice(0, depth), newKey, ...ps.slice(depth + 1)]) : p] = salt;
                }
                doc.proof.salts = salts;
              }
              break;
            }
            case "leafHash": {
              fc.pre(paths.length > 0);
              doc = redactDocument(doc, [paths[i % paths.length]]);
              const r = doc.proof.redacted;
              r[j % r.length] = flipLastNibble(r[j % r.length]) as `0x${string}`;
              break;
            }
            case "holder":
              doc.credentialSubject.id = toDidPkh(
                31337,
                "0x" + ((i % 255) + 1).toString(16).padStart(2, "0").repeat(20),
              );
              break;
            case "order": {
              fc.pre(paths.length > 1);
              doc = redactDocument(doc, paths);
              const r = doc.proof.redacted;
              const a = i % r.length;
              const b = (a + 1 + (j % (r.length - 1))) % r.length;
              [r[a], r[b]] = [r[b], r[a]];
              break;
            }
          }
          const verdict = verifyDocumentIntegrity(serializeDocument(doc));
          expect(verdict.code, `${kind}: ${verdict.reason}`).to.equal("TAMPERED");
        }),
        { numRuns: 400 },
      );
    });
  });

  describe("serialisation", function () {
    it("writes RFC 8785 canonical JSON and reads it back unchanged", function () {
      const { document } = buildDocument(diplomaParams());
      const text = serializeDocument(document);
      expect(
        text.startsWith('{"@context":["https://www.w3.org/ns/credentials/v2"],"certificateType":{"code":'),
      ).to.equal(true);
      const back = parseDocument(text);
      expect(back).to.deep.equal(document);
      expect(serializeDocument(back)).to.equal(text);
      expect(parseDocument(new TextEncoder().encode(text))).to.deep.equal(document);
    });

    it("parseDocument throws a DocumentError with the verdict's reason", function () {
      expect(() => parseDocument("{")).to.throw(DocumentError, /not a strict JSON document/);
      const d = clone(buildDocument(diplomaParams()).document);
      d.credentialSubject.name = "李四";
      expect(() => parseDocument(JSON.stringify(d))).to.throw(DocumentError, /certId/);
    });

    it("property: serialising and parsing changes nothing, redacted or not", function () {
      fc.assert(
        fc.property(fieldsArb, fc.nat(), (fields, i) => {
          const { document } = build(fields);
          const paths = verifyDocumentIntegrity(document).disclosed;
          for (const doc of [document, paths.length ? redactDocument(document, [paths[i % paths.length]]) : document]) {
            const text = serializeDocument(doc);
            const back = parseDocument(text);
            expect(back).to.deep.equal(doc);
            expect(serializeDocument(back)).to.equal(text);
            expect(verifyDocumentIntegrity(JSON.stringify(doc, null, 2))).to.deep.equal(verifyDocumentIntegrity(text));
          }
        }),
        { numRuns: 100 },
      );
    });

    it("property: build then verify is OK and discloses every field", function () {
      fc.assert(
        fc.property(fieldsArb, fc.integer({ min: 1, max: 2 ** 31 }), (fields, seed) => {
          const { document, certId } = build(fields, seed);
          const verdict = verifyDocumentIntegrity(serializeDocument(document));
          expect(verdict.code, verdict.reason).to.equal("OK");
          expect(verdict.certId).to.equal(certId);
          expect(verdict.disclosed.length).to.equal(Object.keys(document.proof.salts).length - 5);
        }),
        { numRuns: 300 },
      );
    });
  });
});
