/**
 * Bitstring Status Lists as use cases: publish an agency's list, tell a certificate's entries, and
 * cross-check a downloaded list against the chain's status of one certificate. The chain stays the
 * source of truth: a list is a view of it, and a list that says otherwise than the chain is reported.
 */
import { DomainError, notFound } from "./errors";
import type { Address, Bytes32, CertificateStatus, DomainDeps } from "./ports";
import {
  STATUS_PURPOSES,
  StatusListError,
  statusFromList,
  verifyStatusListJwt,
  type BitstringStatusListCredential,
  type BitstringStatusListEntry,
  type StatusPurpose,
} from "../document/statusList";

/** What the gateway's status list projection offers (src/indexer/statusLists.ts). */
export interface StatusListPort {
  publish(
    agency: string,
    purpose: StatusPurpose,
    url: string,
  ): Promise<{ contentType: string; body: string; etag: string; signer?: string }>;
  entriesOf(certId: string, baseUrl: string): Promise<BitstringStatusListEntry[]>;
  /** The agency's signature over the entries, when the gateway holds its key (custodial custody). */
  signEntries?(agency: string, certId: string, entries: BitstringStatusListEntry[]): Promise<string | undefined>;
}

export type StatusListDeps = Pick<DomainDeps, "index"> & { statusLists?: StatusListPort };

function port(deps: StatusListDeps): StatusListPort {
  if (!deps.statusLists)
    throw new DomainError("STATUS_LISTS_UNAVAILABLE", "This gateway publishes no status lists.", { status: 503 });
  return deps.statusLists;
}

/** Which bit of each purpose a chain status sets (superseded is final, as revoked is). */
export function chainStatusBit(purpose: StatusPurpose, status: CertificateStatus): boolean {
  return purpose === "revocation" ? status === "REVOKED" || status === "SUPERSEDED" : status === "SUSPENDED";
}

/** An agency's list of `purpose`; 404 for an agency the registry does not know. */
export async function publishStatusList(
  deps: StatusListDeps,
  p: { agency: Address; purpose: StatusPurpose; url: string },
) {
  if (!(await deps.index.agency(p.agency.toLowerCase() as Address)))
    throw notFound("AGENCY_NOT_FOUND", `No agency ${p.agency} is registered on the ledger.`);
  return port(deps).publish(p.agency, p.purpose, p.url);
}

/**
 * A certificate's entries in its agency's lists (purpose, list URL, index): what a credential's
 * `credentialStatus` (or an SD-JWT VC's `status`) carries. 404 when the gateway drew none for it.
 */
export async function statusListEntries(
  deps: StatusListDeps,
  p: { certId: Bytes32; baseUrl: string },
): Promise<BitstringStatusListEntry[]> {
  const entries = await port(deps).entriesOf(p.certId.toLowerCase(), p.baseUrl);
  if (entries.length === 0)
    throw notFound(
      "STATUS_ENTRY_NOT_FOUND",
      `Certificate ${p.certId} has no status list entries here (it was not issued through this gateway).`,
    );
  return entries;
}

/**
 * The entries with the agency's signature over them and the certId, for the holder to keep in the
 * document (docs/decisions/0022-status-entries-in-the-document.md): signed only once the certificate is
 * on the ledger, by its agency's current key; no proof under external custody.
 */
export async function signedStatusListEntries(
  deps: StatusListDeps,
  p: { certId: Bytes32; baseUrl: string },
): Promise<{ entries: BitstringStatusListEntry[]; proof?: string }> {
  const certId = p.certId.toLowerCase() as Bytes32;
  const entries = await statusListEntries(deps, { certId, baseUrl: p.baseUrl });
  const cert = await deps.index.certificate(certId);
  const proof = cert ? await port(deps).signEntries?.(cert.agency, certId, entries) : undefined;
  return proof ? { entries, proof } : { entries };
}

export interface StatusListCheck {
  purpose: StatusPurpose;
  index: number;
  listUrl: string;
  /** The bit the list holds for the certificate. */
  listSays: boolean;
  /** The bit the chain's status implies. */
  chainSays: boolean;
  agrees: boolean;
  /** The agency key that signed the list (its vc+jwt); null for an unsigned list. */
  signedBy: Address | null;
}

export interface CheckStatusListsReturnType {
  certId: Bytes32;
  /** The certificate's status on chain. */
  status: CertificateStatus;
  /** Every list given agrees with the chain. */
  agrees: boolean;
  checks: StatusListCheck[];
}

const listError = (e: unknown): never => {
  if (e instanceof StatusListError) throw new DomainError(e.code, e.message, { status: 422 });
  throw e;
};

/**
 * The gateway's verifier: reads the certificate's bit in each downloaded list (a vc+jwt or the
 * credential) and compares it with the certificate's status on chain. A list signed by a key that is
 * not one of the issuing agency's on-chain keys, or that is not the agency's list, is refused (422).
 */
export async function checkStatusListsAgainstChain(
  deps: StatusListDeps,
  p: { certId: Bytes32; lists: (string | BitstringStatusListCredential)[]; baseUrl: string },
): Promise<CheckStatusListsReturnType> {
  const certId = p.certId.toLowerCase() as Bytes32;
  const cert = await deps.index.certificate(certId);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${p.certId} is on the ledger.`);
  const entries = await statusListEntries(deps, { certId, baseUrl: p.baseUrl });
  const checks: StatusListCheck[] = [];
  for (const list of p.lists) {
    let credential: BitstringStatusListCredential;
    let signedBy: Address | null = null;
    try {
      if (typeof list === "string") {
        const v = verifyStatusListJwt(list);
        const key = await deps.index.signingKey(v.signer.toLowerCase() as Address);
        if (!key || key.agency.toLowerCase() !== cert.agency.toLowerCase())
          throw new StatusListError(
            "STATUS_LIST_BAD_SIGNATURE",
            `The list is signed by ${v.signer}, which is not a signing key of the certificate's agency on chain.`,
          );
        credential = v.credential;
        signedBy = key.key;
      } else credential = list;
      const purpose = credential?.credentialSubject?.statusPurpose;
      const entry = entries.find((e) => e.statusPurpose === purpose && sameList(e.statusListCredential, credential.id));
      if (!entry)
        throw new StatusListError(
          "STATUS_LIST_WRONG_LIST",
          `This list (${String(credential?.id)}) is not one the certificate has an entry in: ${entries
            .map((e) => e.statusListCredential)
            .join(", ")}.`,
        );
      const read = statusFromList(credential, { ...entry, statusListCredential: credential.id });
      const chainSays = chainStatusBit(read.statusPurpose, cert.status);
      checks.push({
        purpose: read.statusPurpose,
        index: read.index,
        listUrl: credential.id,
        listSays: read.set,
        chainSays,
        agrees: read.set === chainSays,
        signedBy,
      });
    } catch (e) {
      listError(e);
    }
  }
  return { certId, status: cert.status, agrees: checks.every((c) => c.agrees), checks };
}

/** The same list at another origin (a proxy, another replica's host): agency and purpose match. */
function sameList(entryUrl: string, listUrl: unknown): boolean {
  const tail = (u: string) => /\/v1\/public\/status-lists\/0x[0-9a-f]{40}\/[a-z]+$/i.exec(u)?.[0].toLowerCase();
  return typeof listUrl === "string" && tail(entryUrl) !== undefined && tail(entryUrl) === tail(listUrl);
}

export { STATUS_PURPOSES };
