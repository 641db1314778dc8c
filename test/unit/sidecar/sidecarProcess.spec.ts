import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { SidecarProcess } from '../../../src/cli/sidecarProcess';
import { SidecarErrorCodes, type CompleteRequest, type CompleteStepNotification } from '../../../src/protocol/sidecarProtocol';
import { readManifest } from '../../../src/sidecar/modelManifest';
import { TextTokenizer } from '../../../src/sidecar/textTokenizer';
import { distFile, fixtureCausalModel, fixtureModel } from '../helpers/paths';

const request = (over: Partial<CompleteRequest.Params> = {}): CompleteRequest.Params => ({
	requestId: 'r1',
	segments: ['def add(a, b):\n    return', '\n\nprint(add(1, 2))\n'],
	regions: [{ maxTokens: 32 }],
	...over,
});

function withCode(code: number, pattern?: RegExp): (e: unknown) => boolean {
	return (e) => e instanceof ResponseError && e.code === code && (!pattern || pattern.test(e.message));
}

/** A copy of the fixture with model.json edited by `edit`. */
function fixtureVariant(edit: (manifest: Record<string, unknown>) => void, drop: string[] = []): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-model-'));
	for (const f of ['model.onnx', 'tokenizer.json', 'model.json'].filter((f) => !drop.includes(f))) {
		fs.copyFileSync(path.join(fixtureModel, f), path.join(dir, f));
	}
	if (!drop.includes('model.json')) {
		const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
		edit(manifest);
		fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(manifest));
	}
	return dir;
}

describe('sidecar process (real onnxruntime, fixture model)', function () {
	this.timeout(30000);
	let sidecar: SidecarProcess;

	beforeEach(() => {
		sidecar = SidecarProcess.start(() => undefined, distFile('sidecar.js'));
	});
	afterEach(() => sidecar.stop());

	it('completes on the fixture and streams one step event per step', async () => {
		const info = await sidecar.load({ modelDir: fixtureModel, executionProvider: 'auto' });
		assert.equal(info.id, 'tiny-random');
		assert.equal(info.executionProvider, 'cpu', 'no GPU here: auto falls back to cpu');
		assert.deepEqual(info.providerAttempts.map((a) => a.provider), ['cuda', 'webgpu', 'cpu']);
		const steps: CompleteStepNotification.Params[] = [];
		const result = await sidecar.complete(request(), (p) => steps.push(p));
		assert.equal(result.steps, steps.length);
		assert.deepEqual(steps.map((s) => s.event.step), steps.map((_, i) => i + 1));
		assert.ok(steps[0].layout, 'the first step carries the layout');
		assert.ok(result.forwards >= 1 && result.tokens <= 32);
		assert.equal(result.executionProvider, 'cpu');
		const committed = steps.flatMap((s) => s.event.committed);
		assert.equal(new Set(committed.map((c) => c.position)).size, committed.length, 'each position committed once');
	});

	it('reports a missing, an incomplete and a mismatched model folder', async () => {
		await assert.rejects(sidecar.load({ modelDir: '/nonexistent/model' }), withCode(SidecarErrorCodes.modelInvalid, /model folder not found/));
		const incomplete = fixtureVariant(() => undefined, ['model.onnx']);
		await assert.rejects(sidecar.load({ modelDir: incomplete }), withCode(SidecarErrorCodes.modelInvalid, /incomplete: missing model.onnx/));
		const wrongLayers = fixtureVariant((m) => (m.numLayers = 3));
		await assert.rejects(sidecar.load({ modelDir: wrongLayers }), withCode(SidecarErrorCodes.modelInvalid, /missing input past_key_2/));
		const notOnnx = fixtureVariant(() => undefined);
		fs.writeFileSync(path.join(notOnnx, 'model.onnx'), 'not a protobuf');
		await assert.rejects(sidecar.load({ modelDir: notOnnx }), withCode(SidecarErrorCodes.modelInvalid, /could not open .*model.onnx with any execution provider/));
		const badJson = fixtureVariant(() => undefined);
		fs.writeFileSync(path.join(badJson, 'model.json'), '{ "id": ');
		await assert.rejects(sidecar.load({ modelDir: badJson }), withCode(SidecarErrorCodes.modelInvalid, /model.json is not valid JSON/));
		const noMask = fixtureVariant((m) => delete (m.specialTokens as Record<string, unknown>).mask);
		await assert.rejects(sidecar.load({ modelDir: noMask }), withCode(SidecarErrorCodes.modelInvalid, /specialTokens.mask must be an integer/));
		const smallVocab = fixtureVariant((m) => (m.vocabSize = 100));
		await assert.rejects(sidecar.load({ modelDir: smallVocab }), withCode(SidecarErrorCodes.modelInvalid, /does not fit the model's 100 embeddings/));
		const badDefaults = fixtureVariant((m) => (m.decoding = { threshold: 'high' }));
		await assert.rejects(sidecar.load({ modelDir: badDefaults }), withCode(SidecarErrorCodes.modelInvalid, /model.json: decoding.threshold must be a number/));
	});

	it('refuses a completion before a model is loaded, and bad input after', async () => {
		await assert.rejects(sidecar.complete(request()), withCode(SidecarErrorCodes.modelNotLoaded));
		await sidecar.load({ modelDir: fixtureModel });
		await assert.rejects(sidecar.complete(request({ segments: ['', ''] })), withCode(SidecarErrorCodes.invalidRequest, /both empty/));
		await assert.rejects(sidecar.complete(request({ regions: [{ maxTokens: 0 }] })), withCode(SidecarErrorCodes.invalidRequest));
	});

	it('cuts a context longer than the model positions and says so', async () => {
		await sidecar.load({ modelDir: fixtureModel });
		const long = 'x = 1\n'.repeat(3000);
		const result = await sidecar.complete(request({ segments: [long, long], regions: [{ maxTokens: 16 }], streamSteps: false }));
		assert.ok(result.truncatedTokens > 0);
	});

	it('stops between steps on cancellation and stays usable', async () => {
		await sidecar.load({ modelDir: fixtureModel });
		const cancel = new CancellationTokenSource();
		const decoding = { decoder: 'ar' as const };
		const pending = sidecar.complete(request({ regions: [{ maxTokens: 64 }], decoding }), () => cancel.cancel(), cancel);
		await assert.rejects(pending, withCode(SidecarErrorCodes.cancelled));
		const again = await sidecar.complete(request({ streamSteps: false }));
		assert.ok(again.forwards >= 1);
	});

	it('cancels an older request for the same document when a newer one arrives', async () => {
		await sidecar.load({ modelDir: fixtureModel });
		const decoding = { decoder: 'ar' as const };
		const older = sidecar.complete(request({ requestId: 'a', documentKey: 'file:///x.py', regions: [{ maxTokens: 128 }], decoding }));
		const newer = sidecar.complete(request({ requestId: 'b', documentKey: 'file:///x.py', streamSteps: false }));
		await assert.rejects(older, withCode(SidecarErrorCodes.cancelled));
		assert.equal((await newer).requestId, 'b');
	});

	it('fails pending requests with an error, not a hang, when the process is killed', async () => {
		await sidecar.load({ modelDir: fixtureModel });
		const pending = sidecar.complete(request({ regions: [{ maxTokens: 256 }], decoding: { decoder: 'ar' } }), () => sidecar.child.kill('SIGKILL'));
		await assert.rejects(pending, /sidecar process exited \(SIGKILL\)/);
	});

	it('re-chooses the token the cursor cuts in the first step, or opens with the spaces it moved, unless told not to', async () => {
		await sidecar.load({ modelDir: fixtureModel, executionProvider: 'cpu' });
		const tokenizer = TextTokenizer.load(path.join(fixtureModel, 'tokenizer.json'), readManifest(path.join(fixtureModel, 'model.json')));
		const healedOpening = async (segments: string[], decoding: CompleteRequest.Params['decoding'] = {}): Promise<string | undefined> => {
			const steps: CompleteStepNotification.Params[] = [];
			const result = await sidecar.complete(request({ segments, decoding, streamSteps: true }), (p) => steps.push(p));
			assert.equal(result.forwards, steps.filter((s) => s.event.forwardKind !== 'none').length, 'no forward beyond the steps');
			const opening = steps[0].event.committed.find((c) => c.offset === 0 && c.entropy === 0);
			return opening && tokenizer.piece(opening.tokenId);
		};
		assert.match((await healedOpening(['const fs = require(', ');\n'])) ?? '', /^\(/);
		assert.equal(await healedOpening(['const fs = require(', ');\n'], { tokenHealing: false }), undefined);
		assert.match((await healedOpening(['const fs = ', ';\n'])) ?? '', /^ /, 'the space moved into the hole opens it');
		assert.equal(await healedOpening(['const fs = ', ';\n'], { tokenHealing: false }), undefined);
	});

	it('shows and returns a healed hole from the cursor: the trace and the text leave out what the caller typed', async () => {
		await sidecar.load({ modelDir: fixtureModel, executionProvider: 'cpu' });
		const tokenizer = TextTokenizer.load(path.join(fixtureModel, 'tokenizer.json'), readManifest(path.join(fixtureModel, 'model.json')));
		const steps: CompleteStepNotification.Params[] = [];
		const result = await sidecar.complete(request({ segments: ['const fs = require(', ');\n'], streamSteps: true }), (p) => steps.push(p));
		const opening = steps[0].event.committed.find((c) => c.offset === 0)!;
		assert.equal('(' + opening.text, tokenizer.piece(opening.tokenId), 'the first cell shows the chosen token past the `(`');
		const cells = steps.flatMap((s) => s.event.committed).filter((c) => !c.eos).sort((a, b) => a.position - b.position);
		const middle = tokenizer.decode(cells.map((c) => c.tokenId));
		assert.ok(middle.startsWith('('), middle);
		assert.equal(result.regions[0].text, middle.slice(1));
	});

	it('returns alternatives that open with other first tokens, distinct from the completion and each other', async () => {
		await sidecar.load({ modelDir: fixtureModel, executionProvider: 'cpu' });
		const tokenizer = TextTokenizer.load(path.join(fixtureModel, 'tokenizer.json'), readManifest(path.join(fixtureModel, 'model.json')));
		const plain = await sidecar.complete(request({ decoding: { tokenHealing: false } }));
		const result = await sidecar.complete(request({ decoding: { tokenHealing: false }, alternatives: 2 }));
		assert.equal(result.regions[0].text, plain.regions[0].text, 'the main completion is the one without alternatives');
		assert.deepEqual([result.tokens, result.forwards], [plain.tokens, plain.forwards], 'the counters describe the main completion');
		assert.equal(result.alternatives?.length, 2, 'the random fixture has several likely first tokens');
		const texts = [result.regions[0].text, ...result.alternatives!];
		assert.equal(new Set(texts).size, 3);
		const first = (text: string): number => tokenizer.encode(text)[0];
		assert.notEqual(first(result.alternatives![0]), first(result.regions[0].text));
		assert.equal(plain.alternatives, undefined, 'none unless asked');
	});

	it('runs the autoregressive twin with the ar decoder only', async () => {
		await sidecar.load({ modelDir: fixtureCausalModel });
		const result = await sidecar.complete(request({ streamSteps: false }));
		assert.equal(result.decoder, 'ar');
		assert.equal(result.forwards, result.steps);
		await assert.rejects(sidecar.complete(request({ decoding: { decoder: 'd3llm' } })), withCode(SidecarErrorCodes.invalidRequest, /autoregressive/));
	});
});
