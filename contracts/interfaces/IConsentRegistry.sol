// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ICertificateLedger} from "./ICertificateLedger.sol";

/// @title IConsentRegistry
/// @notice Who may check a certificate, and who did. A holder signs an EIP-712 `Grant` (domain
/// "certledger Consent", version "1", this contract, this chain) that anyone relays; the grantee records
/// each check, which uses one of the grant's uses and emits an event the holder reads by certId.
/// @dev The holder is never stored. A grant carries the certificate's documentRoot and the contract
/// checks keccak256(abi.encode(signer, documentRoot)) == certId; a batched certificate's grant also
/// carries its leaf and proof. grantId is the EIP-712 digest of the Grant (the nonce makes it unique)
/// and is stored once: a replayed grant signature finds its id taken, and a replayed revocation finds the
/// grant revoked, so no per-signer nonce needs storing. No event or view carries a holder identity that spans certificates.
///
/// A holder may also sign a `Delegation`: another address (the delegate) may then sign grants for that one
/// certificate, within a scope and until a time, while the delegation is not revoked. A delegate's grant is
/// an ordinary `Grant` signed by the delegate's key and relayed with the delegation's terms; it is stored
/// marked as made by a delegate (see {delegationOf}, {GrantCreatedByDelegate}), and checks under it stop when
/// the delegation is revoked. Only the holder's key proves the holder, so a delegate cannot delegate further.
interface IConsentRegistry {
    /// @notice The signed message: Grant(bytes32 certId,address grantee,bytes32 purpose,uint64 validUntil,
    /// uint32 maxUses,uint256 nonce,uint64 deadline).
    struct Grant {
        bytes32 certId;
        address grantee;
        bytes32 purpose;
        uint64 validUntil;
        uint32 maxUses;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice The signed message: RevokeGrant(bytes32 grantId,uint256 nonce,uint64 deadline).
    struct RevokeGrant {
        bytes32 grantId;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice The signed message: RecordCheck(bytes32 grantId,uint32 use,uint64 deadline), signed by the
    /// grant's grantee (e.g. a one-time share link's key, which has no gas) and relayed by anyone. `use` is the
    /// number this check will be (the grant's uses so far + 1): a signature records one check at most, so no
    /// nonce needs storing.
    struct RecordCheck {
        bytes32 grantId;
        uint32 use;
        uint64 deadline;
    }

    /// @notice One holder-signed grant of {grantManyBySig}, for a single certificate, with its signature in
    /// EIP-2098 compact form (r, yParity and s in one word): every member is fixed-size, so the group's calldata
    /// carries no offsets.
    struct GrantRequest {
        Grant grant;
        bytes32 documentRoot;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice {GrantRequest} for a certificate inside an anchored batch, with its leaf and proof.
    struct BatchGrantRequest {
        Grant grant;
        bytes32 documentRoot;
        BatchLeaf leaf;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice Where a batched certificate sits: its anchored root, its leaf's window and the proof.
    struct BatchLeaf {
        bytes32 batchRoot;
        uint64 validFrom;
        uint64 validUntil;
        bytes32[] proof;
    }

    /// @notice A stored grant.
    struct GrantState {
        bytes32 certId;
        address grantee;
        uint40 validUntil;
        uint32 maxUses;
        uint32 uses;
        bool revoked;
    }

    /// @notice The signed message: Delegation(bytes32 certId,address delegate,bytes32 purpose,address verifier,
    /// bool online,uint64 validUntil,uint256 nonce,uint64 deadline), signed by the certificate's holder.
    /// `purpose` zero lets the delegate grant for any purpose, else only for that purpose hash; `verifier`
    /// zero lets the delegate grant to any grantee, else only to that one. `online` false limits the delegate
    /// to counter presentations: grants of one use that end at most {COUNTER_GRANT_MAX_SECONDS} after they
    /// are stored (what a counter request asks for); true allows online shares as well. The delegationId is
    /// the EIP-712 digest of the message, stored once (a replay finds it taken).
    struct Delegation {
        bytes32 certId;
        address delegate;
        bytes32 purpose;
        address verifier;
        bool online;
        uint64 validUntil;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice The signed message: RevokeDelegation(bytes32 delegationId,uint256 nonce,uint64 deadline), signed
    /// by the holder of the delegation's certificate.
    struct RevokeDelegation {
        bytes32 delegationId;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice A stored delegation (its purpose and verifier scope are in {DelegationCreated} and are relayed
    /// with each of the delegate's grants, bound by the delegationId).
    struct DelegationState {
        bytes32 certId;
        address delegate;
        uint40 validUntil;
        bool online;
        bool revoked;
    }

    /// @notice The answer of {checkVerdict}: Allowed, or why not. DelegationRevoked: the grant was made by a
    /// delegate whose delegation the holder has since revoked.
    enum CheckVerdict {
        Allowed,
        UnknownGrant,
        WrongGrantee,
        Revoked,
        Expired,
        UsedUp,
        DelegationRevoked
    }

    /// @notice The answer of {delegationVerdict}: Active, or why not.
    enum DelegationVerdict {
        Active,
        Unknown,
        Revoked,
        Expired
    }

    error ConsentSignatureExpired(uint64 deadline, uint40 now_);
    error ConsentSignatureInvalid();
    error ConsentSignerNotHolder(bytes32 certId, address signer);
    error ConsentGrantExists(bytes32 grantId);
    error ConsentGranteeZero();
    error ConsentMaxUsesInvalid(uint32 maxUses);
    error ConsentGrantValidUntilInvalid(uint64 validUntil, uint40 now_);
    error ConsentCertificateNotIssued(bytes32 certId, bytes32 batchRoot);
    error ConsentGrantUnknown(bytes32 grantId);
    error ConsentWrongGrantee(bytes32 grantId, address grantee, address caller);
    error ConsentGrantRevoked(bytes32 grantId);
    error ConsentGrantExpired(bytes32 grantId, uint40 validUntil, uint40 now_);
    error ConsentGrantUsedUp(bytes32 grantId, uint32 maxUses);
    error ConsentNothingToRecord();
    error ConsentCheckUseTaken(bytes32 grantId, uint32 use, uint32 next);
    error ConsentNothingToGrant();
    error ConsentDelegateZero();
    error ConsentDelegateIsHolder(bytes32 certId, address delegate);
    error ConsentDelegationExists(bytes32 delegationId);
    error ConsentDelegationValidUntilInvalid(uint64 validUntil, uint40 now_);
    error ConsentDelegationUnknown(bytes32 delegationId);
    error ConsentDelegationRevoked(bytes32 delegationId);
    error ConsentDelegationExpired(bytes32 delegationId, uint40 validUntil, uint40 now_);
    error ConsentSignerNotDelegate(bytes32 delegationId, address delegate, address signer);
    error ConsentDelegationWrongCertificate(bytes32 delegationId, bytes32 certId);
    error ConsentDelegationPurposeOutOfScope(bytes32 delegationId, bytes32 purpose);
    error ConsentDelegationVerifierOutOfScope(bytes32 delegationId, address grantee);
    error ConsentDelegationCounterOnly(bytes32 delegationId, uint32 maxUses, uint64 validUntil);
    error ConsentGrantOutlivesDelegation(bytes32 delegationId, uint64 validUntil, uint40 delegationValidUntil);
    /// @notice An issuer-named delegation whose signature is neither `signer`'s ECDSA signature nor accepted by
    /// an ERC-1271 contract at `signer`.
    error ConsentIssuerSignatureInvalid(address signer);
    /// @notice An issuer-named delegation signed by a key of agency `signerAgencyId` for a certificate issued by
    /// agency `issuerAgencyId` (the ledger's own {ICertificateLedger.LedgerNotIssuingAgency} check).
    error ConsentSignerNotIssuingAgency(bytes32 certId, uint32 signerAgencyId, uint32 issuerAgencyId);

    event GrantCreated(
        bytes32 indexed grantId,
        bytes32 indexed certId,
        address indexed grantee,
        bytes32 purpose,
        uint40 validUntil,
        uint32 maxUses
    );
    event GrantRevoked(bytes32 indexed grantId, bytes32 indexed certId);
    event CheckRecorded(bytes32 indexed grantId, bytes32 indexed certId, address indexed verifier, uint32 use);
    event DelegationCreated(
        bytes32 indexed delegationId,
        bytes32 indexed certId,
        address indexed delegate,
        bytes32 purpose,
        address verifier,
        bool online,
        uint40 validUntil
    );
    event DelegationRevoked(bytes32 indexed delegationId, bytes32 indexed certId);
    /// @notice Emitted right after {GrantCreated} for a grant signed by a delegate.
    event GrantCreatedByDelegate(bytes32 indexed grantId, bytes32 indexed delegationId);
    /// @notice Emitted right after {DelegationCreated} when the certificate's issuing agency named the delegate
    /// (a guardian for a minor) rather than the holder: `keyId` is the agency key that signed.
    event DelegationNamedByIssuer(bytes32 indexed delegationId, uint32 keyId);

    /// @notice The longest a counter-only delegate's grant may last, in seconds from when it is stored.
    function COUNTER_GRANT_MAX_SECONDS() external view returns (uint40);

    /// @notice The ledger whose certificates are granted.
    function ledger() external view returns (ICertificateLedger);

    /// @notice Stores a grant for a single certificate, signed by its holder and relayed by anyone.
    /// Reverts when paused, past the deadline, on a bad signature, a signer that is not the holder
    /// (keccak256(abi.encode(signer, documentRoot)) != certId), a grantId already stored (replay), a zero grantee,
    /// maxUses 0 or above 2^24 - 1, a validUntil not in the future, or a certificate the ledger has not issued.
    /// @return grantId The EIP-712 digest of `grant`.
    function grantBySig(
        Grant calldata grant,
        bytes32 documentRoot,
        bytes calldata signature
    ) external returns (bytes32 grantId);

    /// @notice {grantBySig} for a certificate inside an anchored batch, with its leaf and proof.
    function grantInBatchBySig(
        Grant calldata grant,
        bytes32 documentRoot,
        BatchLeaf calldata leaf,
        bytes calldata signature
    ) external returns (bytes32 grantId);

    /// @notice {grantBySig} and {grantInBatchBySig} for several grants in one transaction, each with its own
    /// holder's signature checked exactly as alone: `singles` for singly issued certificates, `batched` for
    /// certificates inside anchored batches (either may be empty, not both). All or nothing: the first bad
    /// grant reverts with its own error, and a relayer sends the others again (the gateway's relayer splits a
    /// reverted group and sends each grant alone, so each is answered on its own).
    /// @return grantIds The EIP-712 digest of each grant, `singles` first, then `batched`, in order.
    function grantManyBySig(
        GrantRequest[] calldata singles,
        BatchGrantRequest[] calldata batched
    ) external returns (bytes32[] memory grantIds);

    /// @notice Revokes a grant, signed by the holder of its certificate (proved again with documentRoot).
    function revokeGrantBySig(RevokeGrant calldata revocation, bytes32 documentRoot, bytes calldata signature) external;

    /// @notice Stores a delegation for a single certificate, signed by its holder and relayed by anyone.
    /// Reverts when paused, past the deadline, on a bad signature, a signer that is not the holder, a
    /// delegationId already stored (replay), a zero delegate or the holder itself as delegate, a validUntil
    /// not in the future, or a certificate the ledger has not issued.
    /// @return delegationId The EIP-712 digest of `delegation`.
    function delegateBySig(
        Delegation calldata delegation,
        bytes32 documentRoot,
        bytes calldata signature
    ) external returns (bytes32 delegationId);

    /// @notice {delegateBySig} for a certificate inside an anchored batch, with its leaf and proof.
    function delegateInBatchBySig(
        Delegation calldata delegation,
        bytes32 documentRoot,
        BatchLeaf calldata leaf,
        bytes calldata signature
    ) external returns (bytes32 delegationId);

    /// @notice Stores a delegation for a single certificate, signed by a key of the agency that issued it
    /// instead of its holder: an agency names a guardian for a minor's certificate at issuance. The agency
    /// signs the same `Delegation` message a holder signs (so the delegationId, the delegate's grants and the
    /// holder's {revokeDelegationBySig} are those of any delegation); `signer` is checked as the ledger checks
    /// an agency's signed status change: an acting key ({IAuthorityRegistry.checkActingKey}: reverts
    /// {IAuthorityRegistry.RegistryAccountNotAKey} or {IAuthorityRegistry.RegistryKeyOutsideWindow} or
    /// {IAuthorityRegistry.RegistryAgencyInactive}) of the agency whose key issued the certificate
    /// ({ConsentSignerNotIssuingAgency}). Its signature is ECDSA, or else ERC-1271 for a contract key
    /// ({ConsentIssuerSignatureInvalid}). Otherwise reverts as {delegateBySig} does (paused, deadline, replay,
    /// zero delegate, validUntil, not issued). Emits {DelegationCreated} then {DelegationNamedByIssuer}.
    /// @return delegationId The EIP-712 digest of `delegation`.
    function delegateByIssuerSig(
        Delegation calldata delegation,
        address signer,
        bytes calldata signature
    ) external returns (bytes32 delegationId);

    /// @notice {delegateByIssuerSig} for a certificate anchored in a batch: `leaf` proves it.
    function delegateInBatchByIssuerSig(
        Delegation calldata delegation,
        BatchLeaf calldata leaf,
        address signer,
        bytes calldata signature
    ) external returns (bytes32 delegationId);

    /// @notice Revokes a delegation, signed by the holder of its certificate (proved again with documentRoot).
    /// The delegate can make no grant after it, and no check is recorded under the grants it made.
    function revokeDelegationBySig(
        RevokeDelegation calldata revocation,
        bytes32 documentRoot,
        bytes calldata signature
    ) external;

    /// @notice Stores a grant signed by a delegate, relayed with the delegation's terms. Reverts when paused,
    /// past the deadline, on a bad signature; for an unknown delegation, a grant for another certificate, a
    /// signer that is not the delegate, a revoked or expired delegation, a purpose or grantee outside its
    /// scope, an online grant under a counter-only delegation, a grant outliving the delegation; and as
    /// {grantBySig} does for a replayed grant or bad terms. The certificate was proved issued when the
    /// delegation was stored, so no proof is relayed again (a batched certificate's grant needs none).
    /// @return grantId The EIP-712 digest of `grant`.
    function grantByDelegateSig(
        Grant calldata grant,
        Delegation calldata delegation,
        bytes calldata signature
    ) external returns (bytes32 grantId);

    /// @notice Records a check under a grant and uses one use. msg.sender must be the grantee. A grant signed
    /// by a delegate records no check once its delegation is revoked ({ConsentDelegationRevoked}).
    function recordCheck(bytes32 grantId) external;

    /// @notice {recordCheck} for several grants in one transaction. All or nothing.
    function recordChecks(bytes32[] calldata grantIds) external;

    /// @notice {recordCheck} signed by the grantee instead of sent by it, relayed by anyone: uses one use and
    /// emits {CheckRecorded} with the grantee as verifier. Reverts when paused, past the deadline, on a bad
    /// signature, for a signer that is not the grantee, and as {recordCheck} does; with
    /// {ConsentCheckUseTaken} when `use` is not the grant's next use (a replayed or raced signature).
    function recordCheckBySig(RecordCheck calldata check, bytes calldata signature) external;

    /// @notice Whether `verifier` may check under `grantId` now.
    function mayCheck(bytes32 grantId, address verifier) external view returns (bool);

    /// @notice Allowed, or why `verifier` may not check under `grantId` now.
    function checkVerdict(bytes32 grantId, address verifier) external view returns (CheckVerdict);

    function getGrant(bytes32 grantId) external view returns (GrantState memory);

    function getDelegation(bytes32 delegationId) external view returns (DelegationState memory);

    /// @notice Active, or why the delegation cannot be used now.
    function delegationVerdict(bytes32 delegationId) external view returns (DelegationVerdict);

    /// @notice The delegation a grant was made under, zero for a grant signed by the holder.
    function delegationOf(bytes32 grantId) external view returns (bytes32);

    /// @notice The id a delegation will have: its EIP-712 digest under this contract's domain.
    function delegationIdOf(Delegation calldata delegation) external view returns (bytes32);

    /// @notice The id a grant will have: its EIP-712 digest under this contract's domain.
    function grantIdOf(Grant calldata grant) external view returns (bytes32);

    /// @notice The EIP-712 domain separator.
    function domainSeparator() external view returns (bytes32);
}
