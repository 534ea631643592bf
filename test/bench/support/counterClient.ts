/**
 * The counter benchmark's client, in its own process: `counters` simulated counters at once, each
 * running sessions one after the other as the counter page and the wallet page do over HTTP:
 *   1. the counter opens a request for two certificate types (POST /v1/counter/requests, verifier key)
 *      and follows its server-sent events (GET /v1/counter/requests/{id}/events, read with fetch as the
 *      page reads them);
 *   2. the wallet fetches the request (GET /v1/counter/requests/{id}), hides the fields the purpose does
 *      not need in each document (redactDocument), signs one EIP-712 Grant per certificate with that
 *      certificate's own holder key (grantee the verifier, nonce the request's, one use) and answers
 *      (POST /v1/counter/requests/{id}/answer);
 *   3. the counter reads the verdict on its event stream.
 * Before the clock starts it issues `sessions` certificates of each type in one batch per type
 * (POST /v1/agency/batches?wait=true), each to its own holder key, and fetches the documents.
 *
 *   node --import tsx test/bench/support/counterClient.ts '{"base","agencyKey","verifierKey","types","purpose","sessions","counters"}'
 * Prints {"seconds","sessions","failed","answerToVerdictMs":[...],"failures":[...]}.
 */
import { purposeNeeds, sampleFields } from "../../../src/domain/catalog";
import {
  counterGrant,
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  redactDocument,
  verifyDocumentIntegrity,
} from "../../../src/document";
import { readEvents } from "../../../src/web/sse";

interface Args {
  base: string;
  agencyKey: string;
  verifierKey: string;
  types: string[];
  purpose: string;
  sessions: number;
  counters: number;
}

interface RequestView {
  id: string;
  nonce: string;
  expiresAt: number;
  purpose: string;
  types: { code: string }[];
  verifier: { address: string };
  domain: { name: string; version: string; chainId: number; verifyingContract: string };
}

async function main() {
  const a = JSON.parse(process.argv[2]) as Args;
  const json = { "content-type": "application/json" };
  const call = async <T>(method: string, p: string, key?: string, body?: unknown): Promise<T> => {
    const res = await fetch(a.base + p, {
      method,
      headers: { ...json, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const out = await res.json();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(out).slice(0, 300)}`);
    return out as T;
  };

  // ---- setup (not timed): `sessions` certificates of each type, each to its own holder key
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  const held: { index: number; document: unknown }[][] = [];
  for (const [t, type] of a.types.entries()) {
    const keyOf = new Map<string, number>();
    const items = Array.from({ length: a.sessions }, (_, i) => {
      const index = t * a.sessions + i;
      const holder = wallet.address(index);
      keyOf.set(holder.toLowerCase(), index);
      return { holder, fields: sampleFields(type, i) };
    });
    const job = await call<{ batchId: string }>("POST", "/v1/agency/batches?wait=true", a.agencyKey, { type, items });
    const docs: unknown[] = [];
    for (let offset = 0; offset < a.sessions; offset += 1000) {
      const page = await call<{ items: { document: unknown }[] }>(
        "GET",
        `/v1/agency/batches/${job.batchId}/documents?offset=${offset}&limit=1000`,
        a.agencyKey,
      );
      docs.push(...page.items.map((x) => x.document));
    }
    // Each document names its holder (did:pkh:eip155:<chainId>:<address>): the key that signs for it.
    const holderKey = (d: unknown) =>
      keyOf.get((d as { credentialSubject: { id: string } }).credentialSubject.id.split(":").pop()!.toLowerCase())!;
    held.push(docs.map((document) => ({ index: holderKey(document), document })));
  }

  /** The counter page's event stream: resolves with the time the final state arrived and that state. */
  async function follow(id: string, ready: () => void): Promise<{ at: number; view: Record<string, unknown> }> {
    const res = await fetch(`${a.base}/v1/counter/requests/${id}/events`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${a.verifierKey}` },
    });
    if (!res.ok || !res.body) throw new Error(`events: ${res.status} ${await res.text()}`);
    ready();
    let verdict: { at: number; view: Record<string, unknown> } | undefined;
    const ended = await readEvents(res.body, (data) => {
      const view = data as Record<string, unknown>;
      if (view.state !== "ANSWERED" && view.state !== "DECLINED" && view.state !== "EXPIRED") return false;
      verdict = { at: performance.now(), view };
      return true;
    });
    if (!ended || !verdict) throw new Error("events: the stream ended without a verdict");
    return verdict;
  }

  async function session(n: number): Promise<number> {
    const opened = await call<{ id: string }>("POST", "/v1/counter/requests", a.verifierKey, {
      types: a.types,
      purpose: a.purpose,
      minutes: 5,
    });
    let streaming!: () => void;
    const open = new Promise<void>((r) => (streaming = r));
    const verdict = follow(opened.id, streaming);
    verdict.catch(() => undefined);
    await open;

    // The wallet: it reads the request from the QR code's id, then answers.
    const req = await call<RequestView>("GET", `/v1/counter/requests/${opened.id}`);
    const presentations = req.types.map((tp) => {
      const c = held[a.types.indexOf(tp.code)][n];
      const paths = verifyDocumentIntegrity(c.document).disclosed.filter((p) => !p.startsWith("@"));
      const hidden = paths.filter((p) => !purposeNeeds(req.purpose, tp.code, p));
      const document = hidden.length ? redactDocument(c.document, hidden) : c.document;
      const certId = (c.document as { credentialStatus: { certId: string } }).credentialStatus.certId;
      const grant = counterGrant(req, certId);
      // The request's EIP-712 domain, as the wallet page takes it (chainId as a bigint).
      const domain = { ...req.domain, chainId: BigInt(req.domain.chainId) };
      const signed = wallet.signGrant(c.index, domain, grantMessage(grant));
      return { document, grant, signature: signed.signature };
    });
    const answeredAt = performance.now();
    const answer = await call<{ verdict: string }>("POST", `/v1/counter/requests/${opened.id}/answer`, undefined, {
      presentations,
    });
    const seen = await verdict;
    const result = seen.view.result as { verdict: string; presentations: { verdict: string }[] } | null;
    if (
      seen.view.state !== "ANSWERED" ||
      answer.verdict !== "VALID" ||
      result?.verdict !== "VALID" ||
      result.presentations.length !== a.types.length ||
      result.presentations.some((p) => p.verdict !== "VALID")
    )
      throw new Error(`session ${n}: ${JSON.stringify(seen.view).slice(0, 300)}`);
    return seen.at - answeredAt;
  }

  // ---- timed: `counters` counters, each running sessions one after the other
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: a.counters }, async () => {
      while (next < a.sessions) {
        const n = next++;
        try {
          latencies.push(await session(n));
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      sessions: latencies.length,
      failed: failures.length,
      answerToVerdictMs: latencies,
      failures: failures.slice(0, 5),
    })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
