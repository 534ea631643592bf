// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAuthorityRegistry} from "./interfaces/IAuthorityRegistry.sol";
import {ICertificateLedger} from "./interfaces/ICertificateLedger.sol";

/// @title CertificateLedger
/// @notice Single certificates and Merkle batches with their status. See {ICertificateLedger}.
/// @dev Every write reaches one worker for its kind (issue, issue-many, anchor, status change) from its
/// direct and its by-signature entry point, with the acting key as an argument: msg.sender, or the signer
/// that {_checkSignature} vouched for. Every read reaches one resolver ({_resolve}), whether the
/// certificate is single or batched. Status overrides of batched certificates are keyed by
/// (batchRoot, certId), so an agency touches only entries under its own roots. Why the signed messages
/// have these shapes and replay guards: docs/decisions/0009-ledger-signed-writes.md.
contract CertificateLedger is ICertificateLedger, EIP712 {
    /// @dev keccak256("Issue(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil,uint64 deadline)")
    bytes32 private constant _ISSUE_TYPEHASH = keccak256(
        "Issue(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil,uint64 deadline)"
    );

    /// @dev keccak256("IssueRequest(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil)")
    bytes32 private constant _ISSUE_REQUEST_TYPEHASH = keccak256(
        "IssueRequest(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil)"
    );

    /// @dev keccak256("IssueMany(IssueRequest[] requests,uint64 deadline)IssueRequest(bytes32 certId,uint32 typeId,
    /// uint64 validFrom,uint64 validUntil)"), the type string on one line.
    bytes32 private constant _ISSUE_MANY_TYPEHASH = keccak256(
        "IssueMany(IssueRequest[] requests,uint64 deadline)"
        "IssueRequest(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil)"
    );

    /// @dev keccak256("AnchorBatch(bytes32 root,uint32 typeId,uint32 count,uint64 deadline)")
    bytes32 private constant _ANCHOR_BATCH_TYPEHASH = keccak256(
        "AnchorBatch(bytes32 root,uint32 typeId,uint32 count,uint64 deadline)"
    );

    /// @dev keccak256("StatusChange(bytes32 certId,bytes32 batchRoot,uint8 status,uint16 reason,bytes32 replacementCertId,
    /// bytes32 replacementBatchRoot,uint32 nonce,uint64 deadline)"), the type string on one line.
    bytes32 private constant _STATUS_CHANGE_TYPEHASH = keccak256(
        "StatusChange(bytes32 certId,bytes32 batchRoot,uint8 status,uint16 reason,bytes32 replacementCertId,"
        "bytes32 replacementBatchRoot,uint32 nonce,uint64 deadline)"
    );

    /// @dev keccak256("IssueClaim(bytes32 documentRoot,bytes32 claimCommitment,uint32 typeId,uint64 validFrom,
    /// uint64 validUntil,uint64 deadline)"), the type string on one line.
    bytes32 private constant _ISSUE_CLAIM_TYPEHASH = keccak256(
        "IssueClaim(bytes32 documentRoot,bytes32 claimCommitment,uint32 typeId,uint64 validFrom,uint64 validUntil,"
        "uint64 deadline)"
    );

    /// @dev The nonce argument of {_changeStatus} when msg.sender acts itself: no signed nonce to check.
    /// Outside uint32, so no signed nonce can equal it.
    uint256 private constant _DIRECT = type(uint256).max;

    /// @dev The status of a certificate inside a batch and its change count, in one slot.
    struct BatchEntryState {
        Status status;
        uint32 statusChanges;
    }

    /// @dev A certificate resolved from a {CertRef}, single or batched.
    struct Resolved {
        bool exists;
        uint32 keyId;
        uint32 typeId;
        uint40 issuedAt;
        uint64 validFrom;
        uint64 validUntil;
        Status status;
        uint32 statusChanges;
    }

    IAuthorityRegistry private immutable _registry;

    mapping(bytes32 certId => CertificateRecord record) private _certificates;
    mapping(bytes32 root => BatchRecord batch) private _batches;
    mapping(bytes32 root => mapping(bytes32 certId => BatchEntryState state)) private _batchStatus;
    /// @dev Keyed by {_statusKey}: certId for a single certificate, keccak256(root, certId) for a batched one.
    mapping(bytes32 statusKey => bytes32 newCertId) private _supersededBy;
    mapping(bytes32 claimCommitment => bool used) private _claimsUsed;

    constructor(IAuthorityRegistry registry_) EIP712("certledger Ledger", "1") {
        _registry = registry_;
    }

    /// @inheritdoc ICertificateLedger
    function registry() external view returns (IAuthorityRegistry) {
        return _registry;
    }

    // ---------------------------------------------------------------- issuance

    /// @inheritdoc ICertificateLedger
    function issue(bytes32 certId, uint32 typeId, uint64 validFrom, uint64 validUntil) external {
        _issueOne(msg.sender, certId, typeId, validFrom, validUntil);
    }

    /// @inheritdoc ICertificateLedger
    function issueBySig(
        bytes32 certId,
        uint32 typeId,
        uint64 validFrom,
        uint64 validUntil,
        SignedWrite calldata signed
    ) external {
        _checkSignature(
            keccak256(abi.encode(_ISSUE_TYPEHASH, certId, typeId, validFrom, validUntil, signed.deadline)),
            signed
        );
        _issueOne(signed.signer, certId, typeId, validFrom, validUntil);
    }

    /// @inheritdoc ICertificateLedger
    function issueClaimBySig(
        ClaimOffer calldata offer,
        address holder,
        bytes32 claimSecret,
        SignedWrite calldata signed
    ) external {
        _checkSignature(
            keccak256(
                abi.encode(
                    _ISSUE_CLAIM_TYPEHASH,
                    offer.documentRoot,
                    offer.claimCommitment,
                    offer.typeId,
                    offer.validFrom,
                    offer.validUntil,
                    signed.deadline
                )
            ),
            signed
        );
        if (keccak256(abi.encode(claimSecret)) != offer.claimCommitment) {
            revert LedgerClaimSecretInvalid(offer.claimCommitment);
        }
        if (holder == address(0)) revert LedgerClaimHolderZero(offer.claimCommitment);
        if (_claimsUsed[offer.claimCommitment]) revert LedgerClaimAlreadyUsed(offer.claimCommitment);
        _claimsUsed[offer.claimCommitment] = true;
        _issueOne(
            signed.signer,
            keccak256(abi.encode(holder, offer.documentRoot)),
            offer.typeId,
            offer.validFrom,
            offer.validUntil
        );
    }

    /// @inheritdoc ICertificateLedger
    function claimUsed(bytes32 claimCommitment) external view returns (bool) {
        return _claimsUsed[claimCommitment];
    }

    /// @inheritdoc ICertificateLedger
    function issueMany(IssueRequest[] calldata requests) external {
        _issueMany(msg.sender, requests);
    }

    /// @inheritdoc ICertificateLedger
    function issueManyBySig(IssueRequest[] calldata requests, SignedWrite calldata signed) external {
        _checkSignature(_issueManyStructHash(requests, signed.deadline), signed);
        _issueMany(signed.signer, requests);
    }

    /// @inheritdoc ICertificateLedger
    function anchorBatch(bytes32 root, uint32 typeId, uint32 count) external {
        _anchorBatch(msg.sender, root, typeId, count);
    }

    /// @inheritdoc ICertificateLedger
    function anchorBatchBySig(bytes32 root, uint32 typeId, uint32 count, SignedWrite calldata signed) external {
        _checkSignature(keccak256(abi.encode(_ANCHOR_BATCH_TYPEHASH, root, typeId, count, signed.deadline)), signed);
        _anchorBatch(signed.signer, root, typeId, count);
    }

    // ---------------------------------------------------------------- status

    /// @inheritdoc ICertificateLedger
    function revoke(CertRef calldata ref, uint16 reason) external {
        uint32 keyId = _changeStatus(msg.sender, ref, Status.Revoked, _DIRECT);
        emit CertificateRevoked(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function revokeBySig(CertRef calldata ref, uint16 reason, uint32 nonce, SignedWrite calldata signed) external {
        _checkStatusSignature(ref, Status.Revoked, reason, bytes32(0), bytes32(0), nonce, signed);
        uint32 keyId = _changeStatus(signed.signer, ref, Status.Revoked, nonce);
        emit CertificateRevoked(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function suspend(CertRef calldata ref, uint16 reason) external {
        uint32 keyId = _changeStatus(msg.sender, ref, Status.Suspended, _DIRECT);
        emit CertificateSuspended(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function suspendBySig(CertRef calldata ref, uint16 reason, uint32 nonce, SignedWrite calldata signed) external {
        _checkStatusSignature(ref, Status.Suspended, reason, bytes32(0), bytes32(0), nonce, signed);
        uint32 keyId = _changeStatus(signed.signer, ref, Status.Suspended, nonce);
        emit CertificateSuspended(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function reinstate(CertRef calldata ref, uint16 reason) external {
        uint32 keyId = _changeStatus(msg.sender, ref, Status.Active, _DIRECT);
        emit CertificateReinstated(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function reinstateBySig(CertRef calldata ref, uint16 reason, uint32 nonce, SignedWrite calldata signed) external {
        _checkStatusSignature(ref, Status.Active, reason, bytes32(0), bytes32(0), nonce, signed);
        uint32 keyId = _changeStatus(signed.signer, ref, Status.Active, nonce);
        emit CertificateReinstated(ref.certId, ref.batchRoot, keyId, reason);
    }

    /// @inheritdoc ICertificateLedger
    function supersede(CertRef calldata ref, CertRef calldata replacement, uint16 reason) external {
        _supersede(msg.sender, ref, replacement, reason, _DIRECT);
    }

    /// @inheritdoc ICertificateLedger
    function supersedeBySig(
        CertRef calldata ref,
        CertRef calldata replacement,
        uint16 reason,
        uint32 nonce,
        SignedWrite calldata signed
    ) external {
        _checkStatusSignature(ref, Status.Superseded, reason, replacement.certId, replacement.batchRoot, nonce, signed);
        _supersede(signed.signer, ref, replacement, reason, nonce);
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
        if (ref.batchRoot == bytes32(0)) return _issuedSingly(ref.certId);
        return _batches[ref.batchRoot].keyId != 0 && _proofValid(ref);
    }

    /// @inheritdoc ICertificateLedger
    function isIssuedSingly(bytes32 certId) external view returns (bool) {
        return _issuedSingly(certId);
    }

    function _issuedSingly(bytes32 certId) private view returns (bool) {
        return _certificates[certId].keyId != 0;
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

    /// @inheritdoc ICertificateLedger
    function statusNonce(bytes32 certId, bytes32 batchRoot) external view returns (uint32) {
        if (batchRoot == bytes32(0)) return _certificates[certId].statusChanges;
        return _batchStatus[batchRoot][certId].statusChanges;
    }

    /// @inheritdoc ICertificateLedger
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    /// @dev The current time; tests and forks may override it.
    function _time() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }

    function _issueOne(address issuer, bytes32 certId, uint32 typeId, uint64 validFrom, uint64 validUntil) private {
        (uint32 keyId, uint40 maxValidity) = _registry.checkIssuer(issuer, typeId);
        _issue(certId, typeId, validFrom, validUntil, keyId, maxValidity);
    }

    function _issueMany(address issuer, IssueRequest[] calldata requests) private {
        if (requests.length == 0) revert LedgerNothingToIssue();
        uint32 keyId;
        uint40 maxValidity;
        uint32 checkedType;
        for (uint256 i = 0; i < requests.length; ++i) {
            IssueRequest calldata r = requests[i];
            // Requests of one type are usually grouped: ask the registry only when the type changes.
            if (i == 0 || r.typeId != checkedType) {
                (keyId, maxValidity) = _registry.checkIssuer(issuer, r.typeId);
                checkedType = r.typeId;
            }
            _issue(r.certId, r.typeId, r.validFrom, r.validUntil, keyId, maxValidity);
        }
    }

    function _anchorBatch(address issuer, bytes32 root, uint32 typeId, uint32 count) private {
        (uint32 keyId, ) = _registry.checkIssuer(issuer, typeId);
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
        // Both bounds fit 40 bits: validFrom < validUntil <= type(uint40).max. The slot is empty, so status
        // (Active) and statusChanges (0) already hold their first values and are not written.
        record.keyId = keyId;
        record.typeId = typeId;
        record.issuedAt = _time();
        record.validFrom = uint40(validFrom);
        record.validUntil = uint40(validUntil);
        emit CertificateIssued(certId, keyId, typeId, uint40(validFrom), uint40(validUntil));
    }

    function _supersede(
        address actor,
        CertRef calldata ref,
        CertRef calldata replacement,
        uint16 reason,
        uint256 nonce
    ) private {
        if (ref.certId == replacement.certId && ref.batchRoot == replacement.batchRoot) {
            revert LedgerSupersedeBySelf(ref.certId);
        }
        _requireIssued(replacement);
        uint32 keyId = _changeStatus(actor, ref, Status.Superseded, nonce);
        _supersededBy[_statusKey(ref)] = replacement.certId;
        emit CertificateSuperseded(ref.certId, ref.batchRoot, replacement.certId, replacement.batchRoot, keyId, reason);
    }

    /// @dev Checks the actor, the nonce of a signed change and the transition, writes the new status with the
    /// change counted (same slot) and returns the actor's key id. `nonce` is _DIRECT when msg.sender acts.
    function _changeStatus(
        address actor,
        CertRef calldata ref,
        Status requested,
        uint256 nonce
    ) private returns (uint32 actorKeyId) {
        uint32 actorAgencyId;
        (actorKeyId, actorAgencyId) = _registry.checkActingKey(actor);
        Resolved memory r = _requireIssued(ref);
        uint32 issuerAgencyId = _registry.getKey(r.keyId).agencyId;
        if (issuerAgencyId != actorAgencyId) revert LedgerNotIssuingAgency(ref.certId, actorAgencyId, issuerAgencyId);
        // A signed change is valid for one state of the certificate only: the one it has after `nonce` changes.
        if (nonce != _DIRECT && nonce != r.statusChanges) {
            revert LedgerStatusNonceInvalid(ref.certId, r.statusChanges, uint32(nonce));
        }
        if (!_transitionAllowed(r.status, requested)) revert LedgerStatusChangeInvalid(ref.certId, r.status, requested);
        // Checked: a certificate would need 2^32 changes, each a transaction, for this to revert.
        uint32 changes = r.statusChanges + 1;
        if (ref.batchRoot == bytes32(0)) {
            CertificateRecord storage record = _certificates[ref.certId];
            record.status = requested;
            record.statusChanges = changes;
        } else {
            BatchEntryState storage entry = _batchStatus[ref.batchRoot][ref.certId];
            entry.status = requested;
            entry.statusChanges = changes;
        }
    }

    /// @dev Checks the deadline and that `signed.signer` signed the message of `structHash` in this domain:
    /// an ECDSA signature by that address, or else an ERC-1271 contract at that address accepting it.
    /// @dev ECDSA comes first because agency keys are usually EOAs: SignatureChecker.isValidSignatureNow asks
    /// for the signer's code size first, a cold account access (2,600 gas) on every signed write.
    function _checkSignature(bytes32 structHash, SignedWrite calldata signed) private view {
        uint40 now_ = _time();
        if (now_ > signed.deadline) revert LedgerSignatureExpired(signed.deadline, now_);
        bytes32 digest = _hashTypedDataV4(structHash);
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signed.signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signed.signer) return;
        if (!SignatureChecker.isValidERC1271SignatureNow(signed.signer, digest, signed.signature)) {
            revert LedgerSignatureInvalid(signed.signer);
        }
    }

    function _checkStatusSignature(
        CertRef calldata ref,
        Status requested,
        uint16 reason,
        bytes32 replacementCertId,
        bytes32 replacementBatchRoot,
        uint32 nonce,
        SignedWrite calldata signed
    ) private view {
        _checkSignature(
            keccak256(
                abi.encode(
                    _STATUS_CHANGE_TYPEHASH,
                    ref.certId,
                    ref.batchRoot,
                    requested,
                    reason,
                    replacementCertId,
                    replacementBatchRoot,
                    nonce,
                    signed.deadline
                )
            ),
            signed
        );
    }

    /// @dev The EIP-712 hashStruct of an IssueMany: the requests member is the keccak of their struct hashes.
    function _issueManyStructHash(IssueRequest[] calldata requests, uint64 deadline) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](requests.length);
        for (uint256 i = 0; i < requests.length; ++i) {
            IssueRequest calldata r = requests[i];
            hashes[i] = keccak256(abi.encode(_ISSUE_REQUEST_TYPEHASH, r.certId, r.typeId, r.validFrom, r.validUntil));
        }
        return keccak256(abi.encode(_ISSUE_MANY_TYPEHASH, keccak256(abi.encodePacked(hashes)), deadline));
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
            return Resolved(true, c.keyId, c.typeId, c.issuedAt, c.validFrom, c.validUntil, c.status, c.statusChanges);
        }
        BatchRecord memory b = _batches[ref.batchRoot];
        if (b.keyId == 0 || !_proofValid(ref)) return r;
        BatchEntryState memory entry = _batchStatus[ref.batchRoot][ref.certId];
        return
            Resolved(
                true,
                b.keyId,
                b.typeId,
                b.issuedAt,
                ref.validFrom,
                ref.validUntil,
                entry.status,
                entry.statusChanges
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
