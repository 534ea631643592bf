/**
 * The pickup use cases over the real SQL store and a clock the test moves: the key comes from the
 * issuing API key and nowhere else, a pickup lives until its retention ends, and what is stored opens
 * with no other key.
 */
import { expect } from "chai";
import { DomainError } from "../../src/domain/errors";
import {
  agencyPickup,
  confirmPickup,
  createPickup,
  derivePickupKey,
  fetchPickup,
  openPickup,
  parsePickupLink,
  pickupConfirmToken,
  pickupLink,
  type PickupDeps,
} from "../../src/domain/pickup";
import type { Address, Bytes32 } from "../../src/domain/ports";
import { SqlPickupStore } from "../../src/store/holderStores";
import { openStore, type Store } from "../../src/store/open";

const AGENCY = `0x${"a1".repeat(20)}` as Address;
const CERT = `0x${"c3".repeat(32)}` as Bytes32;
const KEY = "clg_theIssuingAgencyKey000000000000000000001";
const OTHER_KEY = "clg_anotherKeyOfTheSameAgency0000000000002";

async function codeOf(p: Promise<unknown>): Promise<[number, string] | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return [e.status, e.code];
  }
}

describe("pickup use cases", () => {
  let store: Store;
  let deps: PickupDeps;
  let now: number;
  beforeEach(async () => {
    store = await openStore({ url: "sqlite::memory:" });
    now = 1_800_000_000;
    deps = { clock: { now: () => now }, pickups: new SqlPickupStore(store.db), retentionSeconds: 3600 };
  });
  afterEach(() => store.close());

  const document = { credentialSubject: { name: "王小明", idNumber: "440307198505193872" } };

  it("seals the document under the key derived from the issuing API key, and nothing stored opens it otherwise", async () => {
    const t = await createPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT, document });
    expect(t.state).to.equal("waiting");
    expect(t.key).to.deep.equal(derivePickupKey(KEY, t.id));
    const { sealed } = await fetchPickup(deps, t.id);
    expect(JSON.parse(await openPickup(t.key!, t.id, sealed))).to.deep.equal(document);
    const row = await store.db.selectFrom("pickups").selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).to.not.contain("王小明").and.not.contain("440307198505193872");
    const opened = await openPickup(derivePickupKey(OTHER_KEY, t.id), t.id, sealed).then(
      () => true,
      () => false,
    );
    expect(opened, "another API key's derivation opens nothing").to.equal(false);
  });

  it("gives the same link again to the issuing key only, and the link round-trips", async () => {
    const t = await createPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT, document });
    const again = await createPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT, document: { other: 1 } });
    expect(again).to.deep.equal(t);
    expect(await agencyPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT })).to.deep.equal(t);
    expect(await codeOf(agencyPickup(deps, { agency: AGENCY, apiKey: OTHER_KEY, certId: CERT }))).to.deep.equal([
      409,
      "PICKUP_OTHER_API_KEY",
    ]);
    const otherAgency = `0x${"b2".repeat(20)}` as Address;
    expect(await codeOf(agencyPickup(deps, { agency: otherAgency, apiKey: KEY, certId: CERT }))).to.deep.equal([
      404,
      "PICKUP_NOT_FOUND",
    ]);
    const link = parsePickupLink(pickupLink("https://gw.example", t.id, t.key!));
    expect(link?.id).to.equal(t.id);
    expect(link?.key).to.deep.equal(t.key);
    expect(parsePickupLink(`https://gw.example/wallet?pickup=${t.id}`)).to.equal(undefined);
    expect(parsePickupLink(`https://gw.example/wallet?r=${t.id}#k=abc`)).to.equal(undefined);
  });

  it("expires at the end of its retention, refusing pickup and confirmation, and is purged then", async () => {
    const t = await createPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT, document });
    now += 3599;
    await fetchPickup(deps, t.id);
    now += 1;
    expect(await codeOf(fetchPickup(deps, t.id))).to.deep.equal([410, "PICKUP_EXPIRED"]);
    expect(await codeOf(confirmPickup(deps, { id: t.id, token: pickupConfirmToken(t.key!) }))).to.deep.equal([
      410,
      "PICKUP_EXPIRED",
    ]);
    expect(await codeOf(agencyPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT }))).to.deep.equal([
      410,
      "PICKUP_EXPIRED",
    ]);
    expect(await deps.pickups.purge(now)).to.equal(1);
    expect(await codeOf(fetchPickup(deps, t.id))).to.deep.equal([404, "PICKUP_NOT_FOUND"]);
  });

  it("counts one confirmation of two racing ones and refuses any other token", async () => {
    const t = await createPickup(deps, { agency: AGENCY, apiKey: KEY, certId: CERT, document });
    const token = pickupConfirmToken(t.key!);
    expect(
      await codeOf(confirmPickup(deps, { id: t.id, token: pickupConfirmToken(derivePickupKey(OTHER_KEY, t.id)) })),
    ).to.deep.equal([403, "PICKUP_TOKEN_INVALID"]);
    const [a, b] = await Promise.all([
      confirmPickup(deps, { id: t.id, token }),
      confirmPickup(deps, { id: t.id, token }),
    ]);
    expect(a).to.deep.equal(b);
    expect(await codeOf(fetchPickup(deps, t.id))).to.deep.equal([410, "PICKUP_ALREADY_PICKED_UP"]);
  });
});
