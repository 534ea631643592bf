// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAuthorityRegistry} from "./interfaces/IAuthorityRegistry.sol";
import {ICertificateLedger} from "./interfaces/ICertificateLedger.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";

/// @title ConsentRegistry
/// @notice Holder-signed grants, holder-signed revocations and the grantees' check records.
/// See {IConsentRegistry}.
/// @dev Every signed action follows one recipe: typehash, _hashTypedDataV4, ECDSA.tryRecover (or, for the
/// compact signatures of a group, the same checks around the precompile), custom error. Every grant entry
/// point reaches {_store}, both check entry points {_recordCheck}. The group path is tuned for gas (see
/// docs/decisions/0010-grants-in-groups-and-link-checks.md): each assembly block says why it is safe.
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

    /// @dev keccak256("Delegation(bytes32 certId,address delegate,bytes32 purpose,address verifier,bool online,
    /// uint64 validUntil,uint256 nonce,uint64 deadline)"), the type string on one line.
    bytes32 private constant _DELEGATION_TYPEHASH = keccak256(
        "Delegation(bytes32 certId,address delegate,bytes32 purpose,address verifier,bool online,"
        "uint64 validUntil,uint256 nonce,uint64 deadline)"
    );

    /// @dev keccak256("RevokeDelegation(bytes32 delegationId,uint256 nonce,uint64 deadline)")
    bytes32 private constant _REVOKE_DELEGATION_TYPEHASH = keccak256(
        "RevokeDelegation(bytes32 delegationId,uint256 nonce,uint64 deadline)"
    );

    /// @inheritdoc IConsentRegistry
    /// @dev A counter request lasts at most 30 minutes and its grant may outlive it by 10: one hour holds both.
    uint40 public constant COUNTER_GRANT_MAX_SECONDS = 3600;

    /// @dev GrantTerms.flags: the holder revoked the grant.
    uint8 private constant _REVOKED = 1;
    /// @dev GrantTerms.flags: a delegate signed the grant, and the record's first slot holds the delegationId.
    uint8 private constant _BY_DELEGATE = 2;

    /// @dev Everything but the certId of a grant, in one slot; recording a check rewrites only this slot.
    /// Counts are 24-bit so that the slot holds them both: {_grant} refuses maxUses above 2^24 - 1.
    /// `flags` holds _REVOKED and _BY_DELEGATE.
    struct GrantTerms {
        address grantee;
        uint40 validUntil;
        uint24 maxUses;
        uint24 uses;
        uint8 flags;
    }

    /// @dev A delegation's terms in one slot; the purpose and verifier scope are bound by its id instead.
    struct DelegationTerms {
        address delegate;
        uint40 validUntil;
        bool online;
        bool revoked;
    }

    struct DelegationRecord {
        bytes32 certId;
        DelegationTerms terms;
    }

    /// @dev EIP-2098: the low 255 bits of vs are s.
    uint256 private constant _S_MASK = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;

    /// @dev Half the secp256k1 order: a larger s is the malleable twin of a valid signature (EIP-2).
    uint256 private constant _HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    ICertificateLedger private immutable _ledger;
    IAuthorityRegistry private immutable _registry;

    /// @dev A grant's two slots side by side, so that one keccak finds both: the certId (for a grant signed
    /// by a delegate, the delegationId, whose record holds the certId), written once, and the terms.
    struct GrantRecord {
        bytes32 certId;
        GrantTerms terms;
    }

    mapping(bytes32 grantId => GrantRecord record) private _grants;
    mapping(bytes32 delegationId => DelegationRecord record) private _delegations;

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
        return _grant(grant, documentRoot, bytes32(0), _singleIssued(grant.certId), signature, _time());
    }

    /// @inheritdoc IConsentRegistry
    function grantInBatchBySig(
        Grant calldata grant,
        bytes32 documentRoot,
        BatchLeaf calldata leaf,
        bytes calldata signature
    ) external returns (bytes32 grantId) {
        _requireNotPaused();
        return _grant(grant, documentRoot, leaf.batchRoot, _batchIssued(grant.certId, leaf), signature, _time());
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
        _grantSingles(singles, grantIds, now_);
        for (uint256 i = 0; i < batched.length; ++i) {
            BatchGrantRequest calldata q = batched[i];
            bytes32 grantId = _hashTypedDataV4(_grantStructHash(q.grant));
            address signer = _recoverCompact(grantId, q.grant.deadline, q.r, q.vs, now_);
            _store(
                q.grant,
                q.documentRoot,
                q.leaf.batchRoot,
                _batchIssued(q.grant.certId, q.leaf),
                grantId,
                signer,
                now_
            );
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
        GrantRecord storage record = _grants[grantId];
        GrantTerms storage terms = record.terms;
        uint8 flags = terms.flags;
        bytes32 certId = record.certId;
        if (certId == bytes32(0)) revert ConsentGrantUnknown(grantId);
        if (flags & _BY_DELEGATE != 0) certId = _delegations[certId].certId;
        if (_certIdOf(signer, documentRoot) != certId) revert ConsentSignerNotHolder(certId, signer);
        if (flags & _REVOKED != 0) revert ConsentGrantRevoked(grantId);
        terms.flags = flags | _REVOKED;
        emit GrantRevoked(grantId, certId);
    }

    /// @inheritdoc IConsentRegistry
    function delegateBySig(
        Delegation calldata delegation,
        bytes32 documentRoot,
        bytes calldata signature
    ) external returns (bytes32 delegationId) {
        _requireNotPaused();
        return _delegate(delegation, documentRoot, bytes32(0), _singleIssued(delegation.certId), signature);
    }

    /// @inheritdoc IConsentRegistry
    function delegateInBatchBySig(
        Delegation calldata delegation,
        bytes32 documentRoot,
        BatchLeaf calldata leaf,
        bytes calldata signature
    ) external returns (bytes32 delegationId) {
        _requireNotPaused();
        return _delegate(delegation, documentRoot, leaf.batchRoot, _batchIssued(delegation.certId, leaf), signature);
    }

    /// @inheritdoc IConsentRegistry
    function delegateByIssuerSig(
        Delegation calldata delegation,
        address signer,
        bytes calldata signature
    ) external returns (bytes32 delegationId) {
        _requireNotPaused();
        uint32 issuerKeyId = _ledger.getCertificate(delegation.certId).keyId;
        return _delegateByIssuer(delegation, bytes32(0), issuerKeyId, signer, signature);
    }

    /// @inheritdoc IConsentRegistry
    function delegateInBatchByIssuerSig(
        Delegation calldata delegation,
        BatchLeaf calldata leaf,
        address signer,
        bytes calldata signature
    ) external returns (bytes32 delegationId) {
        _requireNotPaused();
        // The batch's key issued every certificate its proof shows inside it.
        uint32 issuerKeyId = _batchIssued(delegation.certId, leaf) ? _ledger.getBatch(leaf.batchRoot).keyId : 0;
        return _delegateByIssuer(delegation, leaf.batchRoot, issuerKeyId, signer, signature);
    }

    /// @inheritdoc IConsentRegistry
    function revokeDelegationBySig(
        RevokeDelegation calldata revocation,
        bytes32 documentRoot,
        bytes calldata signature
    ) external {
        _requireNotPaused();
        bytes32 structHash = keccak256(
            abi.encode(_REVOKE_DELEGATION_TYPEHASH, revocation.delegationId, revocation.nonce, revocation.deadline)
        );
        address signer = _recover(structHash, revocation.deadline, signature);
        bytes32 delegationId = revocation.delegationId;
        DelegationRecord storage record = _delegations[delegationId];
        bytes32 certId = record.certId;
        if (certId == bytes32(0)) revert ConsentDelegationUnknown(delegationId);
        if (_certIdOf(signer, documentRoot) != certId) revert ConsentSignerNotHolder(certId, signer);
        if (record.terms.revoked) revert ConsentDelegationRevoked(delegationId);
        record.terms.revoked = true;
        emit DelegationRevoked(delegationId, certId);
    }

    /// @inheritdoc IConsentRegistry
    function grantByDelegateSig(
        Grant calldata grant,
        Delegation calldata delegation,
        bytes calldata signature
    ) external returns (bytes32 grantId) {
        _requireNotPaused();
        uint40 now_ = _time();
        grantId = _hashTypedDataV4(_grantStructHash(grant));
        address signer = _recoverDigest(grantId, grant.deadline, signature, now_);
        bytes32 delegationId = _hashTypedDataV4(_delegationStructHash(delegation));
        _requireDelegateMay(grant, delegation, delegationId, signer, now_);
        GrantRecord storage record = _grants[grantId];
        if (record.certId != bytes32(0)) revert ConsentGrantExists(grantId);
        _requireGrantTerms(grant.grantee, grant.validUntil, grant.maxUses, now_);
        record.certId = delegationId;
        _writeNewTerms(record.terms, grant.grantee, grant.validUntil, grant.maxUses, _BY_DELEGATE);
        emit GrantCreated(grantId, grant.certId, grant.grantee, grant.purpose, uint40(grant.validUntil), grant.maxUses);
        emit GrantCreatedByDelegate(grantId, delegationId);
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
        GrantRecord storage record = _grants[grantId];
        GrantTerms memory terms = record.terms;
        if (terms.grantee == address(0)) return CheckVerdict.UnknownGrant;
        if (terms.grantee != verifier) return CheckVerdict.WrongGrantee;
        if (terms.flags & _REVOKED != 0) return CheckVerdict.Revoked;
        if (terms.flags & _BY_DELEGATE != 0 && _delegations[record.certId].terms.revoked)
            return CheckVerdict.DelegationRevoked;
        if (_time() >= terms.validUntil) return CheckVerdict.Expired;
        if (terms.uses >= terms.maxUses) return CheckVerdict.UsedUp;
        return CheckVerdict.Allowed;
    }

    /// @inheritdoc IConsentRegistry
    function getGrant(bytes32 grantId) external view returns (GrantState memory) {
        GrantRecord storage record = _grants[grantId];
        GrantTerms memory terms = record.terms;
        bytes32 certId = record.certId;
        if (terms.flags & _BY_DELEGATE != 0) certId = _delegations[certId].certId;
        return
            GrantState({
                certId: certId,
                grantee: terms.grantee,
                validUntil: terms.validUntil,
                maxUses: terms.maxUses,
                uses: terms.uses,
                revoked: terms.flags & _REVOKED != 0
            });
    }

    /// @inheritdoc IConsentRegistry
    function getDelegation(bytes32 delegationId) external view returns (DelegationState memory) {
        DelegationRecord storage record = _delegations[delegationId];
        DelegationTerms memory terms = record.terms;
        return
            DelegationState({
                certId: record.certId,
                delegate: terms.delegate,
                validUntil: terms.validUntil,
                online: terms.online,
                revoked: terms.revoked
            });
    }

    /// @inheritdoc IConsentRegistry
    function delegationVerdict(bytes32 delegationId) external view returns (DelegationVerdict) {
        DelegationTerms memory terms = _delegations[delegationId].terms;
        if (terms.delegate == address(0)) return DelegationVerdict.Unknown;
        if (terms.revoked) return DelegationVerdict.Revoked;
        if (_time() >= terms.validUntil) return DelegationVerdict.Expired;
        return DelegationVerdict.Active;
    }

    /// @inheritdoc IConsentRegistry
    function delegationOf(bytes32 grantId) external view returns (bytes32) {
        GrantRecord storage record = _grants[grantId];
        return record.terms.flags & _BY_DELEGATE != 0 ? record.certId : bytes32(0);
    }

    /// @inheritdoc IConsentRegistry
    function delegationIdOf(Delegation calldata delegation) external view returns (bytes32) {
        return _hashTypedDataV4(_delegationStructHash(delegation));
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
        bytes32 batchRoot,
        bool issued,
        bytes calldata signature,
        uint40 now_
    ) private returns (bytes32 grantId) {
        grantId = _hashTypedDataV4(_grantStructHash(grant));
        address signer = _recoverDigest(grantId, grant.deadline, signature, now_);
        _store(grant, documentRoot, batchRoot, issued, grantId, signer, now_);
    }

    /// @dev The `singles` of {grantManyBySig}, their ids written to the head of `grantIds`. The hot loop of
    /// grouped grants: the domain separator is read once, and each request's words are read straight from
    /// the call data.
    function _grantSingles(GrantRequest[] calldata singles, bytes32[] memory grantIds, uint40 now_) private {
        bytes32 separator = _domainSeparatorV4();
        for (uint256 i = 0; i < singles.length;) {
            GrantRequest calldata q;
            uint64 deadline;
            bytes32 r;
            bytes32 vs;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // singles[i] without its bounds check: i < singles.length, and the ABI decoder has checked that
                // every request (ten words, no offsets) lies inside the call data. A deadline word with bits
                // above 64 reverts, as the compiler's own calldata read does.
                q := add(singles.offset, mul(i, 0x140))
                deadline := calldataload(add(q, 0xc0))
                if shr(64, deadline) {
                    revert(0, 0)
                }
                r := calldataload(add(q, 0x100))
                vs := calldataload(add(q, 0x120))
            }
            bytes32 grantId = MessageHashUtils.toTypedDataHash(separator, _grantStructHash(q.grant));
            address signer = _recoverCompact(grantId, deadline, r, vs, now_);
            _store(q.grant, q.documentRoot, bytes32(0), _singleIssued(q.grant.certId), grantId, signer, now_);
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // grantIds[i] = grantId without its bounds check: i < singles.length <= grantIds.length.
                mstore(add(grantIds, shl(5, add(i, 1))), grantId)
            }
            // i < singles.length, the length of a calldata array, far below 2^256 - 1.
            unchecked {
                ++i;
            }
        }
    }

    /// @dev Every check of a grant after its signature, then the write: one worker for every entry point.
    function _store(
        Grant calldata grant,
        bytes32 documentRoot,
        bytes32 batchRoot,
        bool issued,
        bytes32 grantId,
        address signer,
        uint40 now_
    ) private {
        bytes32 certId;
        address grantee;
        uint64 validUntil;
        uint32 maxUses;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Each field read once, at its word in the static struct (the ABI decoder has checked that the
            // struct lies inside the call data); a word with bits above its type reverts, as the compiler's
            // own calldata reads do.
            certId := calldataload(grant)
            grantee := calldataload(add(grant, 0x20))
            validUntil := calldataload(add(grant, 0x60))
            maxUses := calldataload(add(grant, 0x80))
            if or(shr(160, grantee), or(shr(64, validUntil), shr(32, maxUses))) {
                revert(0, 0)
            }
        }
        if (_certIdOf(signer, documentRoot) != certId) revert ConsentSignerNotHolder(certId, signer);
        // The grantId is the digest of every field, nonce included: a replayed signature finds it stored.
        // Storing per-signer nonces as well would cost a third new slot (22,100 gas) and prevent nothing more.
        GrantRecord storage record = _grants[grantId];
        if (record.certId != bytes32(0)) revert ConsentGrantExists(grantId);
        _requireGrantTerms(grantee, validUntil, maxUses, now_);
        if (!issued) revert ConsentCertificateNotIssued(certId, batchRoot);
        record.certId = certId;
        _writeNewTerms(record.terms, grantee, validUntil, maxUses, 0);
        emit GrantCreated(grantId, certId, grantee, grant.purpose, uint40(validUntil), maxUses);
    }

    /// @dev The checks of a grant's own terms, the same whoever signed it.
    function _requireGrantTerms(address grantee, uint64 validUntil, uint32 maxUses, uint40 now_) private pure {
        if (grantee == address(0)) revert ConsentGranteeZero();
        if (maxUses == 0 || maxUses > type(uint24).max) revert ConsentMaxUsesInvalid(maxUses);
        if (validUntil <= now_ || validUntil > type(uint40).max) revert ConsentGrantValidUntilInvalid(validUntil, now_);
    }

    /// @dev GrantTerms(grantee, validUntil, maxUses, 0, flags) written as one word: the compiler's struct
    /// assignment masks each member into the slot in turn (~1,500 gas a grant more, measured).
    function _writeNewTerms(
        GrantTerms storage terms,
        address grantee,
        uint64 validUntil,
        uint32 maxUses,
        uint8 flags
    ) private {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // The compiler packs a struct's members from the low-order end of its slot in declaration order:
            // grantee in bits 0-159, validUntil 160-199, maxUses 200-223, uses 224-247 (zero) and flags
            // 248-255. {_requireGrantTerms} has checked that validUntil fits 40 bits and maxUses 24, and
            // address and uint8 arguments have clean high bits, so no member spills into another.
            sstore(terms.slot, or(or(grantee, shl(248, flags)), or(shl(160, validUntil), shl(200, maxUses))))
        }
    }

    /// @dev The signature of a delegation, then {_storeDelegation}.
    function _delegate(
        Delegation calldata delegation,
        bytes32 documentRoot,
        bytes32 batchRoot,
        bool issued,
        bytes calldata signature
    ) private returns (bytes32 delegationId) {
        uint40 now_ = _time();
        delegationId = _hashTypedDataV4(_delegationStructHash(delegation));
        address signer = _recoverDigest(delegationId, delegation.deadline, signature, now_);
        bytes32 certId = delegation.certId;
        if (_certIdOf(signer, documentRoot) != certId) revert ConsentSignerNotHolder(certId, signer);
        if (!issued) revert ConsentCertificateNotIssued(certId, batchRoot);
        _storeDelegation(delegation, delegationId, signer, now_);
    }

    /// @dev The issuing agency's signature of a delegation, checked as the ledger checks an agency's signed status
    /// change (an acting key of the agency whose key issued the certificate), then {_storeDelegation}.
    /// `issuerKeyId` is the key that issued the certificate, 0 when the ledger has not issued it.
    function _delegateByIssuer(
        Delegation calldata delegation,
        bytes32 batchRoot,
        uint32 issuerKeyId,
        address signer,
        bytes calldata signature
    ) private returns (bytes32 delegationId) {
        uint40 now_ = _time();
        if (now_ > delegation.deadline) revert ConsentSignatureExpired(delegation.deadline, now_);
        delegationId = _hashTypedDataV4(_delegationStructHash(delegation));
        // ECDSA first, as the ledger does: agency keys are usually EOAs, and asking a contract costs more.
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(delegationId, signature);
        if (
            (err != ECDSA.RecoverError.NoError || recovered != signer) &&
            !SignatureChecker.isValidERC1271SignatureNow(signer, delegationId, signature)
        ) revert ConsentIssuerSignatureInvalid(signer);
        (uint32 keyId, uint32 signerAgencyId) = _registry.checkActingKey(signer);
        bytes32 certId = delegation.certId;
        if (issuerKeyId == 0) revert ConsentCertificateNotIssued(certId, batchRoot);
        // Usually the issuing key itself signs: then its agency needs no second read.
        if (issuerKeyId != keyId) {
            uint32 issuerAgencyId = _registry.getKey(issuerKeyId).agencyId;
            if (issuerAgencyId != signerAgencyId)
                revert ConsentSignerNotIssuingAgency(certId, signerAgencyId, issuerAgencyId);
        }
        // The agency does not hold the holder's key, so no holder is compared with the delegate (the zero
        // address is never a delegate): naming the holder would give the holder nothing it lacks.
        _storeDelegation(delegation, delegationId, address(0), now_);
        emit DelegationNamedByIssuer(delegationId, keyId);
    }

    /// @dev Every check of a delegation's terms, then the write.
    function _storeDelegation(
        Delegation calldata delegation,
        bytes32 delegationId,
        address holder,
        uint40 now_
    ) private {
        DelegationRecord storage record = _delegations[delegationId];
        if (record.certId != bytes32(0)) revert ConsentDelegationExists(delegationId);
        address delegate = delegation.delegate;
        if (delegate == address(0)) revert ConsentDelegateZero();
        if (delegate == holder) revert ConsentDelegateIsHolder(delegation.certId, delegate);
        uint64 validUntil = delegation.validUntil;
        if (validUntil <= now_ || validUntil > type(uint40).max)
            revert ConsentDelegationValidUntilInvalid(validUntil, now_);
        record.certId = delegation.certId;
        record.terms = DelegationTerms({
            delegate: delegate,
            validUntil: uint40(validUntil),
            online: delegation.online,
            revoked: false
        });
        emit DelegationCreated(
            delegationId,
            delegation.certId,
            delegate,
            delegation.purpose,
            delegation.verifier,
            delegation.online,
            uint40(validUntil)
        );
    }

    /// @dev Whether the delegation lets `signer` make `grant` now; reverts with the reason when not.
    function _requireDelegateMay(
        Grant calldata grant,
        Delegation calldata delegation,
        bytes32 delegationId,
        address signer,
        uint40 now_
    ) private view {
        DelegationTerms memory terms = _delegations[delegationId].terms;
        if (terms.delegate == address(0)) revert ConsentDelegationUnknown(delegationId);
        if (grant.certId != delegation.certId) revert ConsentDelegationWrongCertificate(delegationId, grant.certId);
        if (signer != terms.delegate) revert ConsentSignerNotDelegate(delegationId, terms.delegate, signer);
        if (terms.revoked) revert ConsentDelegationRevoked(delegationId);
        if (now_ >= terms.validUntil) revert ConsentDelegationExpired(delegationId, terms.validUntil, now_);
        bytes32 purpose = delegation.purpose;
        if (purpose != bytes32(0) && purpose != grant.purpose)
            revert ConsentDelegationPurposeOutOfScope(delegationId, grant.purpose);
        address verifier = delegation.verifier;
        if (verifier != address(0) && verifier != grant.grantee)
            revert ConsentDelegationVerifierOutOfScope(delegationId, grant.grantee);
        // A counter presentation is one use, ended within the hour; anything else is an online share.
        if (!terms.online && (grant.maxUses != 1 || grant.validUntil > uint64(now_) + COUNTER_GRANT_MAX_SECONDS))
            revert ConsentDelegationCounterOnly(delegationId, grant.maxUses, grant.validUntil);
        if (grant.validUntil > terms.validUntil)
            revert ConsentGrantOutlivesDelegation(delegationId, grant.validUntil, terms.validUntil);
    }

    /// @dev `verifier` is the sender, or the signer of a RecordCheck; `use` is 0 for any next use, else the
    /// one the signer named.
    function _recordCheck(bytes32 grantId, address verifier, uint32 use, uint40 now_) private {
        GrantRecord storage record = _grants[grantId];
        GrantTerms storage terms = record.terms;
        address grantee = terms.grantee;
        if (grantee == address(0)) revert ConsentGrantUnknown(grantId);
        if (grantee != verifier) revert ConsentWrongGrantee(grantId, grantee, verifier);
        uint8 flags = terms.flags;
        if (flags & _REVOKED != 0) revert ConsentGrantRevoked(grantId);
        if (now_ >= terms.validUntil) revert ConsentGrantExpired(grantId, terms.validUntil, now_);
        uint24 uses = terms.uses;
        if (uses >= terms.maxUses) revert ConsentGrantUsedUp(grantId, terms.maxUses);
        // uses < maxUses <= type(uint24).max, so uses + 1 fits.
        unchecked {
            ++uses;
        }
        if (use != 0 && use != uses) revert ConsentCheckUseTaken(grantId, use, uses);
        bytes32 certId = record.certId;
        if (flags & _BY_DELEGATE != 0) {
            // A delegate's grant holds only while its delegation does; its expiry the grant's own bounds.
            DelegationRecord storage delegation = _delegations[certId];
            if (delegation.terms.revoked) revert ConsentDelegationRevoked(certId);
            certId = delegation.certId;
        }
        terms.uses = uses;
        emit CheckRecorded(grantId, certId, verifier, uses);
    }

    /// @dev keccak256(abi.encode(holder, documentRoot)), hashed in the scratch words instead of new memory.
    function _certIdOf(address holder, bytes32 documentRoot) private pure returns (bytes32 certId) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // 0x00-0x3f is scratch space; an address argument has clean high bits, as abi.encode writes it.
            mstore(0x00, holder)
            mstore(0x20, documentRoot)
            certId := keccak256(0x00, 0x40)
        }
    }

    /// @dev _ledger.isIssuedSingly(certId) with its call data written in the scratch words (~140 gas a grant
    /// less than the compiler's call).
    function _singleIssued(bytes32 certId) private view returns (bool issued) {
        address ledger_ = address(_ledger);
        bytes4 selector = ICertificateLedger.isIssuedSingly.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // 0x00-0x3f is scratch space: the 36 bytes of call data fit, and the answer lands on them.
            mstore(0x00, selector)
            mstore(0x04, certId)
            if iszero(staticcall(gas(), ledger_, 0x00, 0x24, 0x00, 0x20)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            // An answer that is not an ABI-encoded bool reverts, as the compiler's decoder does.
            if or(lt(returndatasize(), 0x20), gt(mload(0x00), 1)) {
                revert(0, 0)
            }
            issued := mload(0x00)
        }
    }

    function _batchIssued(bytes32 certId, BatchLeaf calldata leaf) private view returns (bool) {
        return
            _ledger.isIssued(
                ICertificateLedger.CertRef(certId, leaf.batchRoot, leaf.validFrom, leaf.validUntil, leaf.proof)
            );
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

    function _delegationStructHash(Delegation calldata d) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    _DELEGATION_TYPEHASH,
                    d.certId,
                    d.delegate,
                    d.purpose,
                    d.verifier,
                    d.online,
                    d.validUntil,
                    d.nonce,
                    d.deadline
                )
            );
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

    /// @dev {_recoverDigest} for an EIP-2098 compact signature, with the `ecrecover` precompile called directly:
    /// the same checks as ECDSA.tryRecover (s in the lower half of the curve order, v 27 or 28, no zero
    /// signer) without its memory copies.
    function _recoverCompact(
        bytes32 digest,
        uint64 deadline,
        bytes32 r,
        bytes32 vs,
        uint40 now_
    ) private view returns (address signer) {
        if (now_ > deadline) revert ConsentSignatureExpired(deadline, now_);
        // EIP-2098: the top bit of vs is v - 27, the rest is s.
        uint256 s = uint256(vs) & _S_MASK;
        if (s > _HALF_ORDER) revert ConsentSignatureInvalid();
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // The precompile's four words go to free memory without moving the pointer (nothing else is
            // allocated before they are read back), its answer to the scratch word at 0, cleared first because
            // the precompile writes nothing for a signature that recovers no key.
            let p := mload(0x40)
            mstore(p, digest)
            mstore(add(p, 0x20), add(shr(255, vs), 27))
            mstore(add(p, 0x40), r)
            mstore(add(p, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        if (signer == address(0)) revert ConsentSignatureInvalid();
    }

    function _requireNotPaused() private view {
        if (_registry.paused()) revert IAuthorityRegistry.RegistryPaused();
    }
}
