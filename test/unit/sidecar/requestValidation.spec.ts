import * as assert from 'node:assert/strict';
import { SidecarErrorCodes } from '../../../src/protocol/sidecarProtocol';
import { SidecarError } from '../../../src/sidecar/errors';
import { validateCompleteParams } from '../../../src/sidecar/requestValidation';

const ok = { requestId: 'r1', segments: ['def f(x):\n', ''], regions: [{ maxTokens: 32 }] };

function rejects(params: unknown, code: number, pattern: RegExp): void {
	assert.throws(
		() => validateCompleteParams(params),
		(e: unknown) => e instanceof SidecarError && e.code === code && pattern.test(e.message),
	);
}

describe('validateCompleteParams', () => {
	it('accepts a well-formed request', () => {
		assert.equal(validateCompleteParams(ok).requestId, 'r1');
	});

	it('refuses empty prefix and suffix together', () => {
		rejects({ ...ok, segments: ['', ''] }, SidecarErrorCodes.invalidRequest, /both empty/);
	});

	it('refuses a budget of 0 and one above the limit', () => {
		rejects({ ...ok, regions: [{ maxTokens: 0 }] }, SidecarErrorCodes.invalidRequest, /maxTokens must be an integer ≥ 1/);
		rejects({ ...ok, regions: [{ maxTokens: 100000 }] }, SidecarErrorCodes.tooLarge, /limit is 512/);
	});

	it('refuses segments that do not match the holes', () => {
		rejects({ ...ok, segments: ['a'] }, SidecarErrorCodes.invalidRequest, /2 strings/);
		rejects({ ...ok, segments: ['a', 3] }, SidecarErrorCodes.invalidRequest, /segments\[1\] must be a string/);
	});

	it('takes 0-3 alternatives for a one-hole request only', () => {
		assert.equal(validateCompleteParams({ ...ok, alternatives: 3 }).alternatives, 3);
		rejects({ ...ok, alternatives: 4 }, SidecarErrorCodes.invalidRequest, /alternatives must be an integer in \[0, 3\] \(got 4\)/);
		rejects({ ...ok, alternatives: 1.5 }, SidecarErrorCodes.invalidRequest, /alternatives must be an integer/);
		rejects({ ...ok, alternatives: '2' }, SidecarErrorCodes.invalidRequest, /alternatives must be an integer/);
		const twoHoles = { ...ok, segments: ['a', 'b', 'c'], regions: [{ maxTokens: 4 }, { maxTokens: 4 }] };
		assert.equal(validateCompleteParams({ ...twoHoles, alternatives: 0 }).alternatives, 0);
		rejects({ ...twoHoles, alternatives: 1 }, SidecarErrorCodes.invalidRequest, /alternatives needs a request with one hole \(this one has 2\)/);
	});

	it('refuses bad decoding knobs by name', () => {
		rejects({ ...ok, decoding: { decoder: 'beam' } }, SidecarErrorCodes.invalidRequest, /decoding.decoder/);
		rejects({ ...ok, decoding: { blockSize: 2.5 } }, SidecarErrorCodes.invalidRequest, /decoding.blockSize/);
		rejects({ ...ok, decoding: { threshold: -1 } }, SidecarErrorCodes.invalidRequest, /decoding.threshold/);
		rejects({ ...ok, decoding: { stopAtNewline: 'yes' } }, SidecarErrorCodes.invalidRequest, /decoding.stopAtNewline must be true or false/);
		rejects({ ...ok, decoding: { eosAtLeftmostOnly: 1 } }, SidecarErrorCodes.invalidRequest, /decoding.eosAtLeftmostOnly must be true or false/);
		rejects({ ...ok, decoding: { tokenHealing: 'off' } }, SidecarErrorCodes.invalidRequest, /decoding.tokenHealing must be true or false/);
		rejects({ ...ok, decoding: { lengthSlack: -2 } }, SidecarErrorCodes.invalidRequest, /decoding.lengthSlack must be an integer in \[-1, /);
		rejects({ ...ok, decoding: { lengthSlack: 1.5 } }, SidecarErrorCodes.invalidRequest, /decoding.lengthSlack/);
	});

	it('refuses non-object params and a missing request id', () => {
		rejects(null, SidecarErrorCodes.invalidRequest, /params must be an object/);
		rejects({ ...ok, requestId: '' }, SidecarErrorCodes.invalidRequest, /requestId/);
	});
});
