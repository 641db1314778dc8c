import * as assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc/node';
import { buildConfigs } from '../../../src/cli/bench/benchConfig';
import { parseBenchOptions } from '../../../src/cli/bench/benchOptions';
import { reportJson, reportMarkdown, type BenchReport } from '../../../src/cli/bench/benchReport';
import { runBench, taskParams } from '../../../src/cli/bench/benchRunner';
import { overrideRejection, type DecodingOverrides } from '../../../src/cli/bench/decodingOverrides';
import { buildAupTable } from '../../../src/cli/bench/aupTable';
import { UsageError } from '../../../src/cli/usageError';
import { SidecarErrorCodes } from '../../../src/protocol/sidecarProtocol';
import { RecordingBackend, rawOptions, runnerOptions, singleLineTasks } from './benchFakes';

describe('bench --decoding', () => {
	it('parses a JSON object of decoding knobs', () => {
		const options = parseBenchOptions(rawOptions({ decoding: '{"eosAtLeftmostOnly":true,"blockSize":8,"cacheDelay":1}' }));
		assert.deepEqual(options.decoding, { eosAtLeftmostOnly: true, blockSize: 8, cacheDelay: 1 });
		assert.equal(parseBenchOptions(rawOptions({})).decoding, undefined);
	});

	it('rejects anything but an object of known keys with a usage error naming --decoding', () => {
		const cases: Array<[string, RegExp]> = [
			['{blockSize: 8}', /^--decoding is not valid JSON: /],
			['', /^--decoding is not valid JSON: /],
			['[1]', /^--decoding must be a JSON object .*\(got \[1\]\)/],
			['null', /^--decoding must be a JSON object/],
			['8', /^--decoding must be a JSON object/],
			['{"decoder":"ar"}', /^--decoding cannot set "decoder": each row sets it/],
			['{"blockSize":8,"threshold":0.5}', /^--decoding cannot set "threshold"/],
			['{"blocksize":8}', /^--decoding: unknown key "blocksize" \(use blockSize, blockAddThreshold, fullActivationThreshold, cacheDelay, refreshInterval, eosAtLeftmostOnly, lengthSlack, stopAtNewline, tokenHealing\)/],
		];
		for (const [json, pattern] of cases) {
			assert.throws(() => parseBenchOptions(rawOptions({ decoding: json })), (e: unknown) => e instanceof UsageError && pattern.test(e.message), json);
		}
		assert.throws(() => parseBenchOptions(rawOptions({ latency: true, samples: 'x.jsonl' })), /--samples belongs to the quality benchmark/);
		assert.deepEqual(parseBenchOptions(rawOptions({ latency: true, decoding: '{"stopAtNewline":true}' })).decoding, { stopAtNewline: true });
	});

	it('sends the overrides with every request, the row\'s decoder and threshold winning', () => {
		const overrides = { blockSize: 8, cacheDelay: 1, decoder: 'vanilla', threshold: 9 } as DecodingOverrides;
		const [d3llm, ar] = buildConfigs(['d3llm', 'ar'], [0.3], '/main', undefined, overrides);
		assert.deepEqual(taskParams(d3llm, singleLineTasks[0], 48).decoding, { blockSize: 8, cacheDelay: 1, decoder: 'd3llm', threshold: 0.3 });
		assert.equal(taskParams(ar, singleLineTasks[0], 48).decoding?.decoder, 'ar');
		assert.deepEqual(taskParams(buildConfigs(['d3llm'], [0.3], '/main')[0], singleLineTasks[0], 48).decoding, { decoder: 'd3llm', threshold: 0.3 });
	});

	it('applies them to the main model\'s rows only, not to the AR twin', async () => {
		const backend = new RecordingBackend();
		const configs = buildConfigs(['vanilla', 'd3llm'], [0.5], '/main', '/twin', { eosAtLeftmostOnly: true });
		await runBench(backend, configs, singleLineTasks, runnerOptions());
		const decodings = backend.requests.map((r) => `${r.modelDir} ${JSON.stringify(r.params.decoding)}`);
		assert.deepEqual(decodings, [
			'/main {"eosAtLeftmostOnly":true,"decoder":"vanilla"}',
			'/main {"eosAtLeftmostOnly":true,"decoder":"d3llm","threshold":0.5}',
			'/main {"eosAtLeftmostOnly":true,"decoder":"vanilla"}',
			'/main {"eosAtLeftmostOnly":true,"decoder":"d3llm","threshold":0.5}',
			'/twin {"decoder":"ar"}',
			'/twin {"decoder":"ar"}',
		]);
	});

	it('rewords the sidecar\'s rejection of an overridden value to name --decoding', () => {
		const rejection = (message: string, code = SidecarErrorCodes.invalidRequest): ResponseError<void> => new ResponseError(code, message);
		const blockSize = rejection('decoding.blockSize must be an integer in [1, 512] (got 0)');
		const reworded = overrideRejection(blockSize, { blockSize: 0 });
		assert.ok(reworded instanceof UsageError);
		assert.equal(reworded.message, '--decoding: blockSize must be an integer in [1, 512] (got 0)');
		assert.equal(overrideRejection(blockSize, undefined), undefined, 'no overrides: the error is not about --decoding');
		assert.equal(overrideRejection(rejection('decoding.threshold must be a number in [0, 100] (got 500)'), { blockSize: 8 }), undefined);
		assert.equal(overrideRejection(rejection('decoding.blockSize must be …', SidecarErrorCodes.internal), { blockSize: 0 }), undefined);
		assert.equal(overrideRejection(new Error('decoding.blockSize must be …'), { blockSize: 0 }), undefined);
	});

	it('records the overrides in the JSON line and the markdown header', () => {
		const report: BenchReport = { model: 'tiny', dataFile: '/d/x.jsonl', tasks: 2, defaultThreshold: 0.5, maxTokens: 48, cut: 'line', executionProvider: 'cpu', rows: [], aup: buildAupTable([]), interrupted: false };
		assert.deepEqual(JSON.parse(reportJson(report)).decoding, {});
		assert.doesNotMatch(reportMarkdown(report), /decoding overrides/);
		const overridden = { ...report, decoding: { blockSize: 8, eosAtLeftmostOnly: true } };
		assert.deepEqual(JSON.parse(reportJson(overridden)).decoding, { blockSize: 8, eosAtLeftmostOnly: true });
		assert.match(reportMarkdown(overridden), /\n- decoding overrides \(main model's rows; the ar-twin row keeps its model\.json defaults\): `\{"blockSize":8,"eosAtLeftmostOnly":true\}`\n/);
	});
});
