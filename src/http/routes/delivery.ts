/**
 * /v1/pickups and /v1/backups: what the gateway keeps for holders' wallets and cannot read. A pickup
 * is an issued document sealed under the key in its link's fragment; a backup is a wallet's state
 * sealed under a key from its mnemonic. Public routes: the ciphertext is useless without the key, and
 * every write proves a key (the pickup's confirmation token, the backup's write token).
 */
import express, { type Router } from "express";
import { readBackup, writeBackup, type BackupDeps } from "../../domain/backup";
import { confirmPickup, fetchPickup, type PickupDeps } from "../../domain/pickup";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";

export function pickupDeps(deps: AppDeps): PickupDeps {
  return { clock: deps.clock, pickups: deps.pickups, retentionSeconds: deps.settings.pickupRetentionSeconds };
}

export function pickupRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();
  const pickups = pickupDeps(deps);

  defineRoute(r, env, {
    method: "get",
    path: "/v1/pickups/:pickupId",
    auth: "public",
    tag: "holder",
    summary: "A sealed document waiting for its holder's wallet",
    description: "Only the key in the pickup link's fragment opens it (src/domain/pickup.ts).",
    params: S.PickupParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The sealed document.", schema: S.SealedPickup },
      404: {
        description: "PICKUP_NOT_FOUND: no such pickup (or deleted after its retention).",
        schema: S.ErrorResponse,
      },
      410: { description: "PICKUP_ALREADY_PICKED_UP or PICKUP_EXPIRED.", schema: S.ErrorResponse },
    },
    handler: async ({ params }) => ({ body: await fetchPickup(pickups, params.pickupId) }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/pickups/:pickupId/confirm",
    auth: "public",
    tag: "holder",
    summary: "The wallet has the document: delete the pickup's ciphertext",
    description: "Idempotent: the same token again answers the same. Any other token is refused and changes nothing.",
    params: S.PickupParams,
    body: S.PickupConfirmBody,
    responses: {
      200: { description: "Picked up.", schema: S.PickupConfirmation },
      403: { description: "PICKUP_TOKEN_INVALID: not the link's key.", schema: S.ErrorResponse },
      404: { description: "PICKUP_NOT_FOUND.", schema: S.ErrorResponse },
      410: { description: "PICKUP_EXPIRED.", schema: S.ErrorResponse },
    },
    handler: async ({ params, body }) => ({
      body: await confirmPickup(pickups, { id: params.pickupId, token: body.token }),
    }),
  });
  return r;
}

export function backupRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();
  const backups: BackupDeps = {
    clock: deps.clock,
    backups: deps.backups,
    maxBytes: deps.settings.backupMaxBytes,
  };

  defineRoute(r, env, {
    method: "get",
    path: "/v1/backups/:backupId",
    auth: "public",
    tag: "holder",
    summary: "A wallet's encrypted backup",
    description: "The id and the key come from the wallet's mnemonic (src/domain/backup.ts); the blob is opaque here.",
    params: S.BackupParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The backup.", schema: S.Backup },
      404: { description: "BACKUP_NOT_FOUND: no backup under this id.", schema: S.ErrorResponse },
    },
    handler: async ({ params }) => ({ body: await readBackup(backups, params.backupId) }),
  });

  defineRoute(r, env, {
    method: "put",
    path: "/v1/backups/:backupId",
    auth: "public",
    tag: "holder",
    summary: "Write the next version of a wallet's encrypted backup",
    description:
      "Needs the write token whose sha256 is the id, and version = stored version + 1 (1 for a new backup). " +
      "The same write again answers 200 with the same version (a retry); another write of a version already stored is 409 with `details.current`.",
    params: S.BackupParams,
    body: S.BackupBody,
    responses: {
      201: { description: "Written.", schema: S.BackupWritten },
      200: { description: "A retry of the write already stored.", schema: S.BackupWritten },
      403: { description: "BACKUP_WRITE_FORBIDDEN: the token is not this backup's.", schema: S.ErrorResponse },
      409: { description: "BACKUP_VERSION_CONFLICT: not the next version.", schema: S.ErrorResponse },
      413: { description: "BACKUP_TOO_LARGE.", schema: S.ErrorResponse },
    },
    handler: async ({ params, body }) => {
      const out = await writeBackup(backups, { id: params.backupId, ...body });
      return {
        status: out.replayed ? 200 : 201,
        body: { id: out.id, version: out.version, updatedAt: out.updatedAt },
      };
    },
  });
  return r;
}
