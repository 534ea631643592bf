/**
 * A holder's grant as POST /v1/holder/grants takes it (numbers and decimal strings), signed the one way
 * the wallet signs (`grantMessage`, the conversion of a wire grant to the signed message).
 */
import request from "supertest";
import { sampleFields } from "../../src/domain/catalog";
import {
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  purposeHash,
  type GrantJson,
  type HolderWallet,
} from "../../src/document";
import type { Gateway } from "../../src/wiring/gateway";

/** The body of POST /v1/holder/grants: `wallet`'s key `index` grants `grantee` `maxUses` checks for an hour. */
export function holderGrantBody(o: {
  wallet: HolderWallet;
  index?: number;
  info: { chainId: number; contracts: { consent: string } };
  certId: string;
  grantee: string;
  purpose: string;
  maxUses: number;
  nonce: number;
  documentRoot: string;
}) {
  const now = Math.floor(Date.now() / 1000);
  const grant: GrantJson = {
    certId: o.certId,
    grantee: o.grantee,
    purpose: purposeHash(o.purpose),
    validUntil: now + 3600,
    maxUses: o.maxUses,
    nonce: String(o.nonce),
    deadline: now + 600,
  };
  const s = o.wallet.signGrant(
    o.index ?? 0,
    consentDomain(o.info.chainId, o.info.contracts.consent),
    grantMessage(grant),
  );
  return { grant, signature: s.signature, documentRoot: o.documentRoot };
}

/**
 * Through a seeded custodial gateway's API: the demo agency of `type` issues a certificate to a new
 * holder, who grants the demo verifier `maxUses` checks. For the flows on external chains.
 */
export async function issueAndGrant(
  gw: Gateway,
  o: { type: string; idempotencyKey: string; purpose: string; maxUses: number },
) {
  const creds = gw.credentials!;
  const agency = creds.agencies.find((a) => a.types.includes(o.type))!;
  const http = request(gw.app);
  const info = (await http.get("/v1/public/info").expect(200)).body;
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  const issued = (
    await http
      .post("/v1/agency/certificates")
      .set({ authorization: `Bearer ${agency.apiKey}`, "idempotency-key": o.idempotencyKey })
      .send({ type: o.type, holder: wallet.address(0), fields: sampleFields(o.type, 1) })
      .expect(201)
  ).body;
  const body = holderGrantBody({
    wallet,
    info,
    certId: issued.certId,
    grantee: creds.verifier.verifier,
    purpose: o.purpose,
    maxUses: o.maxUses,
    nonce: 1,
    documentRoot: gw.deps.documents.verifyIntegrity(issued.document).documentRoot!,
  });
  const relayed = (await http.post("/v1/holder/grants").send(body).expect(201)).body;
  return { info, agency, issued, grantId: relayed.grantId as string };
}
