/**
 * The agencies' Bitstring Status Lists, a projection of the chain kept by the indexer: each list's bits
 * are the statuses the index holds for the certificates at their random indices (src/store/statusLists.ts),
 * and the indexer hands every applied block's certificate changes to `applied` before it tells anyone the
 * block is applied, so a list answers for a status change from the block that made it. After a rewind
 * or a reload from the database the lists are built again from the index.
 *
 * A list is served as a vc+jwt signed with the agency's current signing key when the gateway holds it
 * (custodial keys); under external custody the gateway holds no agency key and serves the credential
 * unsigned (application/vc), never signed by a key that is not the agency's
 * (docs/decisions/0020-bitstring-status-lists.md).
 */
import { sha256 } from "@noble/hashes/sha256";
import type { IndexCache, CacheChange } from "./indexCache";
import type { StatusListEntries, StatusListRow } from "../store/statusLists";
import { statusListLengthCovering } from "../store/statusLists";
import {
  buildStatusListCredential,
  emptyStatusBits,
  setStatusBit,
  signStatusListJwt,
  statusListEntry,
  type BitstringStatusListEntry,
  type StatusPurpose,
} from "../document/statusList";
import { bytesToHex, hexToBytes, toDidPkh } from "../document";
import { utf8 } from "../document/encoding";
import { STATUS_LIST_MAX_AGE_SECONDS, signStatusEntries } from "../document/statusEntries";
import { activeSigningKey } from "../domain/issuance";
import type { Address, CertificateStatus } from "../domain/ports";
import { chainStatusBit } from "../domain/statusLists";

export interface PublishedStatusList {
  /** application/vc+jwt (signed by the agency) or application/vc (unsigned: external custody). */
  contentType: "application/vc+jwt" | "application/vc";
  body: string;
  /** A weak validator of the list's content (bits, purpose, URL, signer): the same on every replica. */
  etag: string;
  /** The address of the agency key that signed; undefined when unsigned. */
  signer?: string;
  /** Unix seconds: the list's validUntil. It is signed again once half its life is gone. */
  validUntil: number;
}

export interface StatusListProjectionOptions {
  chainId: number;
  now: () => number;
  /**
   * The private key of the agency's signing key valid now, when the gateway holds it; undefined under
   * external custody (the list is then served unsigned).
   */
  agencyKey: (agency: string) => Promise<{ address: string; privateKey: Uint8Array } | undefined>;
}

/** Entry proofs kept in memory: one per certificate asked for, the oldest dropped past this. */
const ENTRY_PROOFS_KEPT = 10_000;

interface Built {
  bits: Uint8Array;
  rendered: Map<string, PublishedStatusList>;
}

export class StatusListProjection {
  private readonly lists = new Map<string, Built>();
  /** Bumped by every reset and every drawing of indices: a build started before it is not kept. */
  private generation = 0;
  readonly stats = { builds: 0, bitsChanged: 0, entrySignatures: 0 };
  /**
   * Entry proofs made, by signing key, certId and entries (their list URLs included): a public route
   * answers from here, so a certificate costs one signature however often it is asked for. Bounded
   * (oldest first out); a rotated key or another origin's URLs is another key, so a new proof.
   */
  private readonly entryProofs = new Map<string, string>();

  constructor(
    private readonly entries: StatusListEntries,
    private readonly cache: IndexCache,
    private readonly opts: StatusListProjectionOptions,
  ) {}

  /** Draws the indices of newly issued certificates (called before their issuance is sent). */
  async allocate(agency: string, certs: { certId: string; batchRoot?: string }[]): Promise<StatusListRow[]> {
    const rows = await this.entries.allocate(agency, certs);
    this.generation++;
    for (const r of rows) {
      const l = this.lists.get(keyOf(r.agency, r.purpose));
      // A longer list now: build it again at the next request.
      if (l && r.index >= l.bits.length * 8) this.lists.delete(keyOf(r.agency, r.purpose));
    }
    return rows;
  }

  /** The indexer applied these changes (committed to the store; the index cache holds them). */
  async applied(changes: CacheChange[]): Promise<void> {
    const ids = [...new Set(changes.flatMap((c) => (c.table === "certificates" ? [c.row.cert_id] : [])))];
    if (ids.length === 0) return;
    // A build that read the statuses before this commit must not be kept.
    this.generation++;
    if (this.lists.size === 0) return;
    for (const r of await this.entries.rowsOf(ids)) {
      const key = keyOf(r.agency, r.purpose);
      const l = this.lists.get(key);
      if (!l) continue;
      if (r.index >= l.bits.length * 8) {
        this.lists.delete(key);
        continue;
      }
      setStatusBit(l.bits, r.index, chainStatusBit(r.purpose, await this.statusOf(r)));
      l.rendered.clear();
      this.stats.bitsChanged++;
    }
  }

  /** The index was rewound or reloaded: every list is built again from it. */
  reset(): void {
    this.generation++;
    this.lists.clear();
  }

  /** The list of `agency` for `purpose`, published at `url`. */
  async publish(agency: string, purpose: StatusPurpose, url: string): Promise<PublishedStatusList> {
    const a = agency.toLowerCase();
    const l = await this.built(a, purpose);
    const cached = l.rendered.get(url);
    const now = this.opts.now();
    // A verifier holding a list past its validUntil calls it stale: sign it again well before then.
    if (cached && now < cached.validUntil - STATUS_LIST_MAX_AGE_SECONDS / 2) return cached;
    const key = await this.opts.agencyKey(a);
    const issuerKey = key?.address ?? (await currentSigningKey(this.cache, a, this.opts.now()));
    const credential = buildStatusListCredential({
      id: url,
      issuer: issuerKey ? toDidPkh(this.opts.chainId, issuerKey) : url,
      statusPurpose: purpose,
      bits: l.bits,
      validFrom: now,
      validUntil: now + STATUS_LIST_MAX_AGE_SECONDS,
    });
    const signer = key?.address.toLowerCase();
    // The validity is in the tag: a cache revalidating a list about to go stale gets the renewed one.
    const tag = bytesToHex(
      sha256(utf8([credential.credentialSubject.encodedList, purpose, url, signer ?? "unsigned", now].join("|"))),
    ).slice(2, 34);
    const validUntil = now + STATUS_LIST_MAX_AGE_SECONDS;
    const out: PublishedStatusList = key
      ? {
          contentType: "application/vc+jwt",
          body: signStatusListJwt(credential, key.privateKey, this.opts.chainId),
          etag: `W/"${tag}"`,
          signer,
          validUntil,
        }
      : { contentType: "application/vc", body: JSON.stringify(credential), etag: `W/"${tag}"`, validUntil };
    if (this.lists.get(keyOf(a, purpose)) === l) l.rendered.set(url, out);
    return out;
  }

  /**
   * The agency's signature over a certificate's entries (docs/decisions/0022-status-entries-in-the-document.md),
   * made with its current signing key when the gateway holds it; undefined under external custody.
   */
  async signEntries(agency: string, certId: string, entries: BitstringStatusListEntry[]): Promise<string | undefined> {
    const key = await this.opts.agencyKey(agency.toLowerCase());
    if (!key) return undefined;
    const id = `${key.address.toLowerCase()}|${certId.toLowerCase()}|${JSON.stringify(entries)}`;
    const have = this.entryProofs.get(id);
    if (have) return have;
    const proof = signStatusEntries(certId as `0x${string}`, entries, key.privateKey, this.opts.chainId);
    this.stats.entrySignatures++;
    if (this.entryProofs.size >= ENTRY_PROOFS_KEPT) this.entryProofs.delete(this.entryProofs.keys().next().value!);
    this.entryProofs.set(id, proof);
    return proof;
  }

  /** A certificate's entries in the lists published under `baseUrl` (empty when the gateway did not issue it). */
  async entriesOf(certId: string, baseUrl: string): Promise<BitstringStatusListEntry[]> {
    const rows = await this.entries.entriesOf(certId);
    return rows
      .sort((x, y) => x.purpose.localeCompare(y.purpose))
      .map((r) => statusListEntry(statusListUrl(baseUrl, r.agency, r.purpose), r.purpose, r.index));
  }

  private async built(agency: string, purpose: StatusPurpose): Promise<Built> {
    const key = keyOf(agency, purpose);
    const have = this.lists.get(key);
    // Another replica may have drawn indices past this list's end (the list doubled): build it again.
    if (have && (await this.entries.maxIndex(agency, purpose)) < have.bits.length * 8) return have;
    if (have && this.lists.get(key) === have) this.lists.delete(key);
    const gen = this.generation;
    // Entries and statuses from one statement (the index keeps only recent certificates in memory).
    const rows = await this.entries.listWithStatuses(agency, purpose);
    const bits = emptyStatusBits(statusListLengthCovering(rows.reduce((m, r) => Math.max(m, r.index), 0)));
    for (const r of rows) if (chainStatusBit(purpose, r.status as CertificateStatus)) setStatusBit(bits, r.index, true);
    const l: Built = { bits, rendered: new Map() };
    this.stats.builds++;
    if (gen === this.generation && !this.lists.has(key)) this.lists.set(key, l);
    return this.lists.get(key) ?? l;
  }

  private async statusOf(r: StatusListRow): Promise<CertificateStatus> {
    return ((await this.cache.overrideRow(r.batchRoot, r.certId))?.status ?? "ACTIVE") as CertificateStatus;
  }
}

/**
 * The agency's signing key valid now, when the keyring holds it (custodial custody): the key that signs
 * its lists. The newest valid key signs, as it does new certificates.
 */
export function custodialAgencyKey(
  cache: IndexCache,
  keyring: { has(address: `0x${string}`): boolean; signer(address: string): { privateKey: string } },
  now: () => number,
): StatusListProjectionOptions["agencyKey"] {
  return async (agency) => {
    const key = await currentSigningKey(cache, agency, now());
    return key && keyring.has(key)
      ? { address: key, privateKey: hexToBytes(keyring.signer(key).privateKey) }
      : undefined;
  };
}

/** The agency's signing key valid at `at` (the one that signs its new certificates), if any. */
async function currentSigningKey(cache: IndexCache, agency: string, at: number): Promise<Address | undefined> {
  try {
    return (await activeSigningKey({ index: cache }, agency as Address, at)).key;
  } catch {
    return undefined;
  }
}

function keyOf(agency: string, purpose: string): string {
  return `${agency.toLowerCase()}|${purpose}`;
}

/** Where an agency's list of `purpose` is published. */
export function statusListUrl(baseUrl: string, agency: string, purpose: StatusPurpose): string {
  return `${baseUrl.replace(/\/+$/, "")}/v1/public/status-lists/${agency.toLowerCase()}/${purpose}`;
}
