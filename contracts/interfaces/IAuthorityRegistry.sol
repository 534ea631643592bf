// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IAuthorityRegistry
/// @notice Who may do what: certificate types, issuing agencies accredited per type, and the agencies'
/// signing keys with validity windows. The authority admin (two-step transfer) configures it; the pauser
/// stops writes here, in the CertificateLedger and in the ConsentRegistry, never reads.
/// @dev Windows are half-open: a key or an accreditation covers time t when `from <= t < until`.
/// Withdrawing an accreditation only moves `until` back to now, and retiring a key only moves its `until`
/// back (to now, to a planned time, or to a past leak time), so what was issued inside the window stays
/// valid and nothing can be issued after.
interface IAuthorityRegistry {
    /// @notice A certificate type. `maxValidity` is the longest validFrom..validUntil span, in seconds.
    struct CertificateType {
        string name;
        bytes32 schemaHash;
        uint40 maxValidity;
        bool active;
    }

    /// @notice A signing key of an agency. A key address belongs to at most one agency, forever.
    struct SigningKey {
        address account;
        uint32 agencyId;
        uint40 validFrom;
        uint40 validUntil;
    }

    /// @notice An agency. Deactivation is final: its keys can sign nothing more.
    struct Agency {
        bytes32 nameHash;
        bool active;
    }

    /// @notice An agency's accreditation for one certificate type.
    struct Accreditation {
        uint40 accreditedFrom;
        uint40 accreditedUntil;
    }

    error RegistryUnauthorizedPauser(address account);
    error RegistryPaused();
    error RegistryNotPaused();
    error RegistryTypeUnknown(uint32 typeId);
    error RegistryTypeInactive(uint32 typeId);
    error RegistryTypeMaxValidityZero(uint32 typeId);
    error RegistryAgencyUnknown(uint32 agencyId);
    error RegistryAgencyInactive(uint32 agencyId);
    error RegistryWindowInvalid(uint40 from, uint40 until);
    error RegistryNotAccredited(uint32 agencyId, uint32 typeId, uint40 at);
    error RegistryKeyZeroAddress();
    error RegistryKeyAlreadyRegistered(address account, uint32 keyId);
    error RegistryKeyUnknown(uint32 keyId);
    error RegistryAccountNotAKey(address account);
    error RegistryKeyOutsideWindow(uint32 keyId, uint40 validFrom, uint40 validUntil, uint40 at);

    event PauserChanged(address indexed previousPauser, address indexed newPauser);
    event Paused(address indexed account);
    event Unpaused(address indexed account);
    event TypeRegistered(uint32 indexed typeId, string name, bytes32 schemaHash, uint40 maxValidity);
    event TypeUpdated(uint32 indexed typeId, string name, bytes32 schemaHash, uint40 maxValidity);
    event TypeDeactivated(uint32 indexed typeId);
    event AgencyRegistered(uint32 indexed agencyId, bytes32 nameHash);
    event AgencyDeactivated(uint32 indexed agencyId);
    event AccreditationSet(
        uint32 indexed agencyId,
        uint32 indexed typeId,
        uint40 accreditedFrom,
        uint40 accreditedUntil
    );
    event KeyAdded(
        uint32 indexed keyId,
        uint32 indexed agencyId,
        address indexed account,
        uint40 validFrom,
        uint40 validUntil
    );
    event KeyRetired(uint32 indexed keyId, uint32 indexed agencyId, uint40 validUntil);

    /// @notice The address that may pause and unpause.
    function pauser() external view returns (address);

    /// @notice Sets the pauser. Admin only.
    function setPauser(address newPauser) external;

    /// @notice Stops every write in the registry, the ledger and the consent registry. Pauser only.
    /// @dev The remedies (retire a key, withdraw an accreditation, deactivate a type or an agency) stay
    /// open while paused: they are what the admin reaches for in an emergency.
    function pause() external;

    /// @notice Resumes writes. Pauser only.
    function unpause() external;

    /// @notice True while writes are stopped.
    function paused() external view returns (bool);

    /// @notice Registers a certificate type and returns its id (1, 2, ...). Admin only.
    function registerType(
        string calldata name,
        bytes32 schemaHash,
        uint40 maxValidity
    ) external returns (uint32 typeId);

    /// @notice Replaces a type's name, schema hash and maximum validity. Admin only.
    function updateType(uint32 typeId, string calldata name, bytes32 schemaHash, uint40 maxValidity) external;

    /// @notice Stops new issuance of a type; what was issued stays valid. Admin only.
    function deactivateType(uint32 typeId) external;

    /// @notice Registers an agency and returns its id (1, 2, ...). Admin only.
    function registerAgency(bytes32 nameHash) external returns (uint32 agencyId);

    /// @notice Deactivates an agency for good: none of its keys can issue or change status again. Admin only.
    function deactivateAgency(uint32 agencyId) external;

    /// @notice Sets an agency's accreditation window for a type (replacing any earlier window). Admin only.
    function accredit(uint32 agencyId, uint32 typeId, uint40 accreditedFrom, uint40 accreditedUntil) external;

    /// @notice Ends an accreditation now; certificates issued while accredited stay valid. Admin only.
    function withdrawAccreditation(uint32 agencyId, uint32 typeId) external;

    /// @notice Adds a signing key to an agency and returns its id (1, 2, ...). Admin only.
    function addKey(
        uint32 agencyId,
        address account,
        uint40 validFrom,
        uint40 validUntil
    ) external returns (uint32 keyId);

    /// @notice Adds `account` as a new key of the old key's agency and retires the old key, in one call. Admin only.
    function rotateKey(
        uint32 oldKeyId,
        address account,
        uint40 validFrom,
        uint40 validUntil
    ) external returns (uint32 keyId);

    /// @notice Ends a key's window now (or keeps an earlier end). Admin only.
    function retireKey(uint32 keyId) external;

    /// @notice Ends a key's window at `at`, which may be in the future (a planned rotation: the key signs
    /// until then) or in the past (a leaked key: what it issued from `at` on stops verifying, what it
    /// issued before stays valid). Admin only; open while paused, like every remedy.
    /// @dev Only shortens the window: `at` at or after the current end reverts with
    /// {RegistryKeyOutsideWindow}. An `at` before the window opens collapses it to an empty window at its
    /// start. Emits {KeyRetired} with the new end. `retireKey(keyId)` is `retireKeyAt(keyId, now)`.
    function retireKeyAt(uint32 keyId, uint40 at) external;

    /// @notice The issuing key `account`, checked for issuing `typeId` now: not paused, a key inside its
    /// window, its agency active and accredited for the type, the type active. Reverts otherwise.
    /// @return keyId The key's id.
    /// @return maxValidity The type's maximum validity, in seconds.
    function checkIssuer(address account, uint32 typeId) external view returns (uint32 keyId, uint40 maxValidity);

    /// @notice The key `account`, checked for acting now (not paused, inside its window, agency active).
    /// Reverts otherwise.
    function checkActingKey(address account) external view returns (uint32 keyId, uint32 agencyId);

    /// @notice Whether key `keyId` was allowed to issue type `typeId` at time `at`: inside the key's window
    /// and its agency's accreditation window for the type. Type and agency activity are about new issuance
    /// and do not enter here.
    function wasAllowedToIssue(uint32 keyId, uint32 typeId, uint40 at) external view returns (bool);

    function getType(uint32 typeId) external view returns (CertificateType memory);

    function typeCount() external view returns (uint32);

    function getAgency(uint32 agencyId) external view returns (Agency memory);

    function agencyCount() external view returns (uint32);

    function getAccreditation(uint32 agencyId, uint32 typeId) external view returns (Accreditation memory);

    function getKey(uint32 keyId) external view returns (SigningKey memory);

    /// @notice The key id of `account`, 0 when it is no key.
    function keyIdOf(address account) external view returns (uint32);

    function keyCount() external view returns (uint32);
}
