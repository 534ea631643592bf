/**
 * Every gateway path the pages call, in one place, so a change of the HTTP API is one edit here.
 * The counter and share paths are ours (src/http/routes/counter.ts); the others are the gateway's
 * role routers (src/http/routes/*).
 */
const enc = encodeURIComponent;

export const EP = {
  chain: "/v1/public/info",
  types: "/v1/public/types",
  /** Who an API key is (any principal): the console and the counter sign in with it. */
  me: "/v1/me",
  // agency
  issue: "/v1/agency/certificates",
  batches: "/v1/agency/batches",
  batch: (id: string) => `/v1/agency/batches/${enc(id)}`,
  batchDocuments: (id: string, offset: number, limit: number) =>
    `/v1/agency/batches/${enc(id)}/documents?offset=${offset}&limit=${limit}`,
  agencyCertificates: (q = "") => `/v1/agency/certificates${q}`,
  agencyCertificate: (certId: string) => `/v1/agency/certificates/${enc(certId)}`,
  agencyPickup: (certId: string) => `/v1/agency/certificates/${enc(certId)}/pickup`,
  batchPickups: (id: string, offset: number, limit: number) =>
    `/v1/agency/batches/${enc(id)}/pickups?offset=${offset}&limit=${limit}`,
  statusChange: (certId: string, action: "revoke" | "suspend" | "reinstate") =>
    `/v1/agency/certificates/${enc(certId)}/${action}`,
  // agency, signed in the browser with the agency's own key
  issueSigned: "/v1/agency/certificates/signed",
  batchesSigned: "/v1/agency/batches/signed",
  batchPreview: "/v1/agency/batches/preview",
  statusNonce: (certId: string) => `/v1/agency/certificates/${enc(certId)}/status-nonce`,
  statusChangeSigned: (certId: string, action: "revoke" | "suspend" | "reinstate") =>
    `/v1/agency/certificates/${enc(certId)}/${action}/signed`,
  // public
  publicVerify: "/v1/public/verify",
  publicStatus: (certId: string) => `/v1/public/certificates/${enc(certId)}`,
  publicStatusEntries: (certId: string) => `/v1/public/certificates/${enc(certId)}/status-entries`,
  // holder
  holderGrants: "/v1/holder/grants",
  holderRevokeGrant: (grantId: string) => `/v1/holder/grants/${enc(grantId)}/revoke`,
  holderTrail: (certId: string) => `/v1/holder/certificates/${enc(certId)}/audit`,
  // delegations (src/http/routes/delegations.ts)
  delegations: "/v1/delegations",
  delegationRevoke: (delegationId: string) => `/v1/delegations/${enc(delegationId)}/revoke`,
  holderSdJwt: (certId: string) => `/v1/holder/certificates/${enc(certId)}/sd-jwt`,
  // pickups of issued documents and wallet backups (src/http/routes/delivery.ts)
  pickup: (id: string) => `/v1/pickups/${enc(id)}`,
  pickupConfirm: (id: string) => `/v1/pickups/${enc(id)}/confirm`,
  backup: (id: string) => `/v1/backups/${enc(id)}`,
  // claiming a certificate offered under a claim code (src/http/routes/claims.ts)
  claims: "/v1/claims",
  claim: (offerId: string) => `/v1/claims/${enc(offerId)}`,
  // counter and sharing (src/http/routes/counter.ts)
  counterRequests: "/v1/counter/requests",
  counterRequest: (id: string) => `/v1/counter/requests/${enc(id)}`,
  counterAnswer: (id: string) => `/v1/counter/requests/${enc(id)}/answer`,
  counterDecline: (id: string) => `/v1/counter/requests/${enc(id)}/decline`,
  counterResult: (id: string) => `/v1/counter/requests/${enc(id)}/result`,
  counterEvents: (id: string) => `/v1/counter/requests/${enc(id)}/events`,
  shares: "/v1/shares",
  share: (id: string) => `/v1/shares/${enc(id)}`,
  shareCheck: (id: string) => `/v1/shares/${enc(id)}/check`,
};
