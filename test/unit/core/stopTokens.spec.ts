import * as assert from 'node:assert/strict';
import { decode, type DecodeOptions, type DecoderName, type ForwardRequest, type ForwardResult, type IDenoiserModel } from '../../../src/core/index';
import { tinySpec } from '../helpers/tinySpec';
import type { StepEvent } from '../../../src/common/stepEvent';
import { ScriptedModel } from '../helpers/scriptedModel';

const MASK = tinySpec.maskId;
const EOS = tinySpec.eosId;
const WORD = 7;
const NEWLINE = 9;
const spec = tinySpec;

/**
 * Predicts a scripted token per absolute position (WORD where unscripted). Only a mask whose left neighbour
 * is decoded (or cached, hence decoded) gets a low entropy, so every region decodes one token per forward,
 * left to right, with any decoder — except at `eager` positions, which are always confident. Works with and
 * without the KV cache (it ignores the past rows).
 */
class LineByLineModel implements IDenoiserModel {
	readonly spec = spec;
	constructor(private readonly _script: ReadonlyMap<number, number>, private readonly _eager: ReadonlySet<number> = new Set()) {}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const ids = Array.from(request.inputIds);
		const positions = Array.from(request.positionIds);
		const idAt = new Map(positions.map((p, i) => [p, ids[i]]));
		const n = ids.length;
		const token = Int32Array.from(positions, (p) => this._script.get(p) ?? WORD);
		const entropy = Float32Array.from(positions, (p) => (idAt.get(p - 1) === MASK && !this._eager.has(p) ? 5 : 0.01));
		const kv = [new Float32Array(n * 2)];
		return { entropy, token, confidence: new Float32Array(n).fill(0.9), topkIds: new Int32Array(n * 2), topkProbs: new Float32Array(n * 2), presentKeys: kv, presentValues: kv };
	}
}

describe('stop tokens end a region at its first fully decoded line break (option stopTokenIds)', () => {
	// Region 0 (budget 10) holds a line break at its 6th position; region 1 (budget 4) holds none.
	const prefix = [3, 4, 5];
	const middle = [6];
	const input = { segments: [prefix, middle, [8]], budgets: [10, 4] };
	const region0 = prefix.length;
	const region1 = region0 + 10 + middle.length;
	const stopAt = region0 + 5;
	const script = new Map([[stopAt, NEWLINE]]);

	async function run(decoder: DecoderName, options: DecodeOptions, eager = new Set<number>()): Promise<{ result: Awaited<ReturnType<typeof decode>>; events: StepEvent[] }> {
		const events: StepEvent[] = [];
		const result = await decode(new LineByLineModel(script, eager), input, { decoder, blockSize: 4, ...options }, { onStep: (e) => events.push(e) });
		return { result, events };
	}

	for (const decoder of ['d3llm', 'ar'] as const) {
		for (const useCache of [true, false]) {
			it(`${decoder}${useCache ? '' : ' (no cache)'}: the stopping region ends with the line break, EOS-filled after it, in fewer forwards`, async () => {
				const plain = await run(decoder, { useCache });
				const stopped = await run(decoder, { useCache, stopTokenIds: [NEWLINE] });

				assert.deepEqual(plain.result.regions[0].tokens, [WORD, WORD, WORD, WORD, WORD, NEWLINE, WORD, WORD, WORD, WORD]);
				assert.deepEqual(stopped.result.regions[0], { tokens: [WORD, WORD, WORD, WORD, WORD, NEWLINE], endedByEos: false });
				assert.deepEqual(stopped.result.regions[1], plain.result.regions[1], 'the region without a line break decodes its whole budget');
				assert.deepEqual(stopped.result.regions[1].tokens, [WORD, WORD, WORD, WORD]);
				assert.deepEqual(stopped.result.canvas.slice(stopAt + 1, region0 + 10), [EOS, EOS, EOS, EOS]);
				assert.ok(stopped.result.forwards < plain.result.forwards, `${stopped.result.forwards} < ${plain.result.forwards}`);

				const committed = stopped.events.flatMap((e) => e.committed);
				const filled = committed.filter((c) => c.filled).map((c) => c.position);
				assert.deepEqual(filled, [stopAt + 1, stopAt + 2, stopAt + 3, stopAt + 4], 'the fill is reported as filled commits');
				assert.equal(committed.filter((c) => !c.filled).length, 6 + 4, 'generated tokens: up to the line break plus region 1');
				assert.equal(new Set(committed.map((c) => c.position)).size, committed.length, 'every position committed once');
				assert.equal(stopped.events.at(-1)!.masksLeft, 0);
			});
		}
	}

	it('d3llm: the regions decode in parallel, so the decode ends when the longer region does', async () => {
		const plain = await run('d3llm', {});
		const stopped = await run('d3llm', { stopTokenIds: [NEWLINE] });
		assert.equal(plain.result.forwards, 10);
		assert.equal(stopped.result.forwards, 6);
		assert.deepEqual(stopped.result.canvas.slice(region1, region1 + 4), [WORD, WORD, WORD, WORD]);
	});

	it('ar: one token per forward over both regions', async () => {
		const plain = await run('ar', {});
		const stopped = await run('ar', { stopTokenIds: [NEWLINE] });
		assert.equal(plain.result.forwards, 14);
		assert.equal(stopped.result.forwards, 6 + 4);
	});

	it('d3llm: a line break decoded before the positions left of it does not end the region until they are decoded', async () => {
		const { result, events } = await run('d3llm', { stopTokenIds: [NEWLINE] }, new Set([stopAt]));
		const stepOf = (position: number) => events.find((e) => e.committed.some((c) => c.position === position))!.step;
		const fillStep = events.find((e) => e.committed.some((c) => c.filled))!.step;
		assert.ok(stepOf(stopAt) < stepOf(stopAt - 1), 'the line break came first');
		assert.ok(fillStep > stepOf(stopAt - 1), 'the fill waited for the prefix');
		assert.deepEqual(result.regions[0].tokens, [WORD, WORD, WORD, WORD, WORD, NEWLINE]);
	});

	it('rejects stop ids that are not non-negative integers', async () => {
		await assert.rejects(run('d3llm', { stopTokenIds: [-1] }), /stopTokenIds must be an array of integers ≥ 0/);
	});

	for (const decoder of ['d3llm', 'ar'] as const) {
		for (const logitShift of [false, true]) {
			it(`${decoder}, logitShift ${logitShift}: with stop tokens the cache (checked row by row) still matches a cache-less decode`, async () => {
				const canvas = { segments: [[2, 3], [4, 5], [6, 5]], budgets: [13, 13] };
				const options: DecodeOptions = { decoder, blockSize: 4, threshold: 0.6, cacheDelay: 1, stopTokenIds: [3, 8] };
				const commits = async (useCache: boolean): Promise<string[]> => {
					const events: StepEvent[] = [];
					await decode(new ScriptedModel({ seed: 11, logitShift, eosRate: 0 }), canvas, { ...options, useCache }, { onStep: (e) => events.push(e) });
					return events.map((e) => e.committed.map((c) => `${c.position}=${c.tokenId}${c.filled ? 'f' : ''}`).join(' '));
				};
				const cached = await commits(true);
				assert.deepEqual(cached, await commits(false));
				assert.ok(cached.join(' ').includes('f'), 'a region stopped at a stop token (the model never proposes EOS)');
			});
		}
	}
});
