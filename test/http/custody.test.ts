/**
 * External key custody, end to end on the embedded chain: a gateway that holds no agency or authority
 * key. The authority signs registry transactions with its own key (the gateway passes them on), the
 * agency signs its writes with a key kept in a keystore outside the gateway. Then:
 *   - the stolen data directory: everything in it (relayer key, keyring seed and whatever it derives,
 *     database, journal) cannot issue, anchor, revoke, accredit or add a key: each attempt reverts on the
 *     chain replayed from the stolen journal with the contract's custom error, and a forged document
 *     verifies INVALID through the gateway and through the document library against the chain;
 *   - the compromise drill: an agency key leaks at T and the thief issues with it; the authority learns
 *     of it later and retires the key at T, in the past, with `certledger keys rotate --retire-at`: what
 *     it signed before T stays VALID, what the thief issued from T on no longer verifies VALID, what it
 *     signs now is refused on chain, and the agency issues again with the new key.
 */
import { expect } from "chai";
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { SigningKey, Wallet, computeAddress, keccak256, toUtf8Bytes } from "ethers";
import { UINT40_MAX, decodeError, ledgerIface, registryIface, revertData } from "../../src/chain/contracts";
import { openEmbeddedChain } from "../../src/chain/embeddedChain";
import { derivePrivateKey } from "../../src/chain/keyring";
import { KEYSTORE_FILE, decryptSeed } from "../../src/chain/seedKeystore";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import {
  buildBatch,
  buildDocument,
  createHolderWallet,
  generateMnemonic,
  ledgerDomain,
  verifyDocumentIntegrity,
  withBatchProof,
  type CertificateDocument,
} from "../../src/document";
import { signAnchorBatch, signIssue, signIssueMany, signStatusChange } from "../../src/document/agencySigning";
import type { Gateway } from "../../src/wiring/gateway";
import { PASSPHRASE, bearer, openExternalCustody, type ExternalCustody } from "../support/externalCustody";
import { TEST_KEYSTORE_PASSPHRASE } from "../support/keystore";
import { runCertledger } from "../support/cli";

const ZERO32 = `0x${"0".repeat(64)}`;

const cli = (args: string[]) => runCertledger(args);

describe("external key custody (embedded chain)", function () {
  this.timeout(240_000);
  let x: ExternalCustody;
  // Shorthands, refreshed when the gateway is re-opened.
  let gw: Gateway;
  let http: ExternalCustody["http"];
  let chainId: number;
  let ledger: string;
  let typeId: number;
  let authority: Wallet;
  let authorityKey: string;
  let agency: string;
  let agencyKey: Wallet;
  let agencyKeyFile: string;
  let agencyApiKey: string;
  const holders = createHolderWallet({ mnemonic: generateMnemonic() });
  let nextHolder = 0;

  const refresh = () => {
    ({ gw, http, chainId, ledger, typeId } = x);
  };
  const open = async () => {
    await x.reopen();
    refresh();
  };

  function document(issuer: string, type = "diploma", n = nextHolder++) {
    const now = Math.floor(Date.now() / 1000);
    return buildDocument({
      certificateType: { id: typeId, code: type },
      issuer,
      holder: holders.address(n),
      chainId,
      ledger,
      validFrom: now - 60,
      validUntil: now + 365 * 86_400,
      fields: sampleFields(type, n),
    });
  }

  async function signedIssue(key: Wallet, doc = document(key.address), deadline = Math.floor(Date.now() / 1000) + 600) {
    const s = await signIssue(key, ledgerDomain(chainId, ledger), {
      certId: doc.certId,
      typeId,
      validFrom: BigInt(Date.parse(doc.document.validFrom as string) / 1000),
      validUntil: BigInt(Date.parse(doc.document.validUntil as string) / 1000),
      deadline: BigInt(deadline),
    });
    const res = await http
      .post("/v1/agency/certificates/signed")
      .set(bearer(agencyApiKey))
      .send({ document: doc.document, deadline, signature: s.signature });
    return { doc, res };
  }

  const verdictOf = async (doc: CertificateDocument) =>
    (await http.post("/v1/public/verify").send({ document: doc }).expect(200)).body;

  before(async () => {
    x = await openExternalCustody();
    refresh();
    authority = x.authority.wallet;
    authorityKey = x.authority.apiKey;
    agency = x.agency.address;
    agencyKey = x.agency.wallet;
    agencyKeyFile = x.agency.file;
    agencyApiKey = x.agency.apiKey;
  });

  after(() => x?.close());

  it("refuses to start with the authority's private key or a demo seed, and without the authority's address", () => {
    const key = `0x${"11".repeat(32)}`;
    expect(() =>
      loadConfig({
        CERTLEDGER_KEY_CUSTODY: "external",
        CERTLEDGER_AUTHORITY_KEY: key,
        CERTLEDGER_AUTHORITY_ADDRESS: authority.address,
      }),
    ).to.throw(/CERTLEDGER_AUTHORITY_KEY: must not be given/);
    expect(() =>
      loadConfig({
        CERTLEDGER_KEY_CUSTODY: "external",
        CERTLEDGER_SEED_DEMO: "true",
        CERTLEDGER_AUTHORITY_ADDRESS: authority.address,
      }),
    ).to.throw(/CERTLEDGER_SEED_DEMO/);
    expect(() => loadConfig({ CERTLEDGER_KEY_CUSTODY: "external" })).to.throw(
      /CERTLEDGER_AUTHORITY_ADDRESS: is required/,
    );
    expect(() => loadConfig({ CERTLEDGER_KEY_CUSTODY: "hsm" })).to.throw(/CERTLEDGER_KEY_CUSTODY/);
    expect(loadConfig({}).keyCustody).to.equal("custodial");
  });

  it("makes the authority the registry's admin and pauser, and gives the relayer no role", async () => {
    const call = async (fn: string, args: unknown[] = []) =>
      registryIface.decodeFunctionResult(
        fn,
        (await gw.engine.rpc("eth_call", [
          { to: gw.engine.addresses.registry, data: registryIface.encodeFunctionData(fn, args) },
          "latest",
        ])) as string,
      )[0];
    expect(String(await call("owner")).toLowerCase()).to.equal(authority.address.toLowerCase());
    expect(String(await call("pauser")).toLowerCase()).to.equal(authority.address.toLowerCase());
    expect(Number(await call("keyIdOf", [gw.engine.relayerAddress]))).to.equal(0);
    const info = await http.get("/v1/public/info").expect(200);
    expect(info.body.keyCustody).to.equal("external");
    expect(info.body.ledgerEip712Domain.verifyingContract.toLowerCase()).to.equal(ledger);
  });

  it("answers the routes that would need the gateway to sign with a code that says how to sign instead", async () => {
    const r1 = await http
      .post("/v1/agency/certificates")
      .set(bearer(agencyApiKey))
      .set("idempotency-key", "custodial-1")
      .send({ type: "diploma", holder: holders.address(999), fields: sampleFields("diploma", 1) })
      .expect(409);
    expect(r1.body.error.code).to.equal("AGENCY_SIGNATURE_REQUIRED");
    expect(r1.body.error.details.instead).to.equal("POST /v1/agency/certificates/signed");
    const guardian = { delegate: holders.address(997), validUntil: Math.floor(Date.now() / 1000) + 3600 };
    const r1g = await http
      .post("/v1/agency/certificates")
      .set(bearer(agencyApiKey))
      .set("idempotency-key", "custodial-guardian-1")
      .send({ type: "diploma", holder: holders.address(999), fields: sampleFields("diploma", 1), guardian })
      .expect(409);
    expect(r1g.body.error.code).to.equal("AGENCY_SIGNATURE_REQUIRED");
    expect(r1g.body.error.details.instead).to.match(/^POST \/v1\/agency\/certificates\/signed with `guardian`/);
    const r2 = await http
      .post("/v1/agency/batches")
      .set(bearer(agencyApiKey))
      .send({ type: "diploma", items: [{ holder: holders.address(998), fields: sampleFields("diploma", 2) }] })
      .expect(409);
    expect(r2.body.error.code).to.equal("AGENCY_SIGNATURE_REQUIRED");
    const r3 = await http
      .post("/v1/authority/agencies")
      .set(bearer(authorityKey))
      .send({ name: "Another Bureau" })
      .expect(409);
    expect(r3.body.error.code).to.equal("AUTHORITY_SIGNATURE_REQUIRED");
    const r4 = await http.post(`/v1/authority/agencies/${agency}/keys/rotate`).set(bearer(authorityKey)).expect(409);
    expect(r4.body.error.code).to.equal("AUTHORITY_SIGNATURE_REQUIRED");
  });

  it("issues a document the agency built and signed, and refuses bad ones before relaying", async () => {
    const { doc, res } = await signedIssue(agencyKey);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.certId).to.equal(doc.certId.toLowerCase());
    expect(res.body.issuerKey).to.equal(agency);
    expect((await verdictOf(doc.document)).verdict).to.equal("VALID");

    const head = Number(BigInt((await gw.engine.rpc("eth_blockNumber")) as string));
    const other = new Wallet(Wallet.createRandom().privateKey);
    // signed by a key that is not the document's issuer
    const forged = document(agencyKey.address);
    const s = await signIssue(other, ledgerDomain(chainId, ledger), {
      certId: forged.certId,
      typeId,
      validFrom: BigInt(Date.parse(forged.document.validFrom as string) / 1000),
      validUntil: BigInt(Date.parse(forged.document.validUntil as string) / 1000),
      deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
    });
    const bad = await http
      .post("/v1/agency/certificates/signed")
      .set(bearer(agencyApiKey))
      .send({ document: forged.document, deadline: Math.floor(Date.now() / 1000) + 600, signature: s.signature })
      .expect(422);
    expect(bad.body.error.code).to.equal("BAD_SIGNATURE");
    // a document naming a key that is not the agency's
    expect((await signedIssue(other, document(other.address))).res.body.error.code).to.equal("SIGNER_NOT_AGENCY_KEY");
    // a deadline in the past
    expect((await signedIssue(agencyKey, document(agencyKey.address), 1000)).res.body.error.code).to.equal(
      "SIGNATURE_EXPIRED",
    );
    // a tampered document
    const tampered = document(agencyKey.address);
    (tampered.document.credentialSubject as Record<string, unknown>).name = "someone else";
    expect((await signedIssue(agencyKey, tampered)).res.body.error.code).to.equal("DOCUMENT_INVALID");
    // fields the type's schema refuses (built and signed correctly all the same)
    const now = Math.floor(Date.now() / 1000);
    const badFields = buildDocument({
      certificateType: { id: typeId, code: "diploma" },
      issuer: agencyKey.address,
      holder: holders.address(500),
      chainId,
      ledger,
      validFrom: now,
      validUntil: now + 86_400,
      fields: { ...sampleFields("diploma", 500), idNumber: "440308200303083150" },
    });
    const r = await signedIssue(agencyKey, badFields);
    expect(r.res.status).to.equal(422);
    expect(r.res.body.error.code).to.match(/FIELDS_INVALID|INVALID_ID_NUMBER/);
    // none of these reached the chain
    expect(Number(BigInt((await gw.engine.rpc("eth_blockNumber")) as string))).to.equal(head);
  });

  it("issues a group under one IssueMany signature, all or nothing, and supersedes one by signature", async () => {
    const docs = [0, 1, 2].map(() => document(agencyKey.address));
    const requests = docs.map((d) => ({
      certId: d.certId,
      typeId,
      validFrom: Date.parse(d.document.validFrom as string) / 1000,
      validUntil: Date.parse(d.document.validUntil as string) / 1000,
    }));
    const deadline = Math.floor(Date.now() / 1000) + 600;
    const s = await signIssueMany(agencyKey, ledgerDomain(chainId, ledger), { requests, deadline });
    // the signature covers the requests in their order: another order is refused before relaying
    const reordered = await http
      .post("/v1/agency/certificates/signed-group")
      .set(bearer(agencyApiKey))
      .send({ documents: [docs[1].document, docs[0].document, docs[2].document], deadline, signature: s.signature })
      .expect(422);
    expect(reordered.body.error.code).to.equal("BAD_SIGNATURE");
    const g = await http
      .post("/v1/agency/certificates/signed-group")
      .set(bearer(agencyApiKey))
      .send({ documents: docs.map((d) => d.document), deadline, signature: s.signature })
      .expect(201);
    expect(g.body.certificates.map((c: { certId: string }) => c.certId)).to.deep.equal(
      docs.map((d) => d.certId.toLowerCase()),
    );
    for (const d of docs) expect((await verdictOf(d.document)).verdict).to.equal("VALID");

    const [old, replacement] = [docs[0].certId.toLowerCase(), docs[1].certId.toLowerCase()];
    const n = await http.get(`/v1/agency/certificates/${old}/status-nonce`).set(bearer(agencyApiKey)).expect(200);
    const sig = await signStatusChange(agencyKey, ledgerDomain(chainId, ledger), {
      certId: old,
      batchRoot: ZERO32,
      status: 3,
      reason: 60,
      replacementCertId: replacement,
      replacementBatchRoot: ZERO32,
      nonce: n.body.nonce,
      deadline: BigInt(deadline),
    });
    const sup = await http
      .post(`/v1/agency/certificates/${old}/supersede/signed`)
      .set(bearer(agencyApiKey))
      .send({
        reason: "RENEWAL",
        replacement,
        signer: agencyKey.address,
        nonce: n.body.nonce,
        deadline,
        signature: sig.signature,
      })
      .expect(200);
    expect(sup.body.status).to.equal("SUPERSEDED");
    expect((await verdictOf(docs[0].document)).reasons).to.include("SUPERSEDED");
  });

  it("anchors a Merkle batch the agency built and signed, and revokes one of its certificates by signature", async () => {
    const now = Math.floor(Date.now() / 1000);
    const built = [0, 1, 2].map(() =>
      buildDocument({
        certificateType: { id: typeId, code: "diploma" },
        issuer: agencyKey.address,
        holder: holders.address(nextHolder),
        chainId,
        ledger,
        validFrom: now - 60,
        validUntil: now + 86_400 * 30,
        fields: sampleFields("diploma", nextHolder++),
      }),
    );
    const batch = buildBatch(
      built.map((b) => ({ certId: b.certId, validFrom: now - 60, validUntil: now + 86_400 * 30 })),
    );
    const documents = built.map((b, i) => withBatchProof(b.document, batch, i));
    const deadline = now + 600;
    const s = await signAnchorBatch(agencyKey, ledgerDomain(chainId, ledger), {
      root: batch.root,
      typeId,
      count: documents.length,
      deadline: BigInt(deadline),
    });
    // one document short: the root the gateway rebuilds differs
    const short = await http
      .post("/v1/agency/batches/signed")
      .set(bearer(agencyApiKey))
      .send({ root: batch.root, documents: documents.slice(0, 2), deadline, signature: s.signature })
      .expect(400);
    expect(short.body.error.code).to.equal("BATCH_ROOT_MISMATCH");
    const a = await http
      .post("/v1/agency/batches/signed")
      .set(bearer(agencyApiKey))
      .send({ root: batch.root, documents, deadline, signature: s.signature })
      .expect(201);
    expect(a.body.count).to.equal(3);
    expect((await verdictOf(documents[1])).verdict).to.equal("VALID");

    const certId = built[1].certId.toLowerCase();
    const n = await http.get(`/v1/agency/certificates/${certId}/status-nonce`).set(bearer(agencyApiKey)).expect(200);
    expect(n.body).to.include({ batchRoot: batch.root.toLowerCase(), nonce: 0, status: "ACTIVE" });
    const sig = await signStatusChange(agencyKey, ledgerDomain(chainId, ledger), {
      certId,
      batchRoot: batch.root,
      status: 2,
      reason: 1,
      replacementCertId: ZERO32,
      replacementBatchRoot: ZERO32,
      nonce: 0,
      deadline: BigInt(deadline),
    });
    const body = {
      reason: "ISSUED_IN_ERROR",
      batchProof: batch.getProof(1),
      signer: agencyKey.address,
      nonce: 0,
      deadline,
      signature: sig.signature,
    };
    // the same signature under another reason does not recover to the agency's key
    const wrong = await http
      .post(`/v1/agency/certificates/${certId}/revoke/signed`)
      .set(bearer(agencyApiKey))
      .send({ ...body, reason: "FRAUD" })
      .expect(422);
    expect(wrong.body.error.code).to.equal("BAD_SIGNATURE");
    await http.post(`/v1/agency/certificates/${certId}/revoke/signed`).set(bearer(agencyApiKey)).send(body).expect(200);
    const v = await verdictOf(documents[1]);
    expect(v.verdict).to.equal("INVALID");
    expect(v.reasons).to.include("REVOKED");
    // replaying it: the nonce moved on
    const again = await http
      .post(`/v1/agency/certificates/${certId}/revoke/signed`)
      .set(bearer(agencyApiKey))
      .send(body);
    expect(again.status).to.be.oneOf([409]);
  });

  describe("a stolen data directory", () => {
    let stolen: string;
    let real: { certId: string; document: CertificateDocument };

    before(async () => {
      const { doc, res } = await signedIssue(agencyKey);
      expect(res.status).to.equal(201);
      real = { certId: doc.certId.toLowerCase(), document: doc.document };
      await gw.close();
      stolen = path.join(x.root, "stolen");
      cpSync(x.dataDir, stolen, { recursive: true });
    });

    after(async () => {
      await open(); // the real gateway again, for the tests after these
    });

    /**
     * The keyring's seed. The data directory keeps it encrypted and the passphrase elsewhere; the worst
     * case is assumed: the thief has the passphrase too (the host's environment), hence the relayer key.
     */
    const stolenSeed = () => decryptSeed(path.join(stolen, KEYSTORE_FILE), TEST_KEYSTORE_PASSPHRASE);

    /** Every key-looking secret in every file, read as an attacker would, plus every key the seed derives for a label the database names. */
    async function secrets(): Promise<string[]> {
      const found = new Set<string>();
      const walk = (d: string) => {
        for (const f of readdirSync(d)) {
          const p = path.join(d, f);
          if (statSync(p).isDirectory()) walk(p);
          else
            for (const m of readFileSync(p)
              .toString("latin1")
              .matchAll(/(?:0x)?([0-9a-fA-F]{64})(?![0-9a-fA-F])/g))
              found.add(`0x${m[1].toLowerCase()}`);
        }
      };
      walk(stolen);
      const seed = await stolenSeed();
      const db = new Database(path.join(stolen, "certledger.sqlite"), { readonly: true });
      const labels = (db.prepare("select label from custodial_keys").all() as { label: string }[]).map((r) => r.label);
      db.close();
      for (const label of [...labels, "authority", "agency:Education Bureau", "agency-key:Education Bureau:1"])
        found.add(derivePrivateKey(seed, label));
      const N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
      return [...found].filter((k) => BigInt(k) > 0n && BigInt(k) < N);
    }

    it("holds no key of the agency or the authority, only the relayer's", async () => {
      const keys = await secrets();
      const addresses = new Set(keys.map((k) => computeAddress(new SigningKey(k).publicKey).toLowerCase()));
      expect(addresses.has(gw.engine.relayerAddress.toLowerCase())).to.equal(true);
      expect(addresses.has(agency)).to.equal(false);
      expect(addresses.has(authority.address.toLowerCase())).to.equal(false);
    });

    it("cannot issue, anchor, revoke, accredit or add a key with anything in it: the contracts refuse each", async () => {
      const relayerKey = derivePrivateKey(await stolenSeed(), "relayer");
      const relayer = computeAddress(new SigningKey(relayerKey).publicKey);
      const chain = await openEmbeddedChain({
        dataDir: stolen,
        genesisAccounts: [{ privateKey: relayerKey, address: relayer, balanceWei: 10n ** 30n }],
        signer: () => new SigningKey(relayerKey),
      });
      try {
        const addresses = JSON.parse(readFileSync(path.join(stolen, `deployment-${chainId}.json`), "utf8"));
        const refusal = async (from: string, to: string, data: string) => {
          try {
            await chain.rpc("eth_call", [{ from, to, data, gas: "0x1000000" }, "latest"]);
          } catch (e) {
            return decodeError(revertData(e));
          }
          return undefined;
        };
        const now = Math.floor(Date.now() / 1000);
        const deadline = now + 600;
        const domain = ledgerDomain(chainId, addresses.ledger);
        const fake = document(agencyKey.address);
        const from0 = BigInt(Date.parse(fake.document.validFrom as string) / 1000);
        const until0 = BigInt(Date.parse(fake.document.validUntil as string) / 1000);
        let attempts = 0;
        for (const k of await secrets()) {
          const thief = new Wallet(k);
          const t = thief.address;
          const asAgency = async (sig: Promise<{ signature: string }>) => [
            agencyKey.address,
            deadline,
            (await sig).signature,
          ];
          const asThief = async (sig: Promise<{ signature: string }>) => [t, deadline, (await sig).signature];
          const issueMsg = {
            certId: fake.certId,
            typeId,
            validFrom: from0,
            validUntil: until0,
            deadline: BigInt(deadline),
          };
          const root = keccak256(toUtf8Bytes(`root-${k}`));
          const batchMsg = { root, typeId, count: 1, deadline: BigInt(deadline) };
          const revokeMsg = {
            certId: real.certId,
            batchRoot: ZERO32,
            status: 2 as const,
            reason: 1,
            replacementCertId: ZERO32,
            replacementBatchRoot: ZERO32,
            nonce: 0,
            deadline: BigInt(deadline),
          };
          const ref = [real.certId, ZERO32, 0, 0, []];
          const tries: [string, string, string, string][] = [
            [
              "direct issue",
              t,
              addresses.ledger,
              ledgerIface.encodeFunctionData("issue", [fake.certId, typeId, from0, until0]),
            ],
            [
              "issue signed by the thief in the agency's name",
              relayer,
              addresses.ledger,
              ledgerIface.encodeFunctionData("issueBySig", [
                fake.certId,
                typeId,
                from0,
                until0,
                await asAgency(signIssue(thief, domain, issueMsg)),
              ]),
            ],
            [
              "issue signed by the thief as itself",
              relayer,
              addresses.ledger,
              ledgerIface.encodeFunctionData("issueBySig", [
                fake.certId,
                typeId,
                from0,
                until0,
                await asThief(signIssue(thief, domain, issueMsg)),
              ]),
            ],
            [
              "anchor a batch in the agency's name",
              relayer,
              addresses.ledger,
              ledgerIface.encodeFunctionData("anchorBatchBySig", [
                root,
                typeId,
                1,
                await asAgency(signAnchorBatch(thief, domain, batchMsg)),
              ]),
            ],
            [
              "anchor a batch as itself",
              t,
              addresses.ledger,
              ledgerIface.encodeFunctionData("anchorBatch", [root, typeId, 1]),
            ],
            [
              "revoke in the agency's name",
              relayer,
              addresses.ledger,
              ledgerIface.encodeFunctionData("revokeBySig", [
                ref,
                1,
                0,
                await asAgency(signStatusChange(thief, domain, revokeMsg)),
              ]),
            ],
            ["revoke as itself", t, addresses.ledger, ledgerIface.encodeFunctionData("revoke", [ref, 1])],
            [
              "accredit an agency",
              t,
              addresses.registry,
              registryIface.encodeFunctionData("accredit", [1, typeId, now, UINT40_MAX]),
            ],
            ["add a key", t, addresses.registry, registryIface.encodeFunctionData("addKey", [1, t, now, UINT40_MAX])],
            [
              "register an agency",
              t,
              addresses.registry,
              registryIface.encodeFunctionData("registerAgency", [keccak256(toUtf8Bytes("Thieves Bureau"))]),
            ],
          ];
          for (const [what, from, to, data] of tries) {
            const e = await refusal(from, to, data);
            expect(e, `${what} with ${t}`).to.not.equal(undefined);
            expect(e!.name, what).to.be.oneOf([
              "RegistryAccountNotAKey",
              "LedgerSignatureInvalid",
              "OwnableUnauthorizedAccount",
              "LedgerNotIssuingAgency",
            ]);
            if (e!.name === "LedgerSignatureInvalid") expect(String(e!.args[0]).toLowerCase()).to.equal(agency);
            if (e!.name !== "LedgerSignatureInvalid")
              expect(String(e!.args[0]).toLowerCase()).to.equal(t.toLowerCase());
            attempts++;
          }
        }
        expect(attempts).to.be.at.least(10);

        // And for real, with the one key that has gas: mined, reverted, nothing changed.
        const before = Number(BigInt((await chain.rpc("eth_blockNumber")) as string));
        const mined = await chain.producer.submit({
          from: relayer,
          to: addresses.registry,
          data: registryIface.encodeFunctionData("addKey", [1, relayer, now, UINT40_MAX]),
          gasLimit: 300_000n,
        });
        expect(mined.status).to.equal(0);
        expect(mined.blockNumber).to.equal(before + 1);
        const keyId = registryIface.decodeFunctionResult(
          "keyIdOf",
          (await chain.rpc("eth_call", [
            { to: addresses.registry, data: registryIface.encodeFunctionData("keyIdOf", [relayer]) },
            "latest",
          ])) as string,
        )[0];
        expect(Number(keyId)).to.equal(0);

        // A document the thief forged in the agency's name: intact as a document, never issued on chain.
        expect(verifyDocumentIntegrity(fake.document).code).to.equal("OK");
        const v = ledgerIface.decodeFunctionResult(
          "verdict",
          (await chain.rpc("eth_call", [
            {
              to: addresses.ledger,
              data: ledgerIface.encodeFunctionData("verdict", [[fake.certId, ZERO32, 0, 0, []]]),
            },
            "latest",
          ])) as string,
        )[0];
        expect(Number(v)).to.equal(1); // Verdict.NotIssued
      } finally {
        await chain.close();
      }
    });

    it("a forged document (the agency's key or the thief's as issuer) verifies INVALID through the gateway, the real one VALID", async () => {
      await open();
      try {
        const fake = document(agencyKey.address);
        const v = await verdictOf(fake.document);
        expect(v.verdict).to.equal("INVALID");
        expect(v.reasons).to.include("NOT_ISSUED");
        // naming the thief's own key (the relayer's) as the issuer changes nothing
        const forgedIssuer = document(gw.engine.relayerAddress);
        const w = await verdictOf(forgedIssuer.document);
        expect(w.verdict).to.equal("INVALID");
        expect(w.reasons).to.include("NOT_ISSUED");
        expect((await verdictOf(real.document)).verdict).to.equal("VALID");
      } finally {
        await gw.close();
      }
    });
  });

  describe("the compromise drill", () => {
    let server: Server;
    let url: string;

    before(async () => {
      server = gw.app.listen(0, "127.0.0.1");
      await new Promise((r) => server.once("listening", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise((r) => server.close(r)));

    it("retires a leaked key at a past T: before T stays VALID, the thief's certificate from T on stops verifying, the chain refuses the key, the new key issues", async () => {
      const before = await signedIssue(agencyKey);
      expect(before.res.status).to.equal(201);
      // Windows are counted in seconds: the leak comes in a later second than the agency's own certificate.
      await new Promise((r) => setTimeout(r, 1100));
      // The key leaks at T: the thief issues with it before anyone notices.
      const stolen = await signedIssue(agencyKey);
      expect(stolen.res.status).to.equal(201);
      const issuedAt = async (certId: string) => (await gw.engine.index.certificate(certId as never))!.issuedAt;
      const T = await issuedAt(stolen.doc.certId);
      expect(await issuedAt(before.doc.certId)).to.be.lessThan(T);
      expect((await verdictOf(stolen.doc.document)).verdict).to.equal("VALID");
      // A signature the thief made with the leaked key before T, kept to relay after T.
      const leakedDoc = document(agencyKey.address);
      const leakedDeadline = Math.floor(Date.now() / 1000) + 3600;

      const passFile = x.passphraseFile;
      const newFile = path.join(x.outside, "agency-key-2.json");
      const r = await cli([
        "--json",
        "keys",
        "rotate",
        "--keystore",
        agencyKeyFile,
        "--out",
        newFile,
        "--agency",
        agency,
        "--passphrase-file",
        passFile,
        "--scrypt-n",
        "1024",
        "--authority-keystore",
        x.authority.file,
        "--authority-passphrase-file",
        passFile,
        "--gateway",
        url,
        "--api-key",
        authorityKey,
        "--retire-at",
        String(T),
      ]);
      expect(r.code, r.stderr + r.stdout).to.equal(0);
      const rotated = JSON.parse(r.stdout);
      expect(rotated.retired).to.equal(agency);
      expect(rotated.retireAt).to.equal(T);
      const oldKey = await gw.engine.index.signingKey(agency as `0x${string}`);
      expect(oldKey!.validUntil).to.equal(T);

      expect((await verdictOf(before.doc.document)).verdict).to.equal("VALID");
      const thief = await verdictOf(stolen.doc.document);
      expect(thief.verdict).to.not.equal("VALID");
      expect(thief.reasons).to.include("ISSUER_NOT_ACCREDITED");
      // the chain agrees: its verdict for the thief's certificate is IssuerNotAccredited, for the earlier one Valid
      const chainVerdict = async (certId: string) =>
        Number(
          ledgerIface.decodeFunctionResult(
            "verdict",
            (await gw.engine.rpc("eth_call", [
              {
                to: ledger,
                data: ledgerIface.encodeFunctionData("verdict", [[certId, ZERO32, 0, 0, []]]),
              },
              "latest",
            ])) as string,
          )[0],
        );
      expect(await chainVerdict(stolen.doc.certId)).to.equal(7); // Verdict.IssuerNotAccredited
      expect(await chainVerdict(before.doc.certId)).to.equal(0); // Verdict.Valid

      // the old key signs after T: the gateway refuses early, and the chain refuses it too
      const after = await signedIssue(agencyKey, leakedDoc, leakedDeadline);
      expect(after.res.status).to.equal(403);
      expect(after.res.body.error.code).to.equal("KEY_NOT_VALID");
      const s = await signIssue(agencyKey, ledgerDomain(chainId, ledger), {
        certId: leakedDoc.certId,
        typeId,
        validFrom: BigInt(Date.parse(leakedDoc.document.validFrom as string) / 1000),
        validUntil: BigInt(Date.parse(leakedDoc.document.validUntil as string) / 1000),
        deadline: BigInt(leakedDeadline),
      });
      let error;
      try {
        await gw.engine.rpc("eth_call", [
          {
            from: gw.engine.relayerAddress,
            to: ledger,
            data: ledgerIface.encodeFunctionData("issueBySig", [
              leakedDoc.certId,
              typeId,
              BigInt(Date.parse(leakedDoc.document.validFrom as string) / 1000),
              BigInt(Date.parse(leakedDoc.document.validUntil as string) / 1000),
              [s.signer, s.deadline, s.signature],
            ]),
          },
          "latest",
        ]);
      } catch (e) {
        error = decodeError(revertData(e));
      }
      expect(error?.name).to.equal("RegistryKeyOutsideWindow");

      const fresh = new Wallet((await Wallet.fromEncryptedJson(readFileSync(newFile, "utf8"), PASSPHRASE)).privateKey);
      expect(fresh.address.toLowerCase()).to.equal(rotated.key);
      const again = await signedIssue(fresh, document(fresh.address));
      expect(again.res.status, JSON.stringify(again.res.body)).to.equal(201);
      expect((await verdictOf(again.doc.document)).verdict).to.equal("VALID");
    });
  });
});
