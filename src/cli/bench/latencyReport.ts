/**
 * Summaries of the latency benchmark: end-to-end p50/p95/mean per decoder row and the mean split of a
 * request into tokenize, onnxruntime forwards, decoder bookkeeping and IPC (the four add up to the mean).
 */
import { configName, type BenchConfig } from './benchConfig';
import { percentile, round } from './benchSummary';

/** One timed request. */
export interface LatencySample {
	readonly e2eMs: number;
	readonly sidecarMs: number;
	readonly tokenizeMs: number;
	readonly forwardMs: number;
	readonly decoderMs: number;
	readonly ipcMs: number;
	readonly tokens: number;
	readonly forwards: number;
	readonly contextTokens: number;
}

/** One decoder row of the latency table (ms unless named otherwise). */
export interface LatencyRow {
	readonly decoder: string;
	readonly threshold: number | null;
	readonly requests: number;
	readonly contextTokensP50: number;
	readonly contextTokensMax: number;
	readonly e2eP50: number;
	readonly e2eP95: number;
	readonly e2eMean: number;
	readonly sidecarP50: number;
	readonly sidecarP95: number;
	readonly tokenizeMean: number;
	readonly forwardMean: number;
	readonly decoderMean: number;
	readonly ipcMean: number;
	readonly ipcP50: number;
	readonly tokensMean: number;
	readonly forwardsMean: number;
	readonly tpf: number;
}

/** What the latency report header shows. */
export interface LatencyHeader {
	readonly model: string;
	readonly executionProvider: string;
	readonly maxTokens: number;
	readonly contextChars: number;
	/** `--decoding` overrides of every request (empty when none). */
	readonly decoding?: Readonly<Record<string, unknown>>;
	readonly interrupted: boolean;
}

/** The row of `config` from its samples. */
export function summarizeLatency(config: BenchConfig, samples: readonly LatencySample[]): LatencyRow {
	const pick = (key: keyof LatencySample): number[] => samples.map((s) => s[key]);
	const tokens = sum(pick('tokens'));
	const forwards = sum(pick('forwards'));
	return {
		decoder: config.decoder,
		threshold: config.threshold ?? null,
		requests: samples.length,
		contextTokensP50: percentile(pick('contextTokens'), 50),
		contextTokensMax: Math.max(0, ...pick('contextTokens')),
		e2eP50: round(percentile(pick('e2eMs'), 50), 2),
		e2eP95: round(percentile(pick('e2eMs'), 95), 2),
		e2eMean: round(mean(pick('e2eMs')), 2),
		sidecarP50: round(percentile(pick('sidecarMs'), 50), 2),
		sidecarP95: round(percentile(pick('sidecarMs'), 95), 2),
		tokenizeMean: round(mean(pick('tokenizeMs')), 2),
		forwardMean: round(mean(pick('forwardMs')), 2),
		decoderMean: round(mean(pick('decoderMs')), 2),
		ipcMean: round(mean(pick('ipcMs')), 2),
		ipcP50: round(percentile(pick('ipcMs'), 50), 2),
		tokensMean: round(tokens / Math.max(1, samples.length), 2),
		forwardsMean: round(forwards / Math.max(1, samples.length), 2),
		tpf: forwards === 0 ? 0 : round(tokens / forwards, 3),
	};
}

/** The report line naming the `--decoding` overrides (none when there are none). */
function decodingLine(decoding: Readonly<Record<string, unknown>> | undefined): string[] {
	return decoding === undefined || Object.keys(decoding).length === 0 ? [] : [`Decoding overrides (\`--decoding\`): \`${JSON.stringify(decoding)}\`.`];
}

/** The markdown table of the latency benchmark. */
export function latencyMarkdown(header: LatencyHeader, rows: readonly LatencyRow[]): string {
	const lines = [
		`# d3llm bench --latency: ${header.model} on ${header.executionProvider}`,
		'',
		`Budget ${header.maxTokens} tokens per hole; contexts up to ${header.contextChars} characters (¾ before the cursor, ¼ after).${header.interrupted ? ' **Interrupted** (Ctrl+C).' : ''}`,
		...decodingLine(header.decoding),
		'',
		'| decoder | requests | context tokens p50 / max | e2e p50 | e2e p95 | e2e mean | = tokenize | + forwards (onnxruntime) | + decoder | + IPC | tokens | forwards | TPF |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
		...rows.map((r) =>
			`| ${configName({ label: r.decoder, decoder: r.decoder as BenchConfig['decoder'], threshold: r.threshold ?? undefined, modelDir: '' })} | ${r.requests} | ${r.contextTokensP50} / ${r.contextTokensMax} | ${r.e2eP50} | ${r.e2eP95} | ${r.e2eMean} | ${r.tokenizeMean} | ${r.forwardMean} | ${r.decoderMean} | ${r.ipcMean} | ${r.tokensMean} | ${r.forwardsMean} | ${r.tpf} |`,
		),
		'',
		'Times in ms. End-to-end (e2e) is the client-side wall clock around the JSON-RPC request to the warm sidecar;',
		'the split is the mean over requests: tokenize (+ detokenize), onnxruntime forwards, decoder bookkeeping (the',
		'rest of the sidecar-side time) and IPC (e2e minus the sidecar-side time: serialisation, transport, event loop).',
		'',
	];
	return lines.join('\n');
}

function mean(values: readonly number[]): number {
	return values.length === 0 ? 0 : sum(values) / values.length;
}

function sum(values: readonly number[]): number {
	return values.reduce((a, b) => a + b, 0);
}
