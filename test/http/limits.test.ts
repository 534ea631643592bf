/**
 * The limits, with small configured values: each answers 429 with Retry-After, and a limited request
 * changes nothing. Counter requests per verifier per minute, event streams open per verifier (served by
 * one watcher: one read per tick for all streams), the back-off after signatures that are not the
 * holder's (per certificate and per client address), and requests per API key (and per client address
 * for the status entries, a public route that signs).
 */
import { expect } from "chai";
import type { Server } from "node:http";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sampleFields } from "../../src/domain/catalog";
import { bearer, closeFront, count, issue, openFront, signGrant, type Front } from "../support/frontGateway";

function expectLimited(
  res: { status: number; headers: Record<string, string>; body: { error: { code: string } } },
  code: string,
) {
  expect(res.status, JSON.stringify(res.body)).to.equal(429);
  expect(res.body.error.code).to.equal(code);
  const after = Number(res.headers["retry-after"]);
  expect(after).to.be.a("number").and.at.least(1);
}

/** Opens an event stream; resolves with the status and, for a 200, the first event and a close function. */
function openStream(port: number, path: string, key: string) {
  return new Promise<{ status: number; first?: string; body?: string; close(): void }>((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: bearer(key) }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
        if (res.statusCode === 200 && text.includes("\n\n"))
          resolve({ status: 200, first: text, close: () => req.destroy() });
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, close: () => req.destroy() }));
    });
    req.on("error", reject);
  });
}

describe("limits: 429 with Retry-After, and a limited request changes nothing", function () {
  this.timeout(300_000);

  describe("per verifier and per holder signature", () => {
    let f: Front;
    let server: Server;
    let port: number;

    before(async () => {
      f = await openFront({
        withFront: true,
        config: {
          counterRequestsPerMinute: "3",
          eventStreamsPerVerifier: "2",
          holderSignatureFailuresPerCertificate: "3",
          holderSignatureFailuresPerAddress: "5",
          eventsPollMs: "50",
        },
      });
      server = await new Promise<Server>((resolve) => {
        const s = f.gw.app.listen(0, "127.0.0.1", () => resolve(s));
      });
      port = (server.address() as AddressInfo).port;
    });

    after(async () => {
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
      if (f) await closeFront(f);
    });

    const openCounter = (key: string) =>
      f.http
        .post("/v1/counter/requests")
        .set(bearer(key))
        .send({ types: ["diploma"], purpose: "open-bank-account" });

    it("refuses a verifier's counter request past its limit per minute, and opens nothing", async () => {
      for (let i = 0; i < 3; i++) expect((await openCounter(f.keys.verifierV)).status).to.equal(201);
      const before = await count(f, "counter_sessions");
      const limited = await openCounter(f.keys.verifierV).set("idempotency-key", "limited-counter");
      expectLimited(limited, "COUNTER_REQUESTS_LIMITED");
      expect(Number(limited.headers["retry-after"])).to.be.at.most(60);
      expect(await count(f, "counter_sessions")).to.equal(before);
      // Another verifier has its own allowance.
      expect((await openCounter(f.keys.verifierW)).status).to.equal(201);
    });

    it("refuses a third open event stream of a verifier, serves the others from one read per tick", async () => {
      const s1 = (await openCounter(f.keys.verifierW).expect(201)).body.id as string;
      const s2 = (await openCounter(f.keys.verifierW).expect(201)).body.id as string;
      const sessions = f.gw.engine.sessions;
      const reads: string[][] = [];
      let singleReads = 0;
      const { getMany, get } = sessions;
      sessions.getMany = async (ids: string[]) => {
        reads.push([...ids]);
        return getMany.call(sessions, ids);
      };
      sessions.get = async (id: string) => {
        singleReads++;
        return get.call(sessions, id);
      };
      try {
        const a = await openStream(port, `/v1/counter/requests/${s1}/events`, f.keys.verifierW);
        const b = await openStream(port, `/v1/counter/requests/${s2}/events`, f.keys.verifierW);
        expect(a.status).to.equal(200);
        expect(b.status).to.equal(200);
        expect(a.first).to.contain('"state":"OPEN"');
        const c = await openStream(port, `/v1/counter/requests/${s1}/events`, f.keys.verifierW);
        expect(c.status).to.equal(429);
        expect(JSON.parse(c.body!).error.code).to.equal("EVENT_STREAMS_LIMITED");
        // Both streams are fed by the same reads: each read asks for both sessions at once, and no
        // stream reads its own session.
        singleReads = 0;
        reads.length = 0;
        while (reads.length < 3) await new Promise((r) => setTimeout(r, 20));
        expect(singleReads).to.equal(0);
        for (const ids of reads) expect([...ids].sort()).to.deep.equal([s1, s2].sort());
        // A closed stream frees its place.
        a.close();
        let d = await openStream(port, `/v1/counter/requests/${s1}/events`, f.keys.verifierW);
        while (d.status === 429) {
          await new Promise((r) => setTimeout(r, 20));
          d = await openStream(port, `/v1/counter/requests/${s1}/events`, f.keys.verifierW);
        }
        expect(d.status).to.equal(200);
        b.close();
        d.close();
      } finally {
        sessions.getMany = getMany;
        sessions.get = get;
      }
    });

    it("backs off a certificate, then an address, after signatures that are not the holder's", async () => {
      const [x, y, z] = [await issue(f), await issue(f), await issue(f)];
      const relay = (c: typeof x, forged: boolean) => {
        const g = signGrant(f, c.index, c.certId, f.ids.verifierV, forged ? { signer: c.index + 1000 } : {});
        return {
          grantId: g.grantId,
          res: f.http
            .post("/v1/holder/grants")
            .send({ grant: g.grant, signature: g.signature, documentRoot: c.documentRoot }),
        };
      };
      for (let i = 0; i < 3; i++) expect((await relay(x, true).res).status).to.equal(401);
      // Certificate X backs off: even its holder's own grant waits, and nothing reaches the chain.
      const outbox = await count(f, "outbox");
      const held = relay(x, false);
      expectLimited(await held.res, "HOLDER_SIGNATURE_BACKOFF");
      expect(await f.gw.deps.index.grant(held.grantId)).to.equal(undefined);
      expect(await count(f, "outbox")).to.equal(outbox);
      // Another certificate from the same address is still served...
      expect((await relay(y, false).res).status).to.equal(201);
      // ...until the address has had its 5 failures.
      for (let i = 0; i < 2; i++) expect((await relay(y, true).res).status).to.equal(401);
      const fromAddress = relay(z, false);
      expectLimited(await fromAddress.res, "HOLDER_SIGNATURE_BACKOFF");
      expect(await f.gw.deps.index.grant(fromAddress.grantId)).to.equal(undefined);
    });
  });

  describe("per API key", () => {
    let f: Front;

    before(async () => {
      f = await openFront({ config: { apiKeyRequestsPerMinute: "5" } });
    });

    after(async () => {
      if (f) await closeFront(f);
    });

    it("refuses a key's requests past its rate; the refused write does nothing; other keys go on", async () => {
      for (let i = 0; i < 5; i++) await f.http.get("/v1/agency/certificates").set(bearer(f.keys.agencyA)).expect(200);
      const read = await f.http.get("/v1/agency/certificates").set(bearer(f.keys.agencyA));
      expectLimited(read, "RATE_LIMITED");
      expect(Number(read.headers["retry-after"])).to.be.at.most(12);
      const before = await count(f, "certificates");
      const i = f.nextIndex();
      const write = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", "rate-limited-issue")
        .send({ type: "diploma", holder: f.wallet.address(i).toLowerCase(), fields: sampleFields("diploma", i) });
      expectLimited(write, "RATE_LIMITED");
      expect(await count(f, "certificates")).to.equal(before);
      await f.http.get("/v1/agency/certificates").set(bearer(f.keys.agencyB)).expect(200);
    });

    it("counts a client address's requests for status entries (a public route that signs) against the same rate", async () => {
      const path = `/v1/public/certificates/0x${"66".repeat(32)}/status-entries`;
      for (let i = 0; i < 5; i++) expect((await f.http.get(path)).body.error.code).to.equal("STATUS_ENTRY_NOT_FOUND");
      const refused = await f.http.get(path);
      expectLimited(refused, "RATE_LIMITED");
      expect(refused.body.error.message).to.contain("client address");
    });
  });
});
