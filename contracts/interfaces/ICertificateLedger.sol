// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAuthorityRegistry} from "./IAuthorityRegistry.sol";

/// @title ICertificateLedger
/// @notice What was issued and its status. A certificate is issued singly (one record keyed by certId)
/// or inside a Merkle batch (one record per root). The holder is never stored: certId commits to it,
/// certId = keccak256(abi.encode(holder, documentRoot)).
/// @dev A batch leaf is the OpenZeppelin StandardMerkleTree leaf of (bytes32 certId, uint64 validFrom,
/// uint64 validUntil): keccak256(bytes.concat(keccak256(abi.encode(certId, validFrom, validUntil)))).
/// Every status write and view takes a {CertRef}; batchRoot == 0 means a single certificate, whose
/// validity window and proof fields are then ignored.
interface ICertificateLedger {
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

    /// @notice A single certificate's record: one storage slot.
    struct CertificateRecord {
        uint32 keyId;
        uint32 typeId;
        uint40 issuedAt;
        uint40 validFrom;
        uint40 validUntil;
        Status status;
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

    /// @notice The full status of a certificate (single, or batched with its proof).
    function getStatus(CertRef calldata ref) external view returns (CertificateStatus memory);

    /// @notice Whether the certificate is issued (single record, or a leaf of an anchored batch with a valid proof).
    function isIssued(CertRef calldata ref) external view returns (bool);

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
