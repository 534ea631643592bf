/**
 * The zod schemas of the REST interface: they validate every request (objects are strict: unknown
 * fields are refused) and generate the OpenAPI document. Types for handlers come from z.infer.
 */
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { STATUS_REASONS, VERDICT_REASONS } from "../domain/reasons";

extendZodWithOpenApi(z);

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

export const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .openapi("Address", { example: "0x5b38da6a701c568545dcfcb03fcb875f56beddc4" });
export const Bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
  .openapi("Bytes32", { example: `0x${"ab".repeat(32)}` });
export const Signature = z
  .string()
  .regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte 0x hex signature")
  .openapi("Signature");
export const Uint256 = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal uint256 string")
  .openapi("Uint256", { example: "1" });
export const UnixTime = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40 - 1)
  .openapi("UnixTime", { description: "Unix seconds (40-bit, as on chain)." });
export const TypeCode = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, "must be a catalog type code like resident-id-card")
  .openapi("TypeCode", { example: "resident-id-card" });
export const Name = z.string().trim().min(1).max(200);
const Hex32List = z.array(Bytes32).max(64);

// ---------------------------------------------------------------------------------------------
// Errors and common responses
// ---------------------------------------------------------------------------------------------

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "VALIDATION_FAILED" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export const Receipt = z.object({ txHash: Bytes32, blockNumber: z.number().int() });

export const CertificateDocument = z.record(z.string(), z.unknown()).openapi("CertificateDocument", {
  description: "A certledger certificate document (W3C VC 2.0 shape, every field a salted leaf), possibly redacted.",
});

// ---------------------------------------------------------------------------------------------
// Authority
// ---------------------------------------------------------------------------------------------

export const CertificateType = z
  .object({
    typeId: z.number().int(),
    code: TypeCode,
    name: z.string(),
    schemaHash: Bytes32,
    maxValiditySeconds: z.number().int(),
    active: z.boolean(),
  })
  .openapi("CertificateType");

/** A type's longest validity, seconds: a 40-bit duration, as the registry stores it. */
const MaxValiditySeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40 - 1);
export const RegisterTypeBody = z
  .strictObject({
    code: TypeCode,
    name: Name.optional(),
    maxValiditySeconds: MaxValiditySeconds.optional(),
  })
  .openapi("RegisterTypeBody");
export const UpdateTypeBody = z
  .strictObject({
    name: Name.optional(),
    maxValiditySeconds: MaxValiditySeconds.optional(),
    refreshSchema: z.boolean().optional().openapi({ description: "Put the catalog's current schema hash on chain." }),
  })
  .openapi("UpdateTypeBody");
export const TypeCodeParams = z.strictObject({ code: TypeCode });

export const RegisterAgencyBody = z
  .strictObject({
    name: Name,
    types: z.array(TypeCode).max(500).optional(),
    createApiKey: z.boolean().optional(),
  })
  .openapi("RegisterAgencyBody");
export const Agency = z
  .object({ agency: Address, name: z.string(), active: z.boolean(), types: z.array(TypeCode) })
  .openapi("Agency");
export const RegisterAgencyResponse = z
  .object({
    agency: Address,
    name: z.string(),
    signingKey: Address,
    types: z.array(TypeCode),
    apiKey: z.string().optional(),
  })
  .openapi("RegisterAgencyResponse");
export const AgencyParams = z.strictObject({ agency: Address });
export const AccreditBody = z.strictObject({ type: TypeCode }).openapi("AccreditBody");
export const AccreditationParams = z.strictObject({ agency: Address, code: TypeCode });
export const AddKeyBody = z
  .strictObject({
    validFrom: UnixTime.optional(),
    validUntil: UnixTime.optional(),
    key: Address.optional().openapi({
      description: "A key the agency holds itself (e.g. from `certledger keys new`); default: a new custodial key.",
    }),
  })
  .openapi("AddKeyBody");
export const KeyParams = z.strictObject({ agency: Address, key: Address });
export const RetireKeyBody = z.strictObject({ at: UnixTime.optional() }).openapi("RetireKeyBody");
export const SigningKey = z
  .object({ key: Address, agency: Address, validFrom: z.number().int(), validUntil: z.number().int() })
  .openapi("SigningKey");
export const RegisterVerifierBody = z
  .strictObject({ name: Name, createApiKey: z.boolean().optional() })
  .openapi("RegisterVerifierBody");
export const Verifier = z.object({ verifier: Address, name: z.string(), active: z.boolean() }).openapi("Verifier");
export const CreatePrincipalBody = z
  .strictObject({ role: z.enum(["authority", "agency", "verifier"]), address: Address, label: Name })
  .openapi("CreatePrincipalBody");
export const PrincipalOut = z
  .object({
    id: z.string(),
    role: z.enum(["authority", "agency", "verifier"]),
    address: Address,
    label: z.string(),
    createdAt: z.number().int(),
    disabled: z.boolean(),
  })
  .openapi("Principal");

// ---------------------------------------------------------------------------------------------
// Agency
// ---------------------------------------------------------------------------------------------

const Fields = z
  .record(z.string(), z.unknown())
  .openapi({ description: "The certificate's fields, per the type's JSON Schema." });

export const ClaimReference = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "an identity field's name: a letter, then letters, digits or _"),
    z.string().trim().min(1).max(200),
  )
  .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 8, "give 1 to 8 identity fields")
  .openapi("ClaimReference", {
    description:
      "What the agency knows of the citizen (e.g. idNumber, studentNumber). The claimant must give the same values; " +
      "they are compared case-blind after Unicode NFKC and kept only as a keyed hash.",
    example: { idNumber: "11010519491231002X", studentNumber: "2023001" },
  });
export const ClaimTarget = z.strictObject({ reference: ClaimReference }).openapi("ClaimTarget", {
  description:
    "Issue to a claim reference instead of a holder: the gateway keeps an unclaimed offer under a one-time claim code " +
    "(in this answer only) until the citizen's wallet claims it; nothing goes on chain before that.",
});
const oneTarget = (v: { holder?: string; claim?: unknown }, ctx: z.RefinementCtx) => {
  if ((v.holder === undefined) === (v.claim === undefined))
    ctx.addIssue({ code: "custom", path: ["holder"], message: "give either holder or claim, not both" });
};
const ItemShape = {
  holder: Address.optional().openapi({
    description: "The per-certificate holder key's address (from the wallet). Either this or claim.",
  }),
  claim: ClaimTarget.optional(),
  fields: Fields,
  validFrom: UnixTime.optional(),
  validUntil: UnixTime.optional(),
};
export const GuardianBody = z
  .strictObject({
    delegate: Address.openapi({
      description: "The guardian wallet's delegate address (its QR code or link shows it).",
    }),
    validUntil: UnixTime.openapi({
      description: "When the guardian's delegation ends (e.g. the minor's coming of age).",
    }),
    online: z.boolean().optional().openapi({
      description: "true: the guardian may share online too; false or absent: counter presentations only.",
    }),
    purpose: Bytes32.optional().openapi({ description: "keccak256 of the only purpose code; absent: any." }),
    verifier: Address.optional().openapi({ description: "The only verifier the guardian may grant to; absent: any." }),
  })
  .openapi("GuardianBody", {
    description:
      "A guardian delegate the issuing agency names for a minor's certificate: an ordinary delegation (the holder may " +
      "revoke it) signed with the agency's custodial key and relayed to delegateByIssuerSig right after the issue lands " +
      "(delegateInBatchByIssuerSig for a batch item, once the batch's root has landed). " +
      "Needs a holder (not a claim: 400 GUARDIAN_NEEDS_HOLDER) and custodial agency keys.",
  });
export const IssueItem = z
  .strictObject({
    ...ItemShape,
    guardian: GuardianBody.optional().openapi({
      description:
        "A batch item's guardian (POST /v1/agency/batches): relayed once the batch's root has landed; each item's " +
        "delegationId is in the batch's documents.",
    }),
  })
  .superRefine(oneTarget)
  .openapi("IssueItem");
export const DelegationMessage = z
  .strictObject({
    certId: Bytes32,
    delegate: Address.openapi({ description: "The delegate wallet's address (its QR code or link shows it)." }),
    purpose: Bytes32.openapi({
      description: "keccak256 of the only purpose code the delegate may grant for; zero: any.",
    }),
    verifier: Address.openapi({ description: "The only grantee the delegate may grant to; the zero address: any." }),
    online: z.boolean().openapi({
      description:
        "false: counter presentations only (grants of one use ending within an hour); true: online shares too.",
    }),
    validUntil: UnixTime,
    nonce: Uint256,
    deadline: UnixTime,
  })
  .openapi("DelegationMessage", {
    description:
      "The EIP-712 Delegation the holder signs with the certificate's key, or the issuing agency with its issuer key " +
      "for a guardian (src/document/typedData.ts).",
  });
export const IssueBody = z
  .strictObject({ type: TypeCode, ...ItemShape, guardian: GuardianBody.optional() })
  .superRefine(oneTarget)
  .openapi("IssueBody");
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 visible ASCII characters");
export const IdempotencyHeaders = z.object({
  "idempotency-key": IdempotencyKey.openapi({
    param: { description: "Same key and body = the same certificate, once. Required." },
  }),
});
export const WritePending = z
  .object({
    state: z.literal("pending"),
    writeId: z.string().openapi({ description: "Follow the write with GET /v1/public/writes/{writeId}." }),
    poll: z.string().openapi({ description: "The path to follow it (also in Location)." }),
    idempotencyKey: z.string().optional().openapi({
      description: "The request's Idempotency-Key: the same request under it answers the outcome once known.",
    }),
    message: z.string(),
  })
  .openapi("WritePending", {
    description:
      "The write is in the gateway's outbox but the chain node cannot be reached: it lands once the node is back. It has not failed; do not send it again without its Idempotency-Key.",
  });
export const WriteIdParams = z.strictObject({
  writeId: z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, "must be a writeId"),
});
export const WriteStatus = z
  .object({
    writeId: z.string(),
    action: z.string().openapi({ description: "The kind of chain write (issue, grant, check, changeStatus...)." }),
    state: z.enum(["pending", "sent", "done", "failed"]).openapi({
      description:
        "pending: waiting for the chain node; sent: its transaction is out, not yet confirmed; done: on chain; failed: the chain refused it (error says why).",
    }),
    txHash: Bytes32.optional(),
    blockNumber: z.number().int().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    acceptedAt: z.number().int().openapi({ description: "Unix ms." }),
    updatedAt: z.number().int().openapi({ description: "Unix ms." }),
  })
  .openapi("WriteStatus");
export const OptionalIdempotencyHeaders = z.object({
  "idempotency-key": IdempotencyKey.optional().openapi({
    param: {
      description:
        "Optional. Bound to this principal, route, path and body by its first use: the same request again gets the first answer " +
        "(Idempotent-Replayed: true); another request under the key is refused with 409 IDEMPOTENCY_KEY_REUSED and nothing is done.",
    },
  }),
});
export const PickupId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, "a pickup id: 22 base64url characters")
  .openapi({ description: "A pickup's id (128 random bits, base64url).", example: "q3Jf0nQmT1yPq7c4m8VwXA" });
export const PickupParams = z.strictObject({ pickupId: PickupId });
export const PickupTicket = z
  .object({
    id: PickupId,
    state: z.enum(["waiting", "picked_up", "expired"]),
    expiresAt: z.number().int().openapi({ description: "Unix seconds; the gateway deletes the pickup then." }),
    url: z.string().optional().openapi({
      description:
        "While waiting: <origin>/wallet?pickup=<id>#k=<key>. The key is only in the fragment, which browsers never send; it is derived from the calling API key and never stored.",
    }),
  })
  .openapi("PickupTicket");
export const SealedPickup = z
  .object({
    id: PickupId,
    sealed: z.string().openapi({ description: "base64url(iv ‖ AES-256-GCM ciphertext) of the document JSON." }),
    expiresAt: z.number().int(),
  })
  .openapi("SealedPickup");
export const PickupConfirmBody = z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, "43 base64url characters")
      .openapi({ description: "HMAC-SHA256(key, 'certledger pickup confirm v1'), base64url." }),
  })
  .openapi("PickupConfirmBody");
export const PickupConfirmation = z
  .object({ id: PickupId, state: z.literal("picked_up"), pickedUpAt: z.number().int() })
  .openapi("PickupConfirmation");
export const BatchPickupsQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const BatchPickups = z
  .object({
    batchId: z.string(),
    total: z.number().int(),
    offset: z.number().int(),
    items: z.array(z.object({ index: z.number().int(), certId: Bytes32, holder: Address, pickup: PickupTicket })),
  })
  .openapi("BatchPickups");

export const BackupId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "64 lowercase hex characters")
  .openapi({ description: "sha256 (hex) of the wallet's backup write token." });
export const BackupParams = z.strictObject({ backupId: BackupId });
export const BackupBody = z
  .strictObject({
    version: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31)
      .openapi({ description: "The stored version + 1 (1 for the first backup)." }),
    blob: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_-]+$/, "base64url")
      .openapi({ description: "base64url(iv ‖ AES-256-GCM ciphertext), sealed in the wallet." }),
    writeToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, "43 base64url characters")
      .openapi({ description: "The token whose sha256 is the backup id; derived from the mnemonic." }),
  })
  .openapi("BackupBody");
export const Backup = z
  .object({ id: BackupId, version: z.number().int(), blob: z.string(), updatedAt: z.number().int() })
  .openapi("Backup");
export const BackupWritten = z
  .object({ id: BackupId, version: z.number().int(), updatedAt: z.number().int() })
  .openapi("BackupWritten");

export const IssuedCertificate = z
  .object({
    certId: Bytes32,
    type: TypeCode,
    holder: Address,
    issuerKey: Address,
    validFrom: z.number().int(),
    validUntil: z.number().int(),
    txHash: Bytes32,
    blockNumber: z.number().int(),
    document: CertificateDocument,
    pickup: PickupTicket.openapi({
      description: "The document waiting, sealed, for the holder's wallet: show `url` as a QR code or send it.",
    }),
    guardian: z
      .object({ delegationId: Bytes32, txHash: Bytes32, blockNumber: z.number().int(), delegation: DelegationMessage })
      .optional()
      .openapi({ description: "The guardian's delegation the agency named (when the request had `guardian`)." }),
  })
  .openapi("IssuedCertificate");

export const ClaimOfferId = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{12}$/, "an offer id: the first 12 characters of a claim code")
  .openapi({ description: "An offer's id: the first three groups of its claim code.", example: "7K2M9Q4XH3VB" });
export const ClaimOffer = z
  .object({
    index: z.number().int().openapi({ description: "The item's position in the request." }),
    offerId: ClaimOfferId,
    state: z.enum(["open", "claimed", "locked", "expired"]),
    expiresAt: z.number().int().openapi({ description: "Unix seconds; then the offer's personal data is deleted." }),
    claimCode: z
      .string()
      .optional()
      .openapi({
        description:
          "The one-time claim code (7 groups of 4, Crockford base32; 80 secret bits). Only in the answer that made the offer: " +
          "it is stored as a keyed hash, and a replay of the request answers without it.",
        example: "7K2M-9Q4X-H3VB-R8TD-W6NE-P0CA-5YJF",
      }),
    claimLink: z.string().optional().openapi({
      description:
        "With claimCode: <origin>/wallet#claim=<code> for the letter's QR code (the code stays in the fragment).",
    }),
    certId: Bytes32.optional().openapi({ description: "Once claimed: the certificate issued." }),
    claimedAt: z.number().int().optional(),
  })
  .openapi("ClaimOffer");
export const ClaimOffers = z.object({ batchId: z.string(), items: z.array(ClaimOffer) }).openapi("ClaimOffers");
export const ClaimOffersQuery = z.strictObject({
  batch: z
    .string()
    .uuid()
    .openapi({ param: { description: "The batchId of the batch (or single issue) that made the offers." } }),
});
export const ClaimOfferIssued = z
  .object({ batchId: z.string().uuid(), type: TypeCode, offer: ClaimOffer })
  .openapi("ClaimOfferIssued");
export const ClaimParams = z.strictObject({ offerId: ClaimOfferId });
export const ClaimInfo = z
  .object({
    offerId: ClaimOfferId,
    type: TypeCode,
    agency: Address,
    referenceFields: z.array(z.string()).openapi({ description: "The identity fields the claimant must give." }),
    expiresAt: z.number().int(),
    state: z.enum(["open", "claimed", "locked", "expired"]),
  })
  .openapi("ClaimInfo");
export const ClaimBody = z
  .strictObject({
    code: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: "The claim code as printed (case, spaces and dashes ignored)." }),
    reference: ClaimReference,
    holder: Address.openapi({
      description: "A fresh holder key of the claiming wallet: the certificate is bound to it.",
    }),
  })
  .openapi("ClaimBody");

export const ClaimedCertificate = IssuedCertificate.omit({ pickup: true, document: true })
  .extend({
    offerId: ClaimOfferId,
    document: CertificateDocument.optional().openapi({
      description:
        "The certificate document: in the claiming answer only (the gateway keeps no copy; a replay omits it).",
    }),
  })
  .openapi("ClaimedCertificate");

export const BatchBody = z.strictObject({ type: TypeCode, items: z.array(IssueItem).min(1) }).openapi("BatchBody");
export const BatchPreviewBody = z
  .strictObject({
    type: TypeCode,
    fileName: z
      .string()
      .max(255)
      .optional()
      .openapi({ description: "The file's name: .xlsx selects the workbook reader." }),
    content: z
      .base64()
      .openapi({ description: "The file's bytes, base64: CSV (UTF-8, with or without BOM, or GB18030/GBK) or .xlsx." }),
    encoding: z
      .enum(["auto", "utf-8", "gb18030", "gbk", "gb2312"])
      .optional()
      .openapi({ description: "CSV only; auto: UTF-8 when valid, else GB18030." }),
    sheet: z
      .string()
      .max(100)
      .optional()
      .openapi({ description: "xlsx only: the sheet's name or 1-based number (default: the first)." }),
  })
  .openapi("BatchPreviewBody");
const RowProblem = z
  .object({ row: z.number().int(), column: z.string(), code: z.string(), message: z.string() })
  .openapi("RowProblem");
export const BatchPreview = z
  .object({
    type: TypeCode,
    format: z.enum(["csv", "xlsx"]),
    encoding: z.string().optional(),
    sheet: z.string().optional(),
    rows: z.number().int().openapi({ description: "Rows of certificates in the file, valid or not." }),
    items: z
      .array(IssueItem.extend({ row: z.number().int() }))
      .openapi({ description: "The valid rows as batch items (POST /v1/agency/batches takes them without `row`)." }),
    problems: z
      .array(RowProblem)
      .openapi({ description: "Every problem of every row: row (as in the file), column, code, message." }),
  })
  .openapi("BatchPreview");
export const BatchQuery = z.strictObject({
  wait: z
    .enum(["true", "false"])
    .optional()
    .openapi({ param: { description: "Answer when the batch is anchored." } }),
});
export const BatchParams = z.strictObject({ batchId: z.string().uuid() });
export const BatchDocumentsQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const BatchJob = z
  .object({
    batchId: z.string(),
    type: TypeCode,
    state: z.enum(["building", "anchoring", "done", "failed"]),
    total: z.number().int(),
    built: z.number().int(),
    root: Bytes32.optional(),
    txHash: Bytes32.optional(),
    blockNumber: z.number().int().optional(),
    createdAt: z.number().int(),
    finishedAt: z.number().int().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional().openapi({
      description:
        "Why a failed batch failed; on a done batch, GUARDIAN_NOT_RELAYED: anchored, but a guardian delegation its items named could not be stored.",
    }),
    claims: z
      .array(ClaimOffer)
      .optional()
      .openapi({
        description:
          "The offers made for the batch's claim items, with each claim code in this answer only. A batch of claim items alone " +
          "is done at once (nothing to anchor until citizens claim); read its offers with GET /v1/agency/claims?batch=<batchId>.",
      }),
  })
  .openapi("BatchJob");
export const BatchDocuments = z
  .object({
    batchId: z.string(),
    root: Bytes32,
    total: z.number().int(),
    offset: z.number().int(),
    items: z.array(
      z.object({
        certId: Bytes32,
        holder: Address,
        proof: z.array(Bytes32),
        document: CertificateDocument,
        guardian: z
          .object({ delegationId: Bytes32, delegation: DelegationMessage })
          .optional()
          .openapi({
            description:
              "The guardian's delegation the agency named for this item (when the item had `guardian`): relayed to " +
              "delegateInBatchByIssuerSig once the root landed; the batch is done once it has landed too.",
          }),
      }),
    ),
  })
  .openapi("BatchDocuments");

export const CertIdParams = z.strictObject({ certId: Bytes32 });
export const CertificateStatus = z.enum(["ACTIVE", "REVOKED", "SUSPENDED", "SUPERSEDED"]).openapi("CertificateStatus");

const reasonEnum = <A extends keyof typeof STATUS_REASONS>(a: A) =>
  z.enum(Object.keys(STATUS_REASONS[a]) as [string, ...string[]]);
const batchProof = Hex32List.optional().openapi({ description: "For a batched certificate, its Merkle proof." });
export const RevokeBody = z.strictObject({ reason: reasonEnum("revoke"), batchProof }).openapi("RevokeBody");
export const SuspendBody = z.strictObject({ reason: reasonEnum("suspend"), batchProof }).openapi("SuspendBody");
export const ReinstateBody = z.strictObject({ reason: reasonEnum("reinstate"), batchProof }).openapi("ReinstateBody");
export const SupersedeBody = z
  .strictObject({ reason: reasonEnum("supersede"), replacement: Bytes32, batchProof })
  .openapi("SupersedeBody");
export const StatusChangeResponse = z
  .object({
    certId: Bytes32,
    status: CertificateStatus,
    reason: z.string(),
    txHash: Bytes32,
    blockNumber: z.number().int(),
  })
  .openapi("StatusChange");

export const ListCertificatesQuery = z.strictObject({
  type: TypeCode.optional(),
  status: CertificateStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export const CertificateRecord = z
  .object({
    certId: Bytes32,
    type: TypeCode.optional(),
    typeId: z.number().int(),
    issuerKey: Address,
    agency: Address,
    issuedAt: z.number().int(),
    validFrom: z.number().int(),
    validUntil: z.number().int(),
    status: CertificateStatus,
    batchRoot: Bytes32.optional(),
    supersededBy: Bytes32.optional(),
  })
  .openapi("CertificateRecord");
export const CertificateList = z
  .object({ items: z.array(CertificateRecord), next: z.string().optional() })
  .openapi("CertificateList");

// ---------------------------------------------------------------------------------------------
// Holder
// ---------------------------------------------------------------------------------------------

export const GrantMessage = z
  .strictObject({
    certId: Bytes32,
    grantee: Address,
    purpose: Bytes32.openapi({ description: "keccak256 of the purpose code." }),
    validUntil: UnixTime,
    maxUses: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32 - 1),
    nonce: Uint256,
    deadline: UnixTime,
  })
  .openapi("GrantMessage", { description: "The EIP-712 Grant the holder signs (src/document/typedData.ts)." });
const BatchMembership = z
  .strictObject({ root: Bytes32, validFrom: UnixTime, validUntil: UnixTime, proof: Hex32List })
  .openapi("BatchMembership");
export const RelayGrantBody = z
  .strictObject({ grant: GrantMessage, signature: Signature, documentRoot: Bytes32, batch: BatchMembership.optional() })
  .openapi("RelayGrantBody");
export const Grant = z
  .object({
    grantId: Bytes32,
    certId: Bytes32,
    grantee: Address,
    purpose: Bytes32,
    validUntil: z.number().int(),
    maxUses: z.number().int(),
    uses: z.number().int(),
    revoked: z.boolean(),
    createdAt: z.number().int(),
    delegationId: Bytes32.optional().openapi({
      description: "Present when a delegate made the grant: the holder's delegation it was made under.",
    }),
  })
  .openapi("Grant");
export const RelayGrantResponse = z
  .object({ grantId: Bytes32, txHash: Bytes32, blockNumber: z.number().int(), grant: Grant.optional() })
  .openapi("RelayGrantResponse");
export const GrantIdParams = z.strictObject({ grantId: Bytes32 });
export const RevokeGrantBody = z
  .strictObject({ nonce: Uint256, deadline: UnixTime, signature: Signature, documentRoot: Bytes32 })
  .openapi("RevokeGrantBody", {
    description: "EIP-712 RevokeGrant(grantId, nonce, deadline) signed by the holder key.",
  });
export const RelayDelegationBody = z
  .strictObject({
    delegation: DelegationMessage,
    signature: Signature,
    documentRoot: Bytes32,
    batch: BatchMembership.optional(),
  })
  .openapi("RelayDelegationBody");
export const Delegation = z
  .object({
    delegationId: Bytes32,
    certId: Bytes32,
    delegate: Address,
    validUntil: z.number().int(),
    online: z.boolean(),
    revoked: z.boolean(),
  })
  .openapi("Delegation", { description: "The delegation as the ConsentRegistry holds it." });
export const RelayDelegationResponse = z
  .object({ delegationId: Bytes32, txHash: Bytes32, blockNumber: z.number().int(), delegation: Delegation.optional() })
  .openapi("RelayDelegationResponse");
export const DelegationIdParams = z.strictObject({ delegationId: Bytes32 });
export const RevokeDelegationBody = z
  .strictObject({ nonce: Uint256, deadline: UnixTime, signature: Signature, documentRoot: Bytes32 })
  .openapi("RevokeDelegationBody", {
    description: "EIP-712 RevokeDelegation(delegationId, nonce, deadline) signed by the holder key.",
  });
export const RevokeDelegationResponse = z
  .object({ delegationId: Bytes32, txHash: Bytes32, blockNumber: z.number().int() })
  .openapi("RevokeDelegationResponse");
export const RelayDelegateGrantBody = z
  .strictObject({
    grant: GrantMessage,
    delegation: DelegationMessage.openapi({
      description: "The delegation's terms, exactly as the holder signed them.",
    }),
    signature: Signature.openapi({ description: "The delegate key's EIP-712 signature of the Grant." }),
  })
  .openapi("RelayDelegateGrantBody");
export const RelayDelegateGrantResponse = z
  .object({
    grantId: Bytes32,
    delegationId: Bytes32,
    txHash: Bytes32,
    blockNumber: z.number().int(),
    grant: Grant.optional(),
  })
  .openapi("RelayDelegateGrantResponse");
export const HolderAuthHeaders = z.object({
  "x-holder-document-root": Bytes32.openapi({ param: { description: "The certificate's documentRoot." } }),
  "x-holder-timestamp": z
    .string()
    .regex(/^\d{1,12}$/)
    .openapi({ param: { description: "Unix seconds; within ±5 minutes of the server." } }),
  "x-holder-nonce": z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/)
    .openapi({ param: { description: "One-time value, 8-64 of [A-Za-z0-9_-]." } }),
  "x-holder-signature": Signature.openapi({
    param: { description: "EIP-191 signature of holderAuthMessage() (src/domain/holderAuth.ts) by the holder key." },
  }),
});
export const Check = z
  .object({
    grantId: Bytes32,
    certId: Bytes32,
    verifier: Address,
    purpose: Bytes32,
    at: z.number().int(),
    txHash: Bytes32.optional(),
  })
  .openapi("Check");
export const StatusHistoryEntry = z
  .object({ status: CertificateStatus, reason: z.string(), at: z.number().int(), supersededBy: Bytes32.optional() })
  .openapi("StatusHistoryEntry");
const ByDelegate = {
  byDelegate: z.boolean().openapi({ description: "true: made under a delegation, by the delegate's key." }),
  delegate: Address.optional().openapi({ description: "The delegate's address (when byDelegate)." }),
};
export const AuditGrant = Grant.extend(ByDelegate).openapi("AuditGrant");
export const AuditCheck = Check.extend({
  ...ByDelegate,
  delegationId: Bytes32.optional().openapi({
    description: "The delegation of the delegate's grant (when byDelegate).",
  }),
}).openapi("AuditCheck");
export const AuditDelegation = z
  .object({
    delegationId: Bytes32,
    certId: Bytes32,
    delegate: Address,
    purpose: Bytes32.openapi({ description: "keccak256 of the only purpose code allowed; zero: any." }),
    verifier: Address.openapi({ description: "The only verifier the delegate may grant to; the zero address: any." }),
    online: z.boolean().openapi({ description: "true: online shares too; false: counter presentations only." }),
    validUntil: z.number().int(),
    revoked: z.boolean(),
    revokedAt: z.number().int().optional().openapi({ description: "When the holder revoked it (block time)." }),
    createdAt: z.number().int(),
    txHash: Bytes32.optional(),
    state: z.enum(["ACTIVE", "REVOKED", "EXPIRED"]),
    namedBy: z
      .object({
        agency: Address.openapi({ description: "The issuing agency." }),
        keyId: z.number().int().openapi({ description: "The agency's signing key that named the delegate." }),
      })
      .optional()
      .openapi({
        description:
          "Present when the issuing agency named this delegate at issuance (a minor's guardian, DelegationNamedByIssuer); absent for a delegation the holder signed.",
      }),
  })
  .openapi("AuditDelegation");
export const AuditTrail = z
  .object({
    certId: Bytes32,
    checks: z.array(AuditCheck),
    grants: z.array(AuditGrant),
    delegations: z.array(AuditDelegation),
    history: z.array(StatusHistoryEntry),
  })
  .openapi("AuditTrail");

// ---------------------------------------------------------------------------------------------
// Verifier and public
// ---------------------------------------------------------------------------------------------

export const SignedGrant = z.strictObject({ grant: GrantMessage, signature: Signature }).openapi("SignedGrant");
export const VerifyBody = z
  .strictObject({
    document: CertificateDocument,
    grantId: Bytes32.optional(),
    grant: SignedGrant.optional().openapi({ description: "A grant not yet on chain: relayed first." }),
    expectedType: TypeCode.optional(),
  })
  .openapi("VerifyBody", { description: "Exactly one of grantId or grant." });
export const PublicVerifyBody = z
  .strictObject({ document: CertificateDocument, expectedType: TypeCode.optional() })
  .openapi("PublicVerifyBody");
export const VerdictReason = z.enum(VERDICT_REASONS).openapi("VerdictReason");
export const IndexFreshness = z
  .object({
    block: z.number().int().openapi({ description: "The last chain block the index has applied." }),
    syncedAt: z.number().int().openapi({
      description: "Unix seconds when the index last matched the chain's head (confirmations aside).",
    }),
    ageSeconds: z.number().int().openapi({
      description:
        "Seconds since then: about 0 while the chain node answers; it grows while the node cannot be reached and the answer comes from the index alone.",
    }),
  })
  .openapi("IndexFreshness", { description: "How old the gateway's view of the chain is." });
export const PresentedBy = z
  .object({
    delegate: Address.openapi({ description: "The delegate's wallet address, which signed the grant." }),
    delegationId: Bytes32.openapi({ description: "The holder's delegation the delegate acted under." }),
  })
  .openapi("PresentedBy", {
    description:
      "Present when the grant was made by a delegate (a family member, a company's clerk) for the certificate's holder, under the holder's delegation on chain.",
  });
export const VerifyResult = z
  .object({
    verdict: z.enum(["VALID", "INVALID"]),
    reasons: z.array(VerdictReason),
    messages: z.array(z.string()),
    checkedAt: z.number().int(),
    certId: Bytes32.optional(),
    type: z.object({ code: TypeCode, name: z.string() }).optional(),
    issuer: z
      .object({
        agency: Address,
        key: Address,
        name: z.string().optional().openapi({ description: "The issuing agency's registered name." }),
      })
      .optional(),
    status: CertificateStatus.optional(),
    supersededBy: Bytes32.optional(),
    validFrom: z.number().int().optional(),
    validUntil: z.number().int().optional(),
    batchRoot: Bytes32.optional(),
    disclosed: z.record(z.string(), z.unknown()),
    redacted: z.array(z.string()),
    grant: z
      .object({
        grantId: Bytes32,
        grantee: Address,
        purpose: Bytes32,
        validUntil: z.number().int(),
        maxUses: z.number().int(),
        uses: z.number().int(),
        revoked: z.boolean(),
      })
      .optional(),
    presentedBy: PresentedBy.optional(),
    index: IndexFreshness.optional(),
  })
  .openapi("VerifyResult");
export const RecordCheckResult = VerifyResult.extend({
  check: z.object({
    grantId: Bytes32,
    verifier: Address,
    txHash: Bytes32,
    blockNumber: z.number().int(),
    usesLeft: z.number().int(),
  }),
}).openapi("RecordCheckResult");
export const PublicStatus = z
  .object({
    certId: Bytes32,
    status: CertificateStatus,
    type: TypeCode.optional(),
    agency: Address,
    agencyName: z.string().optional().openapi({ description: "The issuing agency's registered name." }),
    issuedAt: z.number().int(),
    validFrom: z.number().int(),
    validUntil: z.number().int(),
    batched: z.boolean(),
    supersededBy: Bytes32.optional(),
    history: z.array(StatusHistoryEntry),
  })
  .openapi("PublicStatus");
export const PublicType = z
  .object({
    code: TypeCode,
    name: z.string(),
    nameZh: z.string().optional(),
    typeId: z.number().int().optional(),
    active: z.boolean(),
    maxValiditySeconds: z.number().int(),
    schemaHash: Bytes32.optional(),
    schema: z.record(z.string(), z.unknown()),
  })
  .openapi("PublicType");
export const ChainInfo = z
  .object({
    chainId: z.number().int(),
    contracts: z.object({ registry: Address, ledger: Address, consent: Address }),
    eip712Domain: z.object({
      name: z.string(),
      version: z.string(),
      chainId: z.number().int(),
      verifyingContract: Address,
    }),
    ledgerEip712Domain: z
      .object({ name: z.string(), version: z.string(), chainId: z.number().int(), verifyingContract: Address })
      .openapi({
        description: "The domain agencies sign the ledger's Issue, IssueMany, AnchorBatch and StatusChange for.",
      }),
    keyCustody: z.enum(["custodial", "external"]).openapi({
      description:
        "custodial: the gateway signs for agencies with keys it holds; external: it holds none, agencies send signed writes.",
    }),
    statusReasons: z.record(z.string(), z.array(z.string())),
  })
  .openapi("ChainInfo");
export const EmptyQuery = z.strictObject({});

// ---------------------------------------------------------------------------------------------
// Signed writes (the agency signs the ledger's EIP-712 message; the gateway checks and relays)
// ---------------------------------------------------------------------------------------------

const Deadline = UnixTime.openapi({ description: "The message's deadline (unix seconds) the signature covers." });
const SignedDocuments = z.array(CertificateDocument).min(1);

export const SignedGuardian = z
  .strictObject({
    delegation: DelegationMessage.openapi({
      description: "The guardian's Delegation: certId the document's, delegate the guardian wallet's delegate address.",
    }),
    signature: Signature.openapi({
      description:
        "The EIP-712 signature over `delegation` (the ConsentRegistry's domain) by the document's issuer key.",
    }),
  })
  .openapi("SignedGuardian", {
    description:
      "A guardian delegate the agency names for a minor's certificate, signed with the same key as the document " +
      "(the document library's signGuardianDelegation). Checked before anything is issued; relayed to delegateByIssuerSig once the issue lands.",
  });
export const SignedIssueBody = z
  .strictObject({
    document: CertificateDocument,
    deadline: Deadline,
    signature: Signature,
    guardian: SignedGuardian.optional(),
  })
  .openapi("SignedIssueBody", {
    description:
      "A complete document the agency built, and its signature over Issue(certId, typeId, validFrom, validUntil, deadline) by the document's issuer key; " +
      "optionally the guardian's Delegation signed by the same key.",
  });
export const SignedIssueManyBody = z
  .strictObject({ documents: SignedDocuments, deadline: Deadline, signature: Signature })
  .openapi("SignedIssueManyBody", {
    description:
      "Complete single documents of one type and issuer key, and one IssueMany(requests, deadline) signature over their requests in this order.",
  });
export const SignedBatchBody = z
  .strictObject({ root: Bytes32, documents: SignedDocuments, deadline: Deadline, signature: Signature })
  .openapi("SignedBatchBody", {
    description:
      "Every document of a Merkle batch (each with its proof to root), and the AnchorBatch(root, typeId, count, deadline) signature.",
  });
export const SignedCertificate = z
  .object({
    certId: Bytes32,
    type: TypeCode,
    issuerKey: Address,
    validFrom: UnixTime,
    validUntil: UnixTime,
  })
  .openapi("SignedCertificate");
export const SignedIssueResponse = SignedCertificate.extend(Receipt.shape)
  .extend({
    guardian: z
      .object({ delegationId: Bytes32, txHash: Bytes32, blockNumber: z.number().int(), delegation: DelegationMessage })
      .optional()
      .openapi({ description: "The guardian's delegation as relayed (when the request had `guardian`)." }),
  })
  .openapi("SignedIssueResponse");
export const SignedIssueManyResponse = z
  .object({ certificates: z.array(SignedCertificate), txHash: Bytes32, blockNumber: z.number().int() })
  .openapi("SignedIssueManyResponse");
export const SignedBatchResponse = z
  .object({
    root: Bytes32,
    count: z.number().int(),
    type: TypeCode,
    issuerKey: Address,
    txHash: Bytes32,
    blockNumber: z.number().int(),
  })
  .openapi("SignedBatchResponse");
export const StatusNonce = z
  .object({ certId: Bytes32, batchRoot: Bytes32, status: CertificateStatus, nonce: z.number().int() })
  .openapi("StatusNonce", {
    description: "What a StatusChange for this certificate carries: its batchRoot and nonce.",
  });
const signedStatus = {
  signer: Address.openapi({ description: "The agency key that signed (any current key of the issuing agency)." }),
  nonce: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  deadline: Deadline,
  signature: Signature,
};
export const SignedRevokeBody = RevokeBody.extend(signedStatus).openapi("SignedRevokeBody");
export const SignedSuspendBody = SuspendBody.extend(signedStatus).openapi("SignedSuspendBody");
export const SignedReinstateBody = ReinstateBody.extend(signedStatus).openapi("SignedReinstateBody");
export const SignedSupersedeBody = SupersedeBody.extend(signedStatus).openapi("SignedSupersedeBody");

export const AuthorityTransactionBody = z
  .strictObject({
    rawTransaction: z
      .string()
      .regex(/^0x([0-9a-fA-F]{2}){1,131072}$/, "must be a 0x hex signed transaction")
      .openapi({ description: "A transaction to the AuthorityRegistry, signed by the authority's own key." }),
    agency: z.strictObject({ address: Address, name: Name }).optional().openapi({
      description:
        "With registerAgency: the agency's name (its keccak256 is the nameHash) and the address it is known by here.",
    }),
  })
  .openapi("AuthorityTransactionBody");
export const AuthorityTransactionResponse = Receipt.extend({ from: Address, function: z.string() }).openapi(
  "AuthorityTransactionResponse",
);
export const AuthorityTransactionParametersQuery = z
  .strictObject({ agency: Address.optional(), key: Address.optional() })
  .openapi("AuthorityTransactionParametersQuery");
export const AuthorityTransactionParameters = z
  .object({
    chainId: z.number().int(),
    registry: Address,
    nonce: z.number().int().openapi({ description: "The authority account's next nonce." }),
    maxFeePerGas: Uint256,
    maxPriorityFeePerGas: Uint256,
    agencyId: z.number().int().optional().openapi({ description: "The registry's number of `agency`." }),
    keyId: z.number().int().optional().openapi({ description: "The registry's number of `key`." }),
  })
  .openapi("AuthorityTransactionParameters");

// The embedded chain's read-only JSON-RPC (POST /rpc): documented here, checked by the endpoint itself
// (a JSON-RPC client expects JSON-RPC errors, never the REST error shape).
// ---------------------------------------------------------------------------------------------

const JsonRpcId = z.union([z.string(), z.number(), z.null()]);
export const JsonRpcRequest = z
  .object({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId.optional().openapi({ description: "Echoed in the response; a request without id gets none." }),
    method: z.string().openapi({ example: "eth_blockNumber" }),
    params: z.array(z.unknown()).optional(),
  })
  .openapi("JsonRpcRequest");
export const JsonRpcResponse = z
  .object({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId,
    result: z.unknown().optional(),
    error: z
      .object({
        code: z
          .number()
          .int()
          .openapi({
            description:
              "-32700 parse error, -32600 invalid request, -32601 unknown method, -32602 invalid params, " +
              "-32004 method not allowed (sends, signs, mines or controls the node), -32005 limit exceeded " +
              "(batch length, eth_getLogs block range), -32000 block not found, 3 execution reverted.",
          }),
        message: z.string(),
        data: z.unknown().optional().openapi({
          description:
            "Revert data (hex) for code 3; otherwise {reason} with a stable RPC_* code and the limit, if any.",
        }),
      })
      .optional(),
  })
  .openapi("JsonRpcResponse");

// ---------------------------------------------------------------------------------------------
// SD-JWT VC export (src/domain/sdJwtExport.ts)
// ---------------------------------------------------------------------------------------------

const B64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url without padding");
export const Secp256k1Jwk = z
  .object({
    kty: z.literal("EC"),
    crv: z.literal("secp256k1"),
    x: B64url.length(43),
    y: B64url.length(43),
  })
  .openapi("Secp256k1Jwk", {
    description: "A secp256k1 public key as a JWK (RFC 7517; curve name per RFC 8812). Other members are ignored.",
    example: {
      kty: "EC",
      crv: "secp256k1",
      x: "KgZ0gk-B-agexcXcLg5WaqgKvPnIYnx9stfbuZuRkF8",
      y: "Ls25_3edK6xDxqgnNet9pWycyShFrWxGx8eYuZmblgA",
    },
  });
export const SdJwtExportBody = z
  .strictObject({
    document: CertificateDocument.openapi({ description: "The certificate's whole (unredacted) document." }),
    holderKey: Secp256k1Jwk.openapi({
      description:
        "The certificate's holder key (its address is the document's credentialSubject.id); bound as cnf.jwk.",
    }),
  })
  .openapi("SdJwtExportBody");
export const SdJwtSigningInputBody = SdJwtExportBody.extend({
  issuerKey: Secp256k1Jwk.openapi({ description: "The agency's current signing key that will sign (its public key)." }),
}).openapi("SdJwtSigningInputBody");
export const SdJwtExport = z
  .object({
    sdJwt: z.string().openapi({
      description: "The SD-JWT VC, compact: <issuer-signed JWT>~<disclosure>~…~ (typ dc+sd-jwt, alg ES256K).",
    }),
    certId: Bytes32,
    issuer: z.string().openapi({ description: "The JWT's iss: <gateway>/issuers/<agency address>." }),
    issuerMetadata: z.string().openapi({ description: "The issuer's JWT VC Issuer Metadata URL (its jwks)." }),
    signingKey: Address.openapi({ description: "The agency signing key that signed." }),
    kid: z.string().openapi({ description: "The JWT header's kid: the RFC 7638 thumbprint of the signing key." }),
  })
  .openapi("SdJwtExport");
export const SdJwtSigningInput = z
  .object({
    signingInput: z.string().openapi({
      description:
        "base64url(header).base64url(payload): sign ES256K, i.e. ECDSA secp256k1 over SHA-256 of its ASCII bytes.",
    }),
    digest: Bytes32.openapi({ description: "SHA-256 of signingInput (what a raw-digest signer signs)." }),
    disclosures: z.array(z.string()),
    header: z.record(z.string(), z.unknown()),
    payload: z.record(z.string(), z.unknown()),
    signingKey: Address,
    kid: z.string(),
  })
  .openapi("SdJwtSigningInput");
export const SignedSdJwtBody = z
  .strictObject({
    signingInput: z.string().min(3).max(1_500_000),
    disclosures: z.array(B64url.max(1_500_000)).max(20_000),
    signature: B64url.length(86).openapi({ description: "base64url of r ‖ s (64 bytes), the JWS ES256K signature." }),
  })
  .openapi("SignedSdJwtBody");
export const AgencyAddressParams = z.strictObject({ agency: Address });
export const JwtVcIssuerMetadata = z
  .object({
    issuer: z.string(),
    jwks: z.object({
      keys: z.array(Secp256k1Jwk.extend({ kid: z.string(), alg: z.literal("ES256K"), use: z.literal("sig") })),
    }),
  })
  .openapi("JwtVcIssuerMetadata");
// ---- Bitstring Status Lists (src/domain/statusLists.ts)
export const StatusPurpose = z
  .enum(["revocation", "suspension"])
  .openapi("StatusPurpose", { description: "revocation: revoked or superseded (final); suspension: suspended." });
export const StatusListParams = z.strictObject({ agency: Address, purpose: StatusPurpose });
export const StatusListHeaders = z.object({
  "if-none-match": z
    .string()
    .max(512)
    .optional()
    .openapi({ description: "The ETag of the list held: 304 when it is still the list published." }),
});
export const BitstringStatusListCredential = z
  .object({
    "@context": z.array(z.string()),
    id: z.string().openapi({ description: "The URL the list is published at." }),
    type: z.array(z.string()),
    issuer: z.string().openapi({ description: "did:pkh of the agency's signing key." }),
    validFrom: z.string(),
    validUntil: z
      .string()
      .optional()
      .openapi({ description: "An hour after validFrom: a verifier holding the list later calls it stale." }),
    credentialSubject: z.object({
      id: z.string(),
      type: z.literal("BitstringStatusList"),
      statusPurpose: StatusPurpose,
      encodedList: z.string().openapi({
        description:
          "Multibase base64url (prefix u, no padding) of the GZIP-compressed bitstring; index 0 is the left-most bit.",
      }),
    }),
  })
  .openapi("BitstringStatusListCredential");
export const StatusListJwt = z.string().openapi("StatusListJwt", {
  description:
    "application/vc+jwt (VC-JOSE-COSE): the BitstringStatusListCredential as the JWT payload, header " +
    "{alg: ES256K, typ: vc+jwt, cty: vc, kid: did:pkh:eip155:<chainId>:<agency key>#blockchainAccountId, jwk: the key}.",
});
export const BitstringStatusListEntry = z
  .object({
    id: z.string(),
    type: z.literal("BitstringStatusListEntry"),
    statusPurpose: StatusPurpose,
    statusListIndex: z.string().openapi({ description: "The certificate's index in the list (decimal)." }),
    statusListCredential: z.string().openapi({ description: "The list's URL." }),
  })
  .openapi("BitstringStatusListEntry");
export const StatusEntries = z
  .object({
    certId: Bytes32,
    entries: z.array(BitstringStatusListEntry),
    proof: z
      .string()
      .optional()
      .openapi({
        description:
          "The agency's signature over the entries and the certId (a detached JWS), for the document's proof.statusEntryProof; " +
          "absent under external custody or before the certificate is on the ledger.",
      }),
  })
  .openapi("StatusEntries");
export const StatusListCheckBody = z
  .strictObject({
    certId: Bytes32,
    lists: z
      .array(z.union([z.string().max(1_000_000), BitstringStatusListCredential]))
      .min(1)
      .max(2)
      .openapi({ description: "The downloaded lists: each a vc+jwt or the credential JSON." }),
  })
  .openapi("StatusListCheckBody");
export const StatusListCheckResult = z
  .object({
    certId: Bytes32,
    status: CertificateStatus,
    agrees: z.boolean().openapi({ description: "Every list given says what the chain says." }),
    checks: z.array(
      z.object({
        purpose: StatusPurpose,
        index: z.number().int(),
        listUrl: z.string(),
        listSays: z.boolean(),
        chainSays: z.boolean(),
        agrees: z.boolean(),
        signedBy: Address.nullable().openapi({ description: "The agency key that signed the list; null: unsigned." }),
      }),
    ),
  })
  .openapi("StatusListCheckResult");
