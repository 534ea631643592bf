// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IAuthorityRegistry} from "./interfaces/IAuthorityRegistry.sol";
import {ICertificateLedger} from "./interfaces/ICertificateLedger.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";

/// @title ConsentRegistry
/// @notice Holder-signed grants, holder-signed revocations and the grantees' check records.
/// See {IConsentRegistry}.
/// @dev Every signed action follows one recipe: typehash, _hashTypedDataV4, ECDSA.tryRecover,
/// custom error. Every grant entry point reaches {_grant}, both check entry points {_recordCheck}.
contract ConsentRegistry is IConsentRegistry, EIP712 {
    /// @dev keccak256("Grant(bytes32 certId,address grantee,bytes32 purpose,uint64 validUntil,uint32 maxUses,
    /// uint256 nonce,uint64 deadline)"), the type string on one line.
    bytes32 private constant _GRANT_TYPEHASH = keccak256(
        "Grant(bytes32 certId,address grantee,bytes32 purpose,uint64 validUntil,uint32 maxUses,uint256 nonce,uint64 deadline)"
    );

    /// @dev keccak256("RevokeGrant(bytes32 grantId,uint256 nonce,uint64 deadline)")
    bytes32 private constant _REVOKE_GRANT_TYPEHASH = keccak256(
        "RevokeGrant(bytes32 grantId,uint256 nonce,uint64 deadline)"
    );

    /// @dev keccak256("RecordCheck(bytes32 grantId,uint32 use,uint64 deadline)")
    bytes32 private constant _RECORD_CHECK_TYPEHASH = keccak256(
        "RecordCheck(bytes32 grantId,uint32 use,uint64 deadline)"
    );

    /// @dev Everything but the certId of a grant, in one slot; recording a check rewrites only this slot.
    /// Counts are 24-bit so that the slot holds them both: {_grant} refuses maxUses above 2^24 - 1.
    struct GrantTerms {
        address grantee;
        uint40 validUntil;
        uint24 maxUses;
        uint24 uses;
        bool revoked;
    }

    ICertificateLedger private immutable _ledger;
    IAuthorityRegistry private immutable _registry;

    mapping(bytes32 grantId => bytes32 certId) private _grantCert;
    mapping(bytes32 grantId => GrantTerms terms) private _grantTerms;

    constructor(ICertificateLedger ledger_) EIP712("certledger Consent", "1") {
        _ledger = ledger_;
        _registry = ledger_.registry();
    }

    /// @inheritdoc IConsentRegistry
    function ledger() external view returns (ICertificateLedger) {
        return _ledger;
    }

    // ---------------------------------------------------------------- writes

    /// @inheritdoc IConsentRegistry
    function grantBySig(
        Grant calldata grant,
        bytes32 documentRoot,
        bytes calldata signature
    ) external returns (bytes32 grantId) {
        _requireNotPaused();
        return _grant(grant, documentRoot, _singleRef(grant.certId), signature, _time());
    }

    /// @inheritdoc IConsentRegistry
    function grantInBatchBySig(
        Grant calldata grant,
        bytes32 documentRoot,
        BatchLeaf calldata leaf,
        bytes calldata signature
    ) external returns (bytes32 grantId) {
        _requireNotPaused();
        return _grant(grant, documentRoot, _batchRef(grant.certId, leaf), signature, _time());
    }

    /// @inheritdoc IConsentRegistry
    function grantManyBySig(
        GrantRequest[] calldata singles,
        BatchGrantRequest[] calldata batched
    ) external returns (bytes32[] memory grantIds) {
        uint256 n = singles.length;
        if (n + batched.length == 0) revert ConsentNothingToGrant();
        _requireNotPaused();
        uint40 now_ = _time();
        grantIds = new bytes32[](n + batched.length);
        for (uint256 i = 0; i < n; ++i) {
            GrantRequest calldata q = singles[i];
            bytes32 grantId = _hashTypedDataV4(_grantStructHash(q.grant));
            address signer = _recoverCompact(grantId, q.grant.deadline, q.r, q.vs, now_);
            _store(q.grant, q.documentRoot, _singleRef(q.grant.certId), grantId, signer, now_);
            grantIds[i] = grantId;
        }
        for (uint256 i = 0; i < batched.length; ++i) {
            BatchGrantRequest calldata q = batched[i];
            bytes32 grantId = _hashTypedDataV4(_grantStructHash(q.grant));
            address signer = _recoverCompact(grantId, q.grant.deadline, q.r, q.vs, now_);
            _store(q.grant, q.documentRoot, _batchRef(q.grant.certId, q.leaf), grantId, signer, now_);
            grantIds[n + i] = grantId;
        }
    }

    /// @inheritdoc IConsentRegistry
    function revokeGrantBySig(
        RevokeGrant calldata revocation,
        bytes32 documentRoot,
        bytes calldata signature
    ) external {
        _requireNotPaused();
        bytes32 structHash = keccak256(
            abi.encode(_REVOKE_GRANT_TYPEHASH, revocation.grantId, revocation.nonce, revocation.deadline)
        );
        address signer = _recover(structHash, revocation.deadline, signature);
        bytes32 grantId = revocation.grantId;
        bytes32 certId = _grantCert[grantId];
        if (certId == bytes32(0)) revert ConsentGrantUnknown(grantId);
        if (keccak256(abi.encode(signer, documentRoot)) != certId) revert ConsentSignerNotHolder(certId, signer);
        GrantTerms storage terms = _grantTerms[grantId];
        if (terms.revoked) revert ConsentGrantRevoked(grantId);
        terms.revoked = true;
        emit GrantRevoked(grantId, certId);
    }

    /// @inheritdoc IConsentRegistry
    function recordCheck(bytes32 grantId) external {
        _requireNotPaused();
        _recordCheck(grantId, msg.sender, 0, _time());
    }

    /// @inheritdoc IConsentRegistry
    function recordChecks(bytes32[] calldata grantIds) external {
        if (grantIds.length == 0) revert ConsentNothingToRecord();
        _requireNotPaused();
        uint40 now_ = _time();
        for (uint256 i = 0; i < grantIds.length; ++i) {
            _recordCheck(grantIds[i], msg.sender, 0, now_);
        }
    }

    /// @inheritdoc IConsentRegistry
    function recordCheckBySig(RecordCheck calldata check, bytes calldata signature) external {
        _requireNotPaused();
        bytes32 structHash = keccak256(abi.encode(_RECORD_CHECK_TYPEHASH, check.grantId, check.use, check.deadline));
        address signer = _recover(structHash, check.deadline, signature);
        _recordCheck(check.grantId, signer, check.use, _time());
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IConsentRegistry
    function mayCheck(bytes32 grantId, address verifier) external view returns (bool) {
        return checkVerdict(grantId, verifier) == CheckVerdict.Allowed;
    }

    /// @inheritdoc IConsentRegistry
    function checkVerdict(bytes32 grantId, address verifier) public view returns (CheckVerdict) {
        GrantTerms memory terms = _grantTerms[grantId];
        if (terms.grantee == address(0)) return CheckVerdict.UnknownGrant;
        if (terms.grantee != verifier) return CheckVerdict.WrongGrantee;
        if (terms.revoked) return CheckVerdict.Revoked;
        if (_time() >= terms.validUntil) return CheckVerdict.Expired;
        if (terms.uses >= terms.maxUses) return CheckVerdict.UsedUp;
        return CheckVerdict.Allowed;
    }

    /// @inheritdoc IConsentRegistry
    function getGrant(bytes32 grantId) external view returns (GrantState memory) {
        GrantTerms memory terms = _grantTerms[grantId];
        return
            GrantState({
                certId: _grantCert[grantId],
                grantee: terms.grantee,
                validUntil: terms.validUntil,
                maxUses: terms.maxUses,
                uses: terms.uses,
                revoked: terms.revoked
            });
    }

    /// @inheritdoc IConsentRegistry
    function grantIdOf(Grant calldata grant) external view returns (bytes32) {
        return _hashTypedDataV4(_grantStructHash(grant));
    }

    /// @inheritdoc IConsentRegistry
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    /// @dev The current time; tests and forks may override it.
    function _time() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }

    function _grant(
        Grant calldata grant,
        bytes32 documentRoot,
        ICertificateLedger.CertRef memory ref,
        bytes calldata signature,
        uint40 now_
    ) private returns (bytes32 grantId) {
        grantId = _hashTypedDataV4(_grantStructHash(grant));
        _store(grant, documentRoot, ref, grantId, _recoverDigest(grantId, grant.deadline, signature, now_), now_);
    }

    /// @dev Every check of a grant after its signature, then the write: one worker for every entry point.
    function _store(
        Grant calldata grant,
        bytes32 documentRoot,
        ICertificateLedger.CertRef memory ref,
        bytes32 grantId,
        address signer,
        uint40 now_
    ) private {
        if (keccak256(abi.encode(signer, documentRoot)) != grant.certId)
            revert ConsentSignerNotHolder(grant.certId, signer);
        // The grantId is the digest of every field, nonce included: a replayed signature finds it stored.
        // Storing per-signer nonces as well would cost a third new slot (22,100 gas) and prevent nothing more.
        if (_grantCert[grantId] != bytes32(0)) revert ConsentGrantExists(grantId);
        if (grant.grantee == address(0)) revert ConsentGranteeZero();
        if (grant.maxUses == 0 || grant.maxUses > type(uint24).max) revert ConsentMaxUsesInvalid(grant.maxUses);
        if (grant.validUntil <= now_ || grant.validUntil > type(uint40).max) {
            revert ConsentGrantValidUntilInvalid(grant.validUntil, now_);
        }
        if (!_ledger.isIssued(ref)) revert ConsentCertificateNotIssued(ref.certId, ref.batchRoot);
        _grantCert[grantId] = grant.certId;
        // validUntil fits 40 bits and maxUses 24 bits, both checked above.
        _grantTerms[grantId] = GrantTerms(grant.grantee, uint40(grant.validUntil), uint24(grant.maxUses), 0, false);
        emit GrantCreated(grantId, grant.certId, grant.grantee, grant.purpose, uint40(grant.validUntil), grant.maxUses);
    }

    /// @dev `verifier` is the sender, or the signer of a RecordCheck; `use` is 0 for any next use, else the
    /// one the signer named.
    function _recordCheck(bytes32 grantId, address verifier, uint32 use, uint40 now_) private {
        GrantTerms storage terms = _grantTerms[grantId];
        address grantee = terms.grantee;
        if (grantee == address(0)) revert ConsentGrantUnknown(grantId);
        if (grantee != verifier) revert ConsentWrongGrantee(grantId, grantee, verifier);
        if (terms.revoked) revert ConsentGrantRevoked(grantId);
        if (now_ >= terms.validUntil) revert ConsentGrantExpired(grantId, terms.validUntil, now_);
        uint24 uses = terms.uses;
        if (uses >= terms.maxUses) revert ConsentGrantUsedUp(grantId, terms.maxUses);
        // uses < maxUses <= type(uint24).max, so uses + 1 fits.
        unchecked {
            ++uses;
        }
        if (use != 0 && use != uses) revert ConsentCheckUseTaken(grantId, use, uses);
        terms.uses = uses;
        emit CheckRecorded(grantId, _grantCert[grantId], verifier, uses);
    }

    function _singleRef(bytes32 certId) private pure returns (ICertificateLedger.CertRef memory ref) {
        ref.certId = certId;
    }

    function _batchRef(
        bytes32 certId,
        BatchLeaf calldata leaf
    ) private pure returns (ICertificateLedger.CertRef memory) {
        return ICertificateLedger.CertRef(certId, leaf.batchRoot, leaf.validFrom, leaf.validUntil, leaf.proof);
    }

    /// @dev Grant holds seven fixed-size words, laid out in calldata exactly as abi.encode lays them out, so
    /// the struct hash is keccak256(typehash ‖ those 224 bytes) without copying field by field. A field with
    /// dirty high bits would hash to another digest, recover another signer and fail the holder check.
    function _grantStructHash(Grant calldata grant) private pure returns (bytes32 structHash) {
        bytes32 typehash = _GRANT_TYPEHASH;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, typehash)
            calldatacopy(add(p, 0x20), grant, 0xe0)
            structHash := keccak256(p, 0x100)
        }
    }

    function _recover(bytes32 structHash, uint64 deadline, bytes calldata signature) private view returns (address) {
        return _recoverDigest(_hashTypedDataV4(structHash), deadline, signature, _time());
    }

    /// @dev Checks the deadline, then recovers the signer; a malformed or unrecoverable signature reverts.
    function _recoverDigest(
        bytes32 digest,
        uint64 deadline,
        bytes calldata signature,
        uint40 now_
    ) private pure returns (address signer) {
        if (now_ > deadline) revert ConsentSignatureExpired(deadline, now_);
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError) revert ConsentSignatureInvalid();
    }

    /// @dev {_recoverDigest} for an EIP-2098 compact signature.
    function _recoverCompact(
        bytes32 digest,
        uint64 deadline,
        bytes32 r,
        bytes32 vs,
        uint40 now_
    ) private pure returns (address signer) {
        if (now_ > deadline) revert ConsentSignatureExpired(deadline, now_);
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(digest, r, vs);
        if (err != ECDSA.RecoverError.NoError) revert ConsentSignatureInvalid();
    }

    function _requireNotPaused() private view {
        if (_registry.paused()) revert IAuthorityRegistry.RegistryPaused();
    }
}
