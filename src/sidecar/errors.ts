/**
 * Errors the sidecar reports to its callers. Each carries a JSON-RPC application code from
 * src/protocol/sidecarProtocol.ts so the host (and the CLI) can tell bad input from a broken model.
 */
import { SidecarErrorCodes } from '../protocol/sidecarProtocol';

/** An error with a JSON-RPC code and a message meant for the user. */
export class SidecarError extends Error {
	constructor(
		readonly code: number,
		message: string,
	) {
		super(message);
		this.name = 'SidecarError';
	}
}

/** The model folder or one of its files does not satisfy the contract (docs/model-contract.md). */
export function modelInvalid(message: string): SidecarError {
	return new SidecarError(SidecarErrorCodes.modelInvalid, message);
}

/** The request is malformed. */
export function invalidRequest(message: string): SidecarError {
	return new SidecarError(SidecarErrorCodes.invalidRequest, message);
}

/** The request exceeds a limit. */
export function tooLarge(message: string): SidecarError {
	return new SidecarError(SidecarErrorCodes.tooLarge, message);
}
