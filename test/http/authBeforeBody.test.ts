/**
 * Every route that takes credentials in its headers (an API key, or the holder's signed request) checks
 * them before reading the body: a request announcing a 1 MiB body with a bad key is answered 401 while
 * the client has sent only its first KiB, and the connection is closed rather than read to its end. The
 * server cannot have read what was never sent, so a 401 here proves the body was not consumed.
 */
import { expect } from "chai";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { closeFront, openFront, type Front } from "../support/frontGateway";

const DECLARED = 1024 * 1024;
const SENT = 1024;

interface Answer {
  status: number;
  code?: string;
  connection?: string;
  /** Body bytes the client had written when the answer came. */
  sent: number;
}

/** Sends the head and the first KiB of a 1 MiB body, then waits for the answer without sending more. */
function sendHeadOnly(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let raw = "";
    let sent = 0;
    sock.on("connect", () => {
      const lines = [
        `${method.toUpperCase()} ${path} HTTP/1.1`,
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        `Content-Length: ${DECLARED}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      sock.write(`${lines.join("\r\n")}\r\n\r\n`);
      sock.write(Buffer.alloc(SENT, 0x20)); // JSON whitespace: a valid start of a body
      sent = SENT;
    });
    sock.on("data", (d) => (raw += d.toString("latin1")));
    sock.on("error", reject);
    sock.on("close", () => {
      const [head, body = ""] = raw.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const connection = /\r\nconnection: ([^\r]+)/i.exec(head)?.[1];
      let code: string | undefined;
      try {
        code = JSON.parse(body).error?.code;
      } catch {
        code = undefined;
      }
      resolve({ status, code, connection, sent });
    });
  });
}

const SAMPLE: Record<string, string> = {
  certId: `0x${"ab".repeat(32)}`,
  grantId: `0x${"cd".repeat(32)}`,
  agency: `0x${"12".repeat(20)}`,
  key: `0x${"34".repeat(20)}`,
  code: "diploma",
  batchId: "6f1d7c3e-1b2a-4c5d-8e9f-0a1b2c3d4e5f",
  id: "AAAAAAAAAAAAAAAAAAAAAA",
};

describe("credentials are checked before the body is read", function () {
  this.timeout(300_000);
  let f: Front;
  let server: Server;
  let port: number;

  before(async () => {
    f = await openFront({ withFront: true });
    server = await new Promise<Server>((resolve) => {
      const s = f.gw.app.listen(0, "127.0.0.1", () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((r) => server?.close(r));
    if (f) await closeFront(f);
  });

  it("answers 401 to a 1 MiB body with a bad API key on every API-key route, having read at most its first KiB", async () => {
    const doc = (await f.http.get("/openapi.json").expect(200)).body;
    const routes: [string, string][] = [];
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>))
      for (const [m, op] of Object.entries(ops)) if (op.security?.length) routes.push([m, p]);
    expect(routes.length).to.be.greaterThan(25);
    for (const [method, template] of routes) {
      const path = template.replace(/\{(\w+)\}/g, (_, k: string) => SAMPLE[k] ?? "x");
      const a = await sendHeadOnly(port, method, path, { Authorization: "Bearer not-a-real-key-0000" });
      expect(a.status, `${method} ${template}`).to.equal(401);
      expect(a.sent, `${method} ${template}`).to.be.below(DECLARED);
      expect(a.connection?.toLowerCase(), `${method} ${template}`).to.equal("close");
    }
  });

  it("answers 401 to a 1 MiB body with a bad holder signature, having read at most its first KiB", async () => {
    const path = `/v1/holder/certificates/${SAMPLE.certId}/audit`;
    const a = await sendHeadOnly(port, "get", path, {
      "X-Holder-Document-Root": `0x${"ef".repeat(32)}`,
      "X-Holder-Timestamp": String(f.now()),
      "X-Holder-Nonce": "nonce-before-body",
      "X-Holder-Signature": `0x${"11".repeat(65)}`,
    });
    expect(a.status).to.equal(401);
    expect(a.code).to.equal("BAD_SIGNATURE");
    expect(a.sent).to.be.below(DECLARED);
    expect(a.connection?.toLowerCase()).to.equal("close");
  });
});
