/**
 * KV parity on the real fixture through onnxruntime (issue: engine "KV parity"): a windowed forward against
 * a freshly computed cache of the known text gives the same entropy (≤ 1e-4) and token as a full forward, for
 * one and two mask regions, with and without the Dream logit shift.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Canvas, ForwardRunner, KvCache, planForward, type ModelSpec } from '../../../src/core/index';
import { readManifest } from '../../../src/sidecar/modelManifest';
import { OrtDenoiser } from '../../../src/sidecar/ortDenoiser';
import { fixtureModel } from '../helpers/paths';

const manifest = readManifest(path.join(fixtureModel, 'model.json'));

function specOf(logitShift: boolean): ModelSpec {
	const m = manifest;
	return {
		numLayers: m.numLayers, numKvHeads: m.numKvHeads, headDim: m.headDim, vocabSize: m.vocabSize,
		maxPositions: m.maxPositions, topK: m.topK, logitShift, causal: false,
		maskId: m.specialTokens.mask, eosId: m.specialTokens.eos, padId: m.specialTokens.pad,
	};
}

const ids = (seed: number, n: number): number[] => Array.from({ length: n }, (_, i) => 6 + ((seed * 131 + i * 37) % 500));
const layouts = {
	'k = 1': { segments: [ids(1, 30), ids(2, 12)], budgets: [16] },
	'k = 2': { segments: [ids(3, 20), ids(4, 9), ids(5, 14)], budgets: [12, 8] },
};

describe('KV parity on the fixture (windowed vs full forward)', function () {
	this.timeout(20000);
	let session: ort.InferenceSession;

	before(async () => {
		session = await ort.InferenceSession.create(path.join(fixtureModel, 'model.onnx'), { executionProviders: ['cpu'] });
	});
	after(async () => session.release());

	for (const [name, input] of Object.entries(layouts)) {
		for (const logitShift of [false, true]) {
			it(`${name}, logitShift ${logitShift}`, async () => {
				const model = new OrtDenoiser(session, specOf(logitShift));
				const canvas = Canvas.create(input, model.spec.maskId, model.spec.eosId);
				canvas.tokens[canvas.regions[0].start + 2] = 77; // a committed token inside a hole stays in the window
				const runner = new ForwardRunner(model, canvas, new KvCache(model.spec, canvas.length), () => 0, false);
				const feedsPredecessor = (p: number): boolean => logitShift && p + 1 < canvas.length && canvas.isMask(p + 1);
				const cacheable = (p: number): boolean => canvas.isKnown(p) && !feedsPredecessor(p);
				const full = await runner.run(planForward(canvas.length, runner.cache, { kind: 'full', desired: cacheable }));
				const cached = runner.cache.length;
				const windowed = await runner.run(planForward(canvas.length, runner.cache, { kind: 'window', desired: () => false }));
				assert.equal(windowed.cacheLength, cached);
				assert.ok(cached > 0 && cached < canvas.length - 10, 'the window attends to a real cache');
				let worst = 0;
				for (let p = 0; p < canvas.length; p++) {
					if (!canvas.isMask(p)) {
						continue;
					}
					assert.ok(windowed.predictions.has(p), `window predicts mask position ${p}`);
					worst = Math.max(worst, Math.abs(full.predictions.entropy[p] - windowed.predictions.entropy[p]));
					assert.equal(windowed.predictions.token[p], full.predictions.token[p], `token at ${p}`);
				}
				assert.ok(worst <= 1e-4, `max entropy diff ${worst}`);
			});
		}
	}
});
