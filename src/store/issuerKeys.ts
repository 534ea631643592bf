/** The IssuerKeyStore port on SQLite and PostgreSQL (table issuer_keys). */
import type { Kysely } from "kysely";
import type { Address, IssuerJwk, IssuerKeyStore } from "../domain/ports";
import type { Database } from "./schema";

export class SqlIssuerKeyStore implements IssuerKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(agency: Address, address: Address, jwk: IssuerJwk): Promise<void> {
    await this.db
      .insertInto("issuer_keys")
      .values({
        address: address.toLowerCase(),
        agency: agency.toLowerCase(),
        jwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
        recorded_ms: Date.now(),
      })
      .onConflict((oc) => oc.column("address").doNothing())
      .execute();
  }

  async byAgency(agency: Address): Promise<{ address: Address; jwk: IssuerJwk }[]> {
    const rows = await this.db
      .selectFrom("issuer_keys")
      .select(["address", "jwk"])
      .where("agency", "=", agency.toLowerCase())
      .orderBy("address")
      .execute();
    return rows.map((r) => ({ address: r.address as Address, jwk: JSON.parse(r.jwk) as IssuerJwk }));
  }
}
