/**
 * The lean JSON body reader (src/http/jsonBody.ts) must read every body exactly as express.json does:
 * the same value, or an error of the same type and status (src/http/errors.ts maps errors by type).
 * Both readers run behind the same small app and get the same raw requests, some split so that a
 * multi-byte character straddles two packets.
 */
import { expect } from "chai";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { jsonBody } from "../../src/http/jsonBody";

const LIMIT = 1024;

interface Seen {
  status: number;
  /** The parsed body, or the error's type. */
  body?: unknown;
  type?: string;
}

/** An app that answers what its reader made of the body: the value, or the error's type and status. */
function appWith(reader: RequestHandler) {
  const app = express();
  app.post("/echo", reader, (req, res) => {
    res.json({ body: req.body === undefined ? "(undefined)" : req.body });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status ?? 500).json({ type: err.type ?? "(none)" });
  };
  app.use(onError);
  return app;
}

/** Sends raw bytes (head and body parts, written apart) and reads the answer. */
function send(port: number, head: string, parts: Buffer[]): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let raw = "";
    sock.on("connect", async () => {
      sock.write(head);
      for (const p of parts) {
        await new Promise((r) => setTimeout(r, 5));
        sock.write(p);
      }
    });
    sock.on("data", (d) => {
      raw += d.toString("utf8");
      const [h, b] = raw.split("\r\n\r\n");
      const len = /content-length: (\d+)/i.exec(h ?? "");
      if (b !== undefined && len && Buffer.byteLength(b) >= Number(len[1])) {
        sock.destroy();
        resolve({ status: Number(h.split(" ")[1]), ...JSON.parse(b) });
      }
    });
    sock.on("error", reject);
  });
}

function request(body: Buffer, headers: Record<string, string>, split?: number): [string, Buffer[]] {
  const lines = ["POST /echo HTTP/1.1", "Host: 127.0.0.1", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const parts = split === undefined ? [body] : [body.subarray(0, split), body.subarray(split)];
  return [`${lines.join("\r\n")}\r\n\r\n`, parts];
}

const json = "application/json";
const utf8 = (s: string) => Buffer.from(s, "utf8");
const nameSplit = utf8('{"name":"陈敏","n":1}');

const CASES: { name: string; body: Buffer; headers?: Record<string, string>; split?: number }[] = [
  { name: "an object with Chinese text", body: nameSplit },
  { name: "a character split over two packets", body: nameSplit, split: 10 },
  { name: "a leading byte order mark", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('{"a":1}')]) },
  { name: "leading whitespace", body: utf8(' \n\t{"a":[1,2]}') },
  { name: "an array", body: utf8("[1,2,3]") },
  { name: "a string (strict mode)", body: utf8('"text"') },
  { name: "null (strict mode)", body: utf8("null") },
  { name: "only whitespace", body: utf8("   ") },
  { name: "malformed JSON", body: utf8('{"type": "diploma", ') },
  {
    name: "invalid UTF-8 inside a string",
    body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xc3, 0x22, 0x7d]),
  },
  { name: "charset=utf-8", body: utf8('{"a":1}'), headers: { "content-type": "application/json; charset=utf-8" } },
  {
    name: "charset=UTF-8 quoted",
    body: utf8('{"a":1}'),
    headers: { "content-type": 'application/json;charset="UTF-8"' },
  },
  { name: "charset=latin1", body: utf8('{"a":1}'), headers: { "content-type": "application/json; charset=latin1" } },
  { name: "a +json type", body: utf8('{"a":1}'), headers: { "content-type": "application/ld+json" } },
  { name: "text/plain", body: utf8('{"a":1}'), headers: { "content-type": "text/plain" } },
  { name: "a body over the limit", body: utf8(`{"a":"${"x".repeat(LIMIT)}"}`) },
  { name: "a body of exactly the limit", body: utf8(`{"a":"${"x".repeat(LIMIT - 8)}"}`) },
  { name: "an empty body", body: Buffer.alloc(0) },
  {
    name: "a gzip body",
    body: gzipSync(utf8('{"a":1}')),
    headers: { "content-encoding": "gzip" },
  },
];

describe("JSON body reader", () => {
  let lean: Server;
  let reference: Server;
  const portOf = (s: Server) => (s.address() as AddressInfo).port;

  before(async () => {
    const referenceReader = express.json({ limit: LIMIT, strict: true });
    lean = appWith(jsonBody(LIMIT, referenceReader)).listen(0, "127.0.0.1");
    reference = appWith(express.json({ limit: LIMIT, strict: true })).listen(0, "127.0.0.1");
    await Promise.all([lean, reference].map((s) => new Promise((r) => s.once("listening", r))));
  });
  after(() => {
    lean.close();
    reference.close();
  });

  for (const c of CASES)
    it(`reads ${c.name} as express.json does`, async () => {
      const headers = { "content-type": json, "content-length": String(c.body.length), ...c.headers };
      const [head, parts] = request(c.body, headers, c.split);
      const [mine, theirs] = [await send(portOf(lean), head, parts), await send(portOf(reference), head, parts)];
      expect(mine).to.deep.equal(theirs);
    });

  it("answers a body shorter than its Content-Length, cut off by the client, as express.json does", async () => {
    const seen = async (reader: RequestHandler) => {
      const app = express();
      const got = new Promise<unknown>((resolve) => {
        app.post("/echo", reader, () => resolve("parsed"));
        // Four parameters: Express takes a function as an error handler by its arity.
        const onError: ErrorRequestHandler = (err, _req, _res, _next) =>
          resolve({ type: err.type, status: err.status });
        app.use(onError);
      });
      const server = app.listen(0, "127.0.0.1");
      await new Promise((r) => server.once("listening", r));
      const sock = net.connect(portOf(server), "127.0.0.1");
      await new Promise((r) => sock.once("connect", r));
      sock.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: ${json}\r\nContent-Length: 100\r\n\r\n{"a":`);
      await new Promise((r) => setTimeout(r, 20));
      sock.destroy();
      const out = await got;
      server.close();
      return out;
    };
    const reference = await seen(express.json({ limit: LIMIT, strict: true }));
    expect(reference).to.deep.equal({ type: "request.aborted", status: 400 });
    expect(await seen(jsonBody(LIMIT, express.json({ limit: LIMIT, strict: true })))).to.deep.equal(reference);
  });
});
