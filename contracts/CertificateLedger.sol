// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IAuthorityRegistry} from "./interfaces/IAuthorityRegistry.sol";
import {ICertificateLedger} from "./interfaces/ICertificateLedger.sol";

/// @title CertificateLedger
/// @notice Single certificates and Merkle batches with their status. See {ICertificateLedger}.
/// @dev Every write reaches one worker for its kind (issue, status change), every read one resolver
/// ({_resolve}), whether the certificate is single or batched. Status overrides of batched certificates
/// are keyed by (batchRoot, certId), so an agency touches only entries under its own roots.
contract CertificateLedger is ICertificateLedger {
    /// @dev A certificate resolved from a {CertRef}, single or batched.
    struct Resolved {
        bool exists;
        uint32 keyId;
        uint32 typeId;
        uint40 issuedAt;
        uint64 validFrom;
        uint64 validUntil;
        Status status;
    }

    IAuthorityRegistry private immutable _registry;

    mapping(bytes32 certId => CertificateRecord record) private _certificates;
    mapping(bytes32 root => BatchRecord batch) private _batches;
    mapping(bytes32 root => mapping(bytes32 certId => Status)) private _batchStatus;
    /// @dev Keyed by {_statusKey}: certId for a single certificate, keccak256(root, certId) for a batched one.
    mapping(bytes32 statusKey => bytes32 newCertId) private _supersededBy;

    constructor(IAuthorityRegistry registry_) {
        _registry = registry_;
    }

    /// @inheritdoc ICertificateLedger
    function registry() external view returns (IAuthorityRegistry) {
        return _registry;
    }

    // ---------------------------------------------------------------- issuance

    /// @inheritdoc ICertificateLedger
    function issue(bytes32 certId, uint32 typeId, uint64 validFrom, uint64 validUntil) external {
        (uint32 keyId, uint40 maxValidity) = _registry.checkIssuer(msg.sender, typeId);
        _issue(certId, typeId, validFrom, validUntil, keyId, maxValidity);
    }

    /// @inheritdoc ICertificateLedger
    function issueMany(IssueRequest[] calldata requests) external {
        if (requests.length == 0) revert LedgerNothingToIssue();
        uint32 keyId;
        uint40 maxValidity;
        uint32 checkedType;
        for (uint256 i = 0; i < requests.length; ++i) {
            IssueRequest calldata r = requests[i];
            // Requests of one type are usually grouped: ask the registry only when the type changes.
            if (i == 0 || r.typeId != checkedType) {
                (keyId, maxValidity) = _registry.checkIssuer(msg.sender, r.typeId);
                checkedType = r.typeId;
            }
            _issue(r.certId, r.typeId, r.validFrom, r.validUntil, keyId, maxValidity);
        }
    }

    /// @inheritdoc ICertificateLedger
    function anchorBatch(bytes32 root, uint32 typeId, uint32 count) external {
        (uint32 keyId, ) = _registry.checkIssuer(msg.sender, typeId);
        if (root == bytes32(0)) revert LedgerBatchRootZero();
        if (count == 0) revert LedgerBatchEmpty(root);
        BatchRecord storage batch = _batches[root];
        if (batch.keyId != 0) revert LedgerBatchAlreadyAnchored(root);
        batch.keyId = keyId;
        batch.typeId = typeId;
        batch.issuedAt = _time();
        batch.count = count;
        emit BatchAnchored(root, keyId, typeId, count);
    }

    // ---------------------------------------------------------------- status

    /// @inheritdoc ICertificateLedger
    function revoke(CertRef calldata ref, uint16 reason) external {
        uint32 keyId = _changeStatus(ref, Status.Revoked);
        emit CertificateRevoked(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function suspend(CertRef calldata ref, uint16 reason) external {
        uint32 keyId = _changeStatus(ref, Status.Suspended);
        emit CertificateSuspended(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function reinstate(CertRef calldata ref, uint16 reason) external {
        uint32 keyId = _changeStatus(ref, Status.Active);
        emit CertificateReinstated(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function supersede(CertRef calldata ref, CertRef calldata replacement, uint16 reason) external {
        if (ref.certId == replacement.certId && ref.batchRoot == replacement.batchRoot) {
            revert LedgerSupersedeBySelf(ref.certId);
        }
        _requireIssued(replacement);
        uint32 keyId = _changeStatus(ref, Status.Superseded);
        _supersededBy[_statusKey(ref)] = replacement.certId;
        emit CertificateSuperseded(ref.certId, ref.batchRoot, replacement.certId, replacement.batchRoot, keyId, reason);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICertificateLedger
    function getStatus(CertRef calldata ref) external view returns (CertificateStatus memory s) {
        Resolved memory r = _resolve(ref);
        if (!r.exists) return s;
        IAuthorityRegistry.SigningKey memory key = _registry.getKey(r.keyId);
        s = CertificateStatus({
            exists: true,
            batched: ref.batchRoot != bytes32(0),
            keyId: r.keyId,
            agencyId: key.agencyId,
            issuerKey: key.account,
            typeId: r.typeId,
            issuedAt: r.issuedAt,
            validFrom: r.validFrom,
            validUntil: r.validUntil,
            status: r.status,
            supersededBy: _supersededBy[_statusKey(ref)]
        });
    }

    /// @inheritdoc ICertificateLedger
    function isIssued(CertRef calldata ref) external view returns (bool) {
        // The consent registry asks this on every grant: skip the status read that _resolve makes.
        if (ref.batchRoot == bytes32(0)) return _certificates[ref.certId].keyId != 0;
        return _batches[ref.batchRoot].keyId != 0 && _proofValid(ref);
    }

    /// @inheritdoc ICertificateLedger
    function verdict(CertRef calldata ref) public view returns (Verdict) {
        Resolved memory r = _resolve(ref);
        if (!r.exists) return Verdict.NotIssued;
        if (r.status == Status.Revoked) return Verdict.Revoked;
        if (r.status == Status.Superseded) return Verdict.Superseded;
        if (r.status == Status.Suspended) return Verdict.Suspended;
        if (!_issuerWasAllowed(ref.batchRoot != bytes32(0), r)) return Verdict.IssuerNotAccredited;
        uint40 now_ = _time();
        if (now_ < r.validFrom) return Verdict.NotYetValid;
        if (now_ >= r.validUntil) return Verdict.Expired;
        return Verdict.Valid;
    }

    /// @inheritdoc ICertificateLedger
    function isValidNow(CertRef calldata ref) external view returns (bool) {
        return verdict(ref) == Verdict.Valid;
    }

    /// @inheritdoc ICertificateLedger
    function getCertificate(bytes32 certId) external view returns (CertificateRecord memory) {
        return _certificates[certId];
    }

    /// @inheritdoc ICertificateLedger
    function getBatch(bytes32 root) external view returns (BatchRecord memory) {
        return _batches[root];
    }

    // ---------------------------------------------------------------- internals

    /// @dev The current time; tests and forks may override it.
    function _time() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }

    function _issue(
        bytes32 certId,
        uint32 typeId,
        uint64 validFrom,
        uint64 validUntil,
        uint32 keyId,
        uint40 maxValidity
    ) private {
        if (certId == bytes32(0)) revert LedgerCertIdZero();
        if (validFrom >= validUntil || validUntil > type(uint40).max) {
            revert LedgerValidityWindowInvalid(validFrom, validUntil);
        }
        // validFrom < validUntil was checked just above.
        unchecked {
            if (validUntil - validFrom > maxValidity) {
                revert LedgerValidityTooLong(typeId, validUntil - validFrom, maxValidity);
            }
        }
        CertificateRecord storage record = _certificates[certId];
        if (record.keyId != 0) revert LedgerCertificateAlreadyIssued(certId);
        // Both bounds fit 40 bits: validFrom < validUntil <= type(uint40).max.
        _certificates[certId] = CertificateRecord({
            keyId: keyId,
            typeId: typeId,
            issuedAt: _time(),
            validFrom: uint40(validFrom),
            validUntil: uint40(validUntil),
            status: Status.Active
        });
        emit CertificateIssued(certId, keyId, typeId, uint40(validFrom), uint40(validUntil));
    }

    /// @dev Checks the caller and the transition, writes the new status and returns the caller's key id.
    function _changeStatus(CertRef calldata ref, Status requested) private returns (uint32 callerKeyId) {
        uint32 callerAgencyId;
        (callerKeyId, callerAgencyId) = _registry.checkActingKey(msg.sender);
        Resolved memory r = _requireIssued(ref);
        uint32 issuerAgencyId = _registry.getKey(r.keyId).agencyId;
        if (issuerAgencyId != callerAgencyId) revert LedgerNotIssuingAgency(ref.certId, callerAgencyId, issuerAgencyId);
        if (!_transitionAllowed(r.status, requested)) revert LedgerStatusChangeInvalid(ref.certId, r.status, requested);
        if (ref.batchRoot == bytes32(0)) {
            _certificates[ref.certId].status = requested;
        } else {
            _batchStatus[ref.batchRoot][ref.certId] = requested;
        }
    }

    function _transitionAllowed(Status current, Status requested) private pure returns (bool) {
        if (requested == Status.Active) return current == Status.Suspended;
        if (requested == Status.Suspended) return current == Status.Active;
        // Revoked and Superseded are final.
        return current == Status.Active || current == Status.Suspended;
    }

    /// @dev {_resolve}, reverting with the reason when the certificate is not issued.
    function _requireIssued(CertRef calldata ref) private view returns (Resolved memory r) {
        if (ref.batchRoot == bytes32(0)) {
            r = _resolve(ref);
            if (!r.exists) revert LedgerCertificateUnknown(ref.certId);
            return r;
        }
        if (_batches[ref.batchRoot].keyId == 0) revert LedgerBatchUnknown(ref.batchRoot);
        r = _resolve(ref);
        if (!r.exists) revert LedgerBatchProofInvalid(ref.batchRoot, ref.certId);
    }

    function _resolve(CertRef calldata ref) private view returns (Resolved memory r) {
        if (ref.batchRoot == bytes32(0)) {
            CertificateRecord memory c = _certificates[ref.certId];
            if (c.keyId == 0) return r;
            return Resolved(true, c.keyId, c.typeId, c.issuedAt, c.validFrom, c.validUntil, c.status);
        }
        BatchRecord memory b = _batches[ref.batchRoot];
        if (b.keyId == 0 || !_proofValid(ref)) return r;
        return
            Resolved(
                true,
                b.keyId,
                b.typeId,
                b.issuedAt,
                ref.validFrom,
                ref.validUntil,
                _batchStatus[ref.batchRoot][ref.certId]
            );
    }

    /// @dev The issuing key was inside its window and accredited for the type at issuance; a batch leaf's
    /// window must also be one the issuer could have issued (ordered, within the type's maximum validity).
    function _issuerWasAllowed(bool batched, Resolved memory r) private view returns (bool) {
        if (batched) {
            if (r.validFrom >= r.validUntil) return false;
            // validFrom < validUntil was checked just above.
            unchecked {
                if (r.validUntil - r.validFrom > _registry.getType(r.typeId).maxValidity) return false;
            }
        }
        return _registry.wasAllowedToIssue(r.keyId, r.typeId, r.issuedAt);
    }

    /// @dev The leaf is the StandardMerkleTree leaf of (bytes32 certId, uint64 validFrom, uint64 validUntil).
    function _proofValid(CertRef calldata ref) private pure returns (bool) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(ref.certId, ref.validFrom, ref.validUntil))));
        return MerkleProof.verifyCalldata(ref.proof, ref.batchRoot, leaf);
    }

    function _statusKey(CertRef calldata ref) private pure returns (bytes32) {
        if (ref.batchRoot == bytes32(0)) return ref.certId;
        return keccak256(abi.encode(ref.batchRoot, ref.certId));
    }
}
