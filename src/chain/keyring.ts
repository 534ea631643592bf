/**
 * The gateway's custodial keys: the relayer (which also funds the others), the authority admin, each
 * agency signing key and each verifier. Every key is DERIVED, never stored:
 *
 *   privateKey(label) = keccak256("certledger/key/v1" ‖ seed ‖ label)   (re-hashed until a valid scalar)
 *
 * so the 32-byte seed is the only secret. It comes from the engine options (tests) or, by default, from
 * the encrypted keystore `<dataDir>/keyring.keystore.json` (src/chain/seedKeystore.ts), created on first
 * start. Only labels and addresses go to the store (`custodial_keys`), so after a restart
 * `signer(address)` finds the label again and re-derives. Losing the keystore or its passphrase loses
 * every custodial key; back both up, apart.
 */
import { keccak_256 } from "@noble/hashes/sha3";
import { SigningKey, computeAddress, getBytes, hexlify } from "ethers";
import type { Kysely } from "kysely";
import type { Address, Keyring } from "../domain/ports";
import type { Database } from "../store/schema";

const N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

export function derivePrivateKey(seed: Uint8Array, label: string): string {
  let h = keccak_256(Buffer.concat([Buffer.from("certledger/key/v1"), Buffer.from(seed), Buffer.from(label, "utf8")]));
  for (;;) {
    const k = BigInt("0x" + Buffer.from(h).toString("hex"));
    if (k > 0n && k < N) return "0x" + Buffer.from(h).toString("hex");
    h = keccak_256(h);
  }
}

export function parseSeed(hex: string): Uint8Array {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(hex)) throw new Error("the keyring seed must be 32 bytes of hex");
  return Buffer.from(hex.replace(/^0x/, ""), "hex");
}

/** Well-known labels. Agencies and verifiers use `agency:<id>:<n>` / `verifier:<id>` by convention. */
export const RELAYER_LABEL = "relayer";
export const AUTHORITY_LABEL = "authority";

export class CustodialKeyring implements Keyring {
  private readonly byAddress = new Map<string, { label: string; key: SigningKey }>();
  /** Called after `create` (the engine funds the key once; it must be idempotent). */
  onCreated?: (address: Address) => Promise<void>;

  constructor(
    private readonly seed: Uint8Array,
    private readonly db?: Kysely<Database>,
    /** Which labels this keyring may hold (external custody: no agency or authority key). */
    private readonly allowed: (label: string) => boolean = () => true,
  ) {}

  /** Loads the labels stored by earlier runs. */
  async load(): Promise<void> {
    if (!this.db) return;
    const rows = await this.db.selectFrom("custodial_keys").select(["label"]).execute();
    for (const r of rows) this.derive(r.label);
  }

  /** The address of `label`'s key, without storing anything. */
  addressOf(label: string): Address {
    return this.derive(label);
  }

  privateKeyOf(label: string): string {
    return derivePrivateKey(this.seed, label);
  }

  /** Derives (and remembers) the key of `label`; stores the label so that `signer` finds it after a restart. */
  async create(label: string): Promise<Address> {
    const address = this.derive(label);
    if (this.db) {
      await this.db
        .insertInto("custodial_keys")
        .values({ address, label, created_ms: Date.now() })
        .onConflict((oc) => oc.column("address").doNothing())
        .execute();
      // Also for a label stored before: its funding may not have finished then (the hook is idempotent).
      if (this.onCreated) await this.onCreated(address);
    }
    return address;
  }

  /** Holds a key given by configuration (an external chain's funded account or contract owner); not stored. */
  importKey(label: string, privateKey: string): Address {
    const key = new SigningKey(privateKey);
    const address = computeAddress(key.publicKey).toLowerCase() as Address;
    this.byAddress.set(address, { label, key });
    return address;
  }

  /** Knows `address` after this, when the store has its label (created by another replica since `load`). */
  async ensureKnown(address: string): Promise<void> {
    if (this.byAddress.has(address.toLowerCase()) || !this.db) return;
    const r = await this.db
      .selectFrom("custodial_keys")
      .select("label")
      .where("address", "=", address.toLowerCase())
      .executeTakeFirst();
    if (r) this.derive(r.label);
  }

  has(address: Address): boolean {
    return this.byAddress.has(address.toLowerCase());
  }

  labelOf(address: string): string | undefined {
    return this.byAddress.get(address.toLowerCase())?.label;
  }

  /** The signing key of a custodial address; throws when the keyring does not hold it. */
  signer(address: string): SigningKey {
    const e = this.byAddress.get(address.toLowerCase());
    if (!e) throw new Error(`the keyring holds no key for ${address}`);
    return e.key;
  }

  /** The uncompressed public key of a held key (after looking for a label another replica stored). */
  async publicKey(address: Address): Promise<Uint8Array | undefined> {
    await this.ensureKnown(address);
    const e = this.byAddress.get(address.toLowerCase());
    return e && getBytes(e.key.publicKey);
  }

  /** r ‖ s of ECDSA over `digest` (ethers signs with RFC 6979 and a canonical low s). */
  async signDigest(address: Address, digest: Uint8Array): Promise<Uint8Array> {
    await this.ensureKnown(address);
    const sig = this.signer(address).sign(hexlify(digest));
    return getBytes(`${sig.r}${sig.s.slice(2)}`);
  }

  addresses(): Address[] {
    return [...this.byAddress.keys()] as Address[];
  }

  private derive(label: string): Address {
    if (!this.allowed(label)) throw new Error(`this gateway holds no custodial key "${label}" (external key custody)`);
    const key = new SigningKey(derivePrivateKey(this.seed, label));
    const address = computeAddress(key.publicKey).toLowerCase() as Address;
    if (!this.byAddress.has(address)) this.byAddress.set(address, { label, key });
    return address;
  }
}
