// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IAuthorityRegistry} from "./IAuthorityRegistry.sol";

/// @title ICertificateLedger
/// @notice What was issued and its status. A certificate is issued singly (one record keyed by certId)
/// or inside a Merkle batch (one record per root). The holder is never stored: certId commits to it,
/// certId = keccak256(abi.encode(holder, documentRoot)).
/// @dev A batch leaf is the OpenZeppelin StandardMerkleTree leaf of (bytes32 certId, uint64 validFrom,
/// uint64 validUntil): keccak256(bytes.concat(keccak256(abi.encode(certId, validFrom, validUntil)))).
/// Every status write and view takes a {CertRef}; batchRoot == 0 means a single certificate, whose
/// validity window and proof fields are then ignored.
///
/// Every write exists in two forms that reach one worker and run the same checks: the direct form, where
/// msg.sender is the agency's key, and the by-signature form (`...BySig`), an EIP-712 message signed by the
/// agency's key and relayed by anyone. The relayer gains no power: the registry checks the signer exactly
/// as it checks msg.sender. The EIP-712 domain is name "certledger Ledger", version "1", this chain's id
/// and this contract's address ({eip712Domain}). Type strings (each typehash is keccak256 of its string):
///
///   Issue(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil,uint64 deadline)
///   IssueMany(IssueRequest[] requests,uint64 deadline)IssueRequest(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil)
///   AnchorBatch(bytes32 root,uint32 typeId,uint32 count,uint64 deadline)
///   StatusChange(bytes32 certId,bytes32 batchRoot,uint8 status,uint16 reason,bytes32 replacementCertId,
///     bytes32 replacementBatchRoot,uint32 nonce,uint64 deadline)   (one line in the typehash)
///   IssueClaim(bytes32 documentRoot,bytes32 claimCommitment,uint32 typeId,uint64 validFrom,uint64 validUntil,
///     uint64 deadline)   (one line in the typehash)
///
/// Replay: a certId is issued once and a root anchored once, so issuance messages need no nonce. A status
/// change can recur (suspend, reinstate, suspend), so a StatusChange carries the certificate's
/// {statusNonce}, the number of status changes it has had; every change, direct or signed, increments it.
interface ICertificateLedger is IERC5267 {
    enum Status {
        Active,
        Suspended,
        Revoked,
        Superseded
    }

    /// @notice The answer of {verdict}: Valid, or the first rule that fails (consent aside) of
    /// docs/architecture.md#valid-now-the-verdict-rules.
    enum Verdict {
        Valid,
        NotIssued,
        Revoked,
        Suspended,
        Superseded,
        NotYetValid,
        Expired,
        IssuerNotAccredited
    }

    /// @notice Points at a certificate: single (batchRoot == 0) or a leaf of an anchored batch with its proof.
    struct CertRef {
        bytes32 certId;
        bytes32 batchRoot;
        uint64 validFrom;
        uint64 validUntil;
        bytes32[] proof;
    }

    /// @notice One certificate of an {issueMany} call.
    struct IssueRequest {
        bytes32 certId;
        uint32 typeId;
        uint64 validFrom;
        uint64 validUntil;
    }

    /// @notice A single certificate's record: one storage slot (224 of 256 bits). `statusChanges` counts
    /// its status changes and is the nonce its next signed StatusChange must carry.
    struct CertificateRecord {
        uint32 keyId;
        uint32 typeId;
        uint40 issuedAt;
        uint40 validFrom;
        uint40 validUntil;
        Status status;
        uint32 statusChanges;
    }

    /// @notice The authorisation of a by-signature write: the agency key that signed it (an EOA, or a
    /// contract key that answers ERC-1271), the last second at which it may be relayed, and the signature.
    struct SignedWrite {
        address signer;
        uint64 deadline;
        bytes signature;
    }

    /// @notice A certificate offered before its holder is known (docs/decisions/0011-claim-offers.md): the issuing
    /// key signs the document's root and a commitment keccak256(abi.encode(claimSecret)); whoever opens the
    /// commitment names the holder, and certId = keccak256(abi.encode(holder, documentRoot)) as for any other.
    struct ClaimOffer {
        bytes32 documentRoot;
        bytes32 claimCommitment;
        uint32 typeId;
        uint64 validFrom;
        uint64 validUntil;
    }

    /// @notice An anchored batch: one storage slot.
    struct BatchRecord {
        uint32 keyId;
        uint32 typeId;
        uint40 issuedAt;
        uint32 count;
    }

    /// @notice Everything known about a certificate. For a batched one whose proof fails, exists is false.
    struct CertificateStatus {
        bool exists;
        bool batched;
        uint32 keyId;
        uint32 agencyId;
        address issuerKey;
        uint32 typeId;
        uint40 issuedAt;
        uint64 validFrom;
        uint64 validUntil;
        Status status;
        bytes32 supersededBy;
    }

    error LedgerCertIdZero();
    error LedgerCertificateAlreadyIssued(bytes32 certId);
    error LedgerValidityWindowInvalid(uint64 validFrom, uint64 validUntil);
    error LedgerValidityTooLong(uint32 typeId, uint64 validity, uint40 maxValidity);
    error LedgerNothingToIssue();
    error LedgerBatchRootZero();
    error LedgerBatchEmpty(bytes32 root);
    error LedgerBatchAlreadyAnchored(bytes32 root);
    error LedgerBatchUnknown(bytes32 root);
    error LedgerBatchProofInvalid(bytes32 root, bytes32 certId);
    error LedgerCertificateUnknown(bytes32 certId);
    error LedgerNotIssuingAgency(bytes32 certId, uint32 callerAgencyId, uint32 issuerAgencyId);
    error LedgerStatusChangeInvalid(bytes32 certId, Status current, Status requested);
    error LedgerSupersedeBySelf(bytes32 certId);
    /// @notice The signature is not `signer`'s over this message on this chain and this contract: another
    /// key signed it, or it was signed for another chain, contract or content.
    error LedgerSignatureInvalid(address signer);
    /// @notice The message's deadline has passed.
    error LedgerSignatureExpired(uint64 deadline, uint40 now_);
    /// @notice A signed status change carries a nonce other than the certificate's {statusNonce}: it was
    /// already used (a replay) or signed for a later change.
    error LedgerStatusNonceInvalid(bytes32 certId, uint32 expected, uint32 given);
    /// @notice The claim secret does not open the offer's commitment.
    error LedgerClaimSecretInvalid(bytes32 claimCommitment);
    /// @notice The offer was claimed already: one offer issues one certificate.
    error LedgerClaimAlreadyUsed(bytes32 claimCommitment);
    /// @notice A claim names no holder.
    error LedgerClaimHolderZero(bytes32 claimCommitment);

    event CertificateIssued(bytes32 indexed certId, uint32 keyId, uint32 typeId, uint40 validFrom, uint40 validUntil);
    event BatchAnchored(bytes32 indexed root, uint32 keyId, uint32 typeId, uint32 count);
    event CertificateRevoked(bytes32 indexed certId, bytes32 indexed batchRoot, uint32 indexed keyId, uint16 reason);
    event CertificateSuspended(bytes32 indexed certId, bytes32 indexed batchRoot, uint32 indexed keyId, uint16 reason);
    event CertificateReinstated(bytes32 indexed certId, bytes32 indexed batchRoot, uint32 indexed keyId, uint16 reason);
    event CertificateSuperseded(
        bytes32 indexed certId,
        bytes32 indexed batchRoot,
        bytes32 indexed newCertId,
        bytes32 newBatchRoot,
        uint32 keyId,
        uint16 reason
    );

    /// @notice The registry that says which keys may issue which types.
    function registry() external view returns (IAuthorityRegistry);

    /// @notice Issues one certificate; msg.sender is the issuing key. Reverts unless the key is inside its
    /// window, its agency active and accredited for the type, the type active, certId new and nonzero,
    /// validFrom < validUntil and the span within the type's maximum validity.
    function issue(bytes32 certId, uint32 typeId, uint64 validFrom, uint64 validUntil) external;

    /// @notice Issues several certificates in one transaction, with the checks of {issue}. All or nothing.
    function issueMany(IssueRequest[] calldata requests) external;

    /// @notice Anchors the root of a Merkle batch of `count` certificates of type `typeId`; msg.sender is
    /// the issuing key. A leaf's window is checked against the type's maximum validity when it is read.
    function anchorBatch(bytes32 root, uint32 typeId, uint32 count) external;

    /// @notice Revokes a certificate for good. Any current key of the issuing agency may call.
    function revoke(CertRef calldata ref, uint16 reason) external;

    /// @notice Suspends an active certificate. Any current key of the issuing agency may call.
    function suspend(CertRef calldata ref, uint16 reason) external;

    /// @notice Reinstates a suspended certificate. Any current key of the issuing agency may call.
    function reinstate(CertRef calldata ref, uint16 reason) external;

    /// @notice Marks `ref` as superseded by `replacement`, which must be issued. Any current key of the
    /// agency that issued `ref` may call.
    function supersede(CertRef calldata ref, CertRef calldata replacement, uint16 reason) external;

    /// @notice {issue}, signed by the issuing key `signed.signer` as an `Issue` message and sent by anyone.
    function issueBySig(
        bytes32 certId,
        uint32 typeId,
        uint64 validFrom,
        uint64 validUntil,
        SignedWrite calldata signed
    ) external;

    /// @notice {issueMany}, signed once for the whole group as an `IssueMany` message and sent by anyone.
    function issueManyBySig(IssueRequest[] calldata requests, SignedWrite calldata signed) external;

    /// @notice {anchorBatch}, signed as an `AnchorBatch` message and sent by anyone.
    function anchorBatchBySig(bytes32 root, uint32 typeId, uint32 count, SignedWrite calldata signed) external;

    /// @notice {revoke}, signed as a `StatusChange` (status Revoked, no replacement) carrying `nonce`, which
    /// must equal the certificate's {statusNonce}.
    function revokeBySig(CertRef calldata ref, uint16 reason, uint32 nonce, SignedWrite calldata signed) external;

    /// @notice {suspend}, signed as a `StatusChange` (status Suspended, no replacement) carrying `nonce`.
    function suspendBySig(CertRef calldata ref, uint16 reason, uint32 nonce, SignedWrite calldata signed) external;

    /// @notice {reinstate}, signed as a `StatusChange` (status Active, no replacement) carrying `nonce`.
    function reinstateBySig(CertRef calldata ref, uint16 reason, uint32 nonce, SignedWrite calldata signed) external;

    /// @notice {supersede}, signed as a `StatusChange` (status Superseded, the replacement's certId and
    /// batchRoot) carrying `nonce`. The replacement's window and proof are not signed: they only prove it issued.
    function supersedeBySig(
        CertRef calldata ref,
        CertRef calldata replacement,
        uint16 reason,
        uint32 nonce,
        SignedWrite calldata signed
    ) external;

    /// @notice Issues the certificate of a {ClaimOffer} signed as an `IssueClaim` message by the issuing key
    /// `signed.signer` before its holder was known, to `holder`, for whoever relays `claimSecret` with
    /// keccak256(abi.encode(claimSecret)) == offer.claimCommitment. Once per offer; the registry checks the signer
    /// as {issue} checks msg.sender, and the deadline is the offer's expiry. There is no direct form: an agency
    /// present at claim time issues with {issue}. Emits {CertificateIssued} like any single issue.
    function issueClaimBySig(
        ClaimOffer calldata offer,
        address holder,
        bytes32 claimSecret,
        SignedWrite calldata signed
    ) external;

    /// @notice Whether the offer with this commitment was claimed.
    function claimUsed(bytes32 claimCommitment) external view returns (bool);

    /// @notice How many status changes the certificate (single when batchRoot == 0) has had: the nonce its
    /// next signed StatusChange must carry. 0 for a certificate never changed or never issued.
    function statusNonce(bytes32 certId, bytes32 batchRoot) external view returns (uint32);

    /// @notice The EIP-712 domain separator of the by-signature writes.
    function domainSeparator() external view returns (bytes32);

    /// @notice The full status of a certificate (single, or batched with its proof).
    function getStatus(CertRef calldata ref) external view returns (CertificateStatus memory);

    /// @notice Whether the certificate is issued (single record, or a leaf of an anchored batch with a valid proof).
    function isIssued(CertRef calldata ref) external view returns (bool);

    /// @notice {isIssued} for a singly issued certificate, CertRef(certId, 0, 0, 0, []), in one word of call
    /// data: the consent registry asks it for every grant.
    function isIssuedSingly(bytes32 certId) external view returns (bool);

    /// @notice Valid, or why not: every rule of docs/architecture.md#valid-now-the-verdict-rules but consent, at the
    /// current time.
    function verdict(CertRef calldata ref) external view returns (Verdict);

    /// @notice True when {verdict} is Valid.
    function isValidNow(CertRef calldata ref) external view returns (bool);

    /// @notice The record of a single certificate (keyId 0 when none).
    function getCertificate(bytes32 certId) external view returns (CertificateRecord memory);

    /// @notice The record of an anchored batch (keyId 0 when none).
    function getBatch(bytes32 root) external view returns (BatchRecord memory);
}
