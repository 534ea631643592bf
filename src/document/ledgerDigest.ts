/**
 * EIP-712 digests of the ledger's signed writes (typedData.ts holds their definitions): what an agency
 * key signs, so that the gateway can recover the signer before it relays (`recoverDigestSigner`) and
 * tests can compare with the contract. Each function checks every member's size and throws a
 * DocumentError (INVALID_PARAMETER) naming the member that does not fit.
 */
import { keccak256 as keccak_256 } from "./keccak";
import { bytesToHex, type Hex } from "./ids";
import { utf8 } from "./encoding";
import { DocumentError } from "./errors";
import { bytesWord, hashWords, typedDataDigest, uintWord } from "./eip712";
import {
  ANCHOR_BATCH_TYPE_STRING,
  ISSUE_MANY_TYPE_STRING,
  ISSUE_REQUEST_TYPE_STRING,
  ISSUE_TYPE_STRING,
  STATUS_CHANGE_TYPE_STRING,
  type AnchorBatchMessage,
  type IssueManyMessage,
  type IssueMessage,
  type IssueRequestMessage,
  type StatusChangeMessage,
  type TypedDataDomain,
} from "./typedData";

const typeHash = (typeString: string): Uint8Array => keccak_256(utf8(typeString));

const ISSUE_TYPEHASH_BYTES = typeHash(ISSUE_TYPE_STRING);
const ISSUE_REQUEST_TYPEHASH_BYTES = typeHash(ISSUE_REQUEST_TYPE_STRING);
const ISSUE_MANY_TYPEHASH_BYTES = typeHash(ISSUE_MANY_TYPE_STRING);
const ANCHOR_BATCH_TYPEHASH_BYTES = typeHash(ANCHOR_BATCH_TYPE_STRING);
const STATUS_CHANGE_TYPEHASH_BYTES = typeHash(STATUS_CHANGE_TYPE_STRING);

/** keccak256(ISSUE_TYPE_STRING) */
export const ISSUE_TYPEHASH: Hex = bytesToHex(ISSUE_TYPEHASH_BYTES);
/** keccak256(ISSUE_REQUEST_TYPE_STRING) */
export const ISSUE_REQUEST_TYPEHASH: Hex = bytesToHex(ISSUE_REQUEST_TYPEHASH_BYTES);
/** keccak256(ISSUE_MANY_TYPE_STRING) */
export const ISSUE_MANY_TYPEHASH: Hex = bytesToHex(ISSUE_MANY_TYPEHASH_BYTES);
/** keccak256(ANCHOR_BATCH_TYPE_STRING) */
export const ANCHOR_BATCH_TYPEHASH: Hex = bytesToHex(ANCHOR_BATCH_TYPEHASH_BYTES);
/** keccak256(STATUS_CHANGE_TYPE_STRING) */
export const STATUS_CHANGE_TYPEHASH: Hex = bytesToHex(STATUS_CHANGE_TYPEHASH_BYTES);

/** The EIP-712 digest of an Issue. */
export function hashIssue(domain: TypedDataDomain, m: IssueMessage): Hex {
  return bytesToHex(
    typedDataDigest(
      domain,
      hashWords([
        ISSUE_TYPEHASH_BYTES,
        bytesWord(m.certId, 32, "certId"),
        uintWord(m.typeId, 32, "typeId"),
        uintWord(m.validFrom, 64, "validFrom"),
        uintWord(m.validUntil, 64, "validUntil"),
        uintWord(m.deadline, 64, "deadline"),
      ]),
    ),
  );
}

/**
 * The `requests` member of an IssueMany as EIP-712 encodes it: keccak256 of the requests' struct hashes
 * laid end to end, in order. Two groups with the same hash hold the same certificates in the same order.
 */
export function hashIssueRequests(requests: readonly IssueRequestMessage[]): Hex {
  return bytesToHex(issueRequestsHashBytes(requests));
}

function issueRequestsHashBytes(requests: readonly IssueRequestMessage[]): Uint8Array {
  if (!Array.isArray(requests)) throw new DocumentError("INVALID_PARAMETER", "requests must be an array");
  return hashWords(
    requests.map((r, i) =>
      hashWords([
        ISSUE_REQUEST_TYPEHASH_BYTES,
        bytesWord(r.certId, 32, `requests[${i}].certId`),
        uintWord(r.typeId, 32, `requests[${i}].typeId`),
        uintWord(r.validFrom, 64, `requests[${i}].validFrom`),
        uintWord(r.validUntil, 64, `requests[${i}].validUntil`),
      ]),
    ),
  );
}

/** The EIP-712 digest of an IssueMany. */
export function hashIssueMany(domain: TypedDataDomain, m: IssueManyMessage): Hex {
  return bytesToHex(
    typedDataDigest(
      domain,
      hashWords([ISSUE_MANY_TYPEHASH_BYTES, issueRequestsHashBytes(m.requests), uintWord(m.deadline, 64, "deadline")]),
    ),
  );
}

/** The EIP-712 digest of an AnchorBatch. */
export function hashAnchorBatch(domain: TypedDataDomain, m: AnchorBatchMessage): Hex {
  return bytesToHex(
    typedDataDigest(
      domain,
      hashWords([
        ANCHOR_BATCH_TYPEHASH_BYTES,
        bytesWord(m.root, 32, "root"),
        uintWord(m.typeId, 32, "typeId"),
        uintWord(m.count, 32, "count"),
        uintWord(m.deadline, 64, "deadline"),
      ]),
    ),
  );
}

/** The EIP-712 digest of a StatusChange. */
export function hashStatusChange(domain: TypedDataDomain, m: StatusChangeMessage): Hex {
  return bytesToHex(
    typedDataDigest(
      domain,
      hashWords([
        STATUS_CHANGE_TYPEHASH_BYTES,
        bytesWord(m.certId, 32, "certId"),
        bytesWord(m.batchRoot, 32, "batchRoot"),
        uintWord(m.status, 8, "status"),
        uintWord(m.reason, 16, "reason"),
        bytesWord(m.replacementCertId, 32, "replacementCertId"),
        bytesWord(m.replacementBatchRoot, 32, "replacementBatchRoot"),
        uintWord(m.nonce, 32, "nonce"),
        uintWord(m.deadline, 64, "deadline"),
      ]),
    ),
  );
}
