// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IAuthorityRegistry} from "./interfaces/IAuthorityRegistry.sol";

/// @title AuthorityRegistry
/// @notice Certificate types, accredited agencies and their signing keys. See {IAuthorityRegistry}.
/// @dev The admin is the Ownable2Step owner (two-step transfer). The issuance check, paid on every issue
/// and every batch, reads three slots (pause, key, accreditation): the key record mirrors its agency's
/// active flag and each accreditation mirrors its type's maximum validity and active flag, so the check
/// needs no agency or type read. The admin writes that keep the mirrors current loop over an agency's
/// keys or a type's accredited agencies: a few dozen at most, and rare.
contract AuthorityRegistry is IAuthorityRegistry, Ownable2Step {
    /// @dev One slot: what issuance needs about a type.
    struct TypeState {
        uint40 maxValidity;
        bool active;
    }

    /// @dev One slot, keyed by (agency, type): the accreditation window and the type's issuance terms.
    struct AccreditationState {
        uint40 accreditedFrom;
        uint40 accreditedUntil;
        uint40 maxValidity;
        bool typeActive;
    }

    /// @dev One slot, keyed by the key's address: what issuance needs about a key.
    struct KeyState {
        uint32 keyId;
        uint32 agencyId;
        uint40 validFrom;
        uint40 validUntil;
        bool agencyActive;
    }

    /// @dev One slot: the pauser and the pause flag are read together.
    struct PauseState {
        address pauser;
        bool paused;
    }

    PauseState private _pause;

    uint32 private _typeCount;
    uint32 private _agencyCount;
    uint32 private _keyCount;

    mapping(uint32 typeId => TypeState state) private _typeStates;
    mapping(uint32 typeId => string name) private _typeNames;
    mapping(uint32 typeId => bytes32 schemaHash) private _typeSchemas;

    mapping(uint32 agencyId => Agency agency) private _agencies;
    mapping(uint32 agencyId => uint32[] keyIds) private _agencyKeyIds;
    mapping(uint32 agencyId => mapping(uint32 typeId => AccreditationState)) private _accreditations;
    mapping(uint32 typeId => uint32[] agencyIds) private _typeAgencyIds;

    mapping(address account => KeyState state) private _keyStates;
    mapping(uint32 keyId => address account) private _keyAccounts;

    modifier onlyPauser() {
        if (msg.sender != _pause.pauser) revert RegistryUnauthorizedPauser(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        if (_pause.paused) revert RegistryPaused();
        _;
    }

    constructor(address admin, address initialPauser) Ownable(admin) {
        _pause.pauser = initialPauser;
        emit PauserChanged(address(0), initialPauser);
    }

    // ---------------------------------------------------------------- pause

    /// @inheritdoc IAuthorityRegistry
    function pauser() external view returns (address) {
        return _pause.pauser;
    }

    /// @inheritdoc IAuthorityRegistry
    function setPauser(address newPauser) external onlyOwner {
        address previous = _pause.pauser;
        _pause.pauser = newPauser;
        emit PauserChanged(previous, newPauser);
    }

    /// @inheritdoc IAuthorityRegistry
    function pause() external onlyPauser whenNotPaused {
        _pause.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IAuthorityRegistry
    function unpause() external onlyPauser {
        if (!_pause.paused) revert RegistryNotPaused();
        _pause.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IAuthorityRegistry
    function paused() external view returns (bool) {
        return _pause.paused;
    }

    // ---------------------------------------------------------------- types

    /// @inheritdoc IAuthorityRegistry
    function registerType(
        string calldata name,
        bytes32 schemaHash,
        uint40 maxValidity
    ) external onlyOwner whenNotPaused returns (uint32 typeId) {
        typeId = ++_typeCount;
        if (maxValidity == 0) revert RegistryTypeMaxValidityZero(typeId);
        _typeStates[typeId] = TypeState({maxValidity: maxValidity, active: true});
        _typeNames[typeId] = name;
        _typeSchemas[typeId] = schemaHash;
        emit TypeRegistered(typeId, name, schemaHash, maxValidity);
    }

    /// @inheritdoc IAuthorityRegistry
    function updateType(
        uint32 typeId,
        string calldata name,
        bytes32 schemaHash,
        uint40 maxValidity
    ) external onlyOwner whenNotPaused {
        _requireType(typeId);
        if (maxValidity == 0) revert RegistryTypeMaxValidityZero(typeId);
        _typeStates[typeId].maxValidity = maxValidity;
        _typeNames[typeId] = name;
        _typeSchemas[typeId] = schemaHash;
        uint32[] storage agencyIds = _typeAgencyIds[typeId];
        for (uint256 i = 0; i < agencyIds.length; ++i) {
            _accreditations[agencyIds[i]][typeId].maxValidity = maxValidity;
        }
        emit TypeUpdated(typeId, name, schemaHash, maxValidity);
    }

    /// @inheritdoc IAuthorityRegistry
    function deactivateType(uint32 typeId) external onlyOwner {
        _requireType(typeId);
        if (!_typeStates[typeId].active) revert RegistryTypeInactive(typeId);
        _typeStates[typeId].active = false;
        uint32[] storage agencyIds = _typeAgencyIds[typeId];
        for (uint256 i = 0; i < agencyIds.length; ++i) {
            _accreditations[agencyIds[i]][typeId].typeActive = false;
        }
        emit TypeDeactivated(typeId);
    }

    // ---------------------------------------------------------------- agencies

    /// @inheritdoc IAuthorityRegistry
    function registerAgency(bytes32 nameHash) external onlyOwner whenNotPaused returns (uint32 agencyId) {
        agencyId = ++_agencyCount;
        _agencies[agencyId] = Agency({nameHash: nameHash, active: true});
        emit AgencyRegistered(agencyId, nameHash);
    }

    /// @inheritdoc IAuthorityRegistry
    function deactivateAgency(uint32 agencyId) external onlyOwner {
        _requireActiveAgency(agencyId);
        _agencies[agencyId].active = false;
        uint32[] storage keyIds = _agencyKeyIds[agencyId];
        for (uint256 i = 0; i < keyIds.length; ++i) {
            _keyStates[_keyAccounts[keyIds[i]]].agencyActive = false;
        }
        emit AgencyDeactivated(agencyId);
    }

    /// @inheritdoc IAuthorityRegistry
    function accredit(
        uint32 agencyId,
        uint32 typeId,
        uint40 accreditedFrom,
        uint40 accreditedUntil
    ) external onlyOwner whenNotPaused {
        _requireActiveAgency(agencyId);
        _requireType(typeId);
        if (accreditedFrom >= accreditedUntil) revert RegistryWindowInvalid(accreditedFrom, accreditedUntil);
        AccreditationState storage acc = _accreditations[agencyId][typeId];
        // A first accreditation has an empty window (a set window is never empty: from < until).
        if (acc.accreditedUntil == 0) _typeAgencyIds[typeId].push(agencyId);
        TypeState memory t = _typeStates[typeId];
        _accreditations[agencyId][typeId] = AccreditationState(
            accreditedFrom,
            accreditedUntil,
            t.maxValidity,
            t.active
        );
        emit AccreditationSet(agencyId, typeId, accreditedFrom, accreditedUntil);
    }

    /// @inheritdoc IAuthorityRegistry
    function withdrawAccreditation(uint32 agencyId, uint32 typeId) external onlyOwner {
        AccreditationState storage acc = _accreditations[agencyId][typeId];
        uint40 now_ = _time();
        if (acc.accreditedUntil <= now_) revert RegistryNotAccredited(agencyId, typeId, now_);
        // An accreditation that has not started yet collapses to an empty window at its start.
        uint40 until = now_ < acc.accreditedFrom ? acc.accreditedFrom : now_;
        acc.accreditedUntil = until;
        emit AccreditationSet(agencyId, typeId, acc.accreditedFrom, until);
    }

    // ---------------------------------------------------------------- keys

    /// @inheritdoc IAuthorityRegistry
    function addKey(
        uint32 agencyId,
        address account,
        uint40 validFrom,
        uint40 validUntil
    ) external onlyOwner whenNotPaused returns (uint32 keyId) {
        _requireActiveAgency(agencyId);
        return _addKey(agencyId, account, validFrom, validUntil);
    }

    /// @inheritdoc IAuthorityRegistry
    function rotateKey(
        uint32 oldKeyId,
        address account,
        uint40 validFrom,
        uint40 validUntil
    ) external onlyOwner whenNotPaused returns (uint32 keyId) {
        KeyState storage old = _requireKey(oldKeyId);
        uint32 agencyId = old.agencyId;
        if (!old.agencyActive) revert RegistryAgencyInactive(agencyId);
        keyId = _addKey(agencyId, account, validFrom, validUntil);
        _retire(oldKeyId, old, _time());
    }

    /// @inheritdoc IAuthorityRegistry
    function retireKey(uint32 keyId) external onlyOwner {
        _retire(keyId, _requireKey(keyId), _time());
    }

    /// @inheritdoc IAuthorityRegistry
    function retireKeyAt(uint32 keyId, uint40 at) external onlyOwner {
        _retire(keyId, _requireKey(keyId), at);
    }

    // ---------------------------------------------------------------- checks

    /// @inheritdoc IAuthorityRegistry
    function checkIssuer(address account, uint32 typeId) external view returns (uint32 keyId, uint40 maxValidity) {
        uint40 now_ = _time();
        uint32 agencyId;
        (keyId, agencyId) = _checkActingKey(account, now_);
        AccreditationState memory acc = _accreditations[agencyId][typeId];
        if (now_ < acc.accreditedFrom || now_ >= acc.accreditedUntil) {
            // Only an agency never accredited for the type can be asking about an unknown type.
            if (acc.accreditedUntil == 0) _requireType(typeId);
            revert RegistryNotAccredited(agencyId, typeId, now_);
        }
        if (!acc.typeActive) revert RegistryTypeInactive(typeId);
        maxValidity = acc.maxValidity;
    }

    /// @inheritdoc IAuthorityRegistry
    function checkActingKey(address account) external view returns (uint32 keyId, uint32 agencyId) {
        return _checkActingKey(account, _time());
    }

    /// @inheritdoc IAuthorityRegistry
    function wasAllowedToIssue(uint32 keyId, uint32 typeId, uint40 at) external view returns (bool) {
        KeyState memory k = _keyStates[_keyAccounts[keyId]];
        if (k.keyId == 0 || at < k.validFrom || at >= k.validUntil) return false;
        AccreditationState memory acc = _accreditations[k.agencyId][typeId];
        return at >= acc.accreditedFrom && at < acc.accreditedUntil;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAuthorityRegistry
    function getType(uint32 typeId) external view returns (CertificateType memory) {
        TypeState memory t = _typeStates[typeId];
        return CertificateType(_typeNames[typeId], _typeSchemas[typeId], t.maxValidity, t.active);
    }

    /// @inheritdoc IAuthorityRegistry
    function typeCount() external view returns (uint32) {
        return _typeCount;
    }

    /// @inheritdoc IAuthorityRegistry
    function getAgency(uint32 agencyId) external view returns (Agency memory) {
        return _agencies[agencyId];
    }

    /// @inheritdoc IAuthorityRegistry
    function agencyCount() external view returns (uint32) {
        return _agencyCount;
    }

    /// @inheritdoc IAuthorityRegistry
    function getAccreditation(uint32 agencyId, uint32 typeId) external view returns (Accreditation memory) {
        AccreditationState memory acc = _accreditations[agencyId][typeId];
        return Accreditation(acc.accreditedFrom, acc.accreditedUntil);
    }

    /// @inheritdoc IAuthorityRegistry
    function getKey(uint32 keyId) external view returns (SigningKey memory) {
        address account = _keyAccounts[keyId];
        KeyState memory k = _keyStates[account];
        return SigningKey(account, k.agencyId, k.validFrom, k.validUntil);
    }

    /// @inheritdoc IAuthorityRegistry
    function keyIdOf(address account) external view returns (uint32) {
        return _keyStates[account].keyId;
    }

    /// @inheritdoc IAuthorityRegistry
    function keyCount() external view returns (uint32) {
        return _keyCount;
    }

    // ---------------------------------------------------------------- internals

    /// @dev The current time; tests and forks may override it.
    function _time() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }

    function _checkActingKey(address account, uint40 now_) private view returns (uint32 keyId, uint32 agencyId) {
        if (_pause.paused) revert RegistryPaused();
        KeyState memory k = _keyStates[account];
        keyId = k.keyId;
        if (keyId == 0) revert RegistryAccountNotAKey(account);
        agencyId = k.agencyId;
        if (!k.agencyActive) revert RegistryAgencyInactive(agencyId);
        if (now_ < k.validFrom || now_ >= k.validUntil) {
            revert RegistryKeyOutsideWindow(keyId, k.validFrom, k.validUntil, now_);
        }
    }

    function _addKey(
        uint32 agencyId,
        address account,
        uint40 validFrom,
        uint40 validUntil
    ) private returns (uint32 keyId) {
        if (account == address(0)) revert RegistryKeyZeroAddress();
        uint32 existing = _keyStates[account].keyId;
        if (existing != 0) revert RegistryKeyAlreadyRegistered(account, existing);
        if (validFrom >= validUntil) revert RegistryWindowInvalid(validFrom, validUntil);
        keyId = ++_keyCount;
        _keyStates[account] = KeyState(keyId, agencyId, validFrom, validUntil, true);
        _keyAccounts[keyId] = account;
        _agencyKeyIds[agencyId].push(keyId);
        emit KeyAdded(keyId, agencyId, account, validFrom, validUntil);
    }

    /// @dev Moves the key's end back to `at` (now, a planned time or a past leak time); never forward.
    function _retire(uint32 keyId, KeyState storage k, uint40 at) private {
        if (k.validUntil <= at) revert RegistryKeyOutsideWindow(keyId, k.validFrom, k.validUntil, at);
        // An end before the window opens collapses it to an empty window at its start.
        uint40 until = at < k.validFrom ? k.validFrom : at;
        k.validUntil = until;
        emit KeyRetired(keyId, k.agencyId, until);
    }

    function _requireType(uint32 typeId) private view {
        if (_typeStates[typeId].maxValidity == 0) revert RegistryTypeUnknown(typeId);
    }

    function _requireActiveAgency(uint32 agencyId) private view {
        if (agencyId == 0 || agencyId > _agencyCount) revert RegistryAgencyUnknown(agencyId);
        if (!_agencies[agencyId].active) revert RegistryAgencyInactive(agencyId);
    }

    function _requireKey(uint32 keyId) private view returns (KeyState storage k) {
        k = _keyStates[_keyAccounts[keyId]];
        if (k.keyId == 0) revert RegistryKeyUnknown(keyId);
    }
}
