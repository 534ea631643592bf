// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title StaticCalls
/// @notice Test-only reader: many view calls answered in one eth_call. The property test reads every view
/// of the ledger and the consent registry after every step of hundreds of sequences; one eth_call per view
/// made the reading most of its time.
contract StaticCalls {
    /// @notice `calls[index]` on its target reverted with `reason`.
    error StaticCallReverted(uint256 index, bytes reason);

    /// @notice Makes `calls[i]` on `targets[i]` with STATICCALL, in order, and returns their answers.
    function read(address[] calldata targets, bytes[] calldata calls) external view returns (bytes[] memory answers) {
        answers = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory answer) = targets[i].staticcall(calls[i]);
            if (!ok) revert StaticCallReverted(i, answer);
            answers[i] = answer;
        }
    }
}
