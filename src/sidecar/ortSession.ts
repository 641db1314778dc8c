/**
 * Creates the onnxruntime-node session for a model (architecture §6): execution provider `auto` tries cuda,
 * then webgpu, then cpu, each in its own try (onnxruntime throws instead of falling back), and the graph's
 * inputs and outputs are checked against the model contract (docs/model-contract.md).
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider, ExecutionProviderRequest } from '../protocol/sidecarProtocol';
import { modelInvalid } from './errors';
import { firstLine } from '../common/suffixRepeats';

/** A session and how it was obtained. */
export interface OpenedSession {
	readonly session: ort.InferenceSession;
	readonly provider: ExecutionProvider;
	readonly attempts: Array<{ provider: ExecutionProvider; error?: string }>;
}

/** Providers tried for each request, in order. */
export function providerOrder(request: ExecutionProviderRequest): ExecutionProvider[] {
	return request === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [request];
}

/** Opens `onnxPath` on the first provider that works. */
export async function openSession(onnxPath: string, request: ExecutionProviderRequest, threads: number): Promise<OpenedSession> {
	const attempts: Array<{ provider: ExecutionProvider; error?: string }> = [];
	for (const provider of providerOrder(request)) {
		try {
			const session = await ort.InferenceSession.create(onnxPath, sessionOptions(provider, threads));
			attempts.push({ provider });
			return { session, provider, attempts };
		} catch (e) {
			attempts.push({ provider, error: firstLine((e as Error).message).slice(0, 300) });
		}
	}
	const tried = attempts.map((a) => `${a.provider}: ${a.error}`).join('; ');
	throw modelInvalid(`could not open ${onnxPath} with any execution provider (${tried})`);
}

function sessionOptions(provider: ExecutionProvider, threads: number): ort.InferenceSession.SessionOptions {
	const options: ort.InferenceSession.SessionOptions = {
		executionProviders: [provider],
		graphOptimizationLevel: 'all',
		interOpNumThreads: 1,
		executionMode: 'sequential',
	};
	return threads > 0 ? { ...options, intraOpNumThreads: threads } : options;
}

/** The input and output names the contract requires for `numLayers` layers. */
export function contractNames(numLayers: number): { inputs: string[]; outputs: string[] } {
	const layers = [...Array(numLayers).keys()];
	return {
		inputs: ['input_ids', 'position_ids', ...layers.flatMap((i) => [`past_key_${i}`, `past_value_${i}`])],
		outputs: [
			'entropy',
			'token',
			'confidence',
			'topk_ids',
			'topk_probs',
			...layers.flatMap((i) => [`present_key_${i}`, `present_value_${i}`]),
		],
	};
}

/** Throws a `modelInvalid` error naming every missing or unexpected graph input/output. */
export function checkGraphNames(session: ort.InferenceSession, numLayers: number): void {
	const want = contractNames(numLayers);
	const problems = [
		...missingFrom(want.inputs, session.inputNames, 'input'),
		...unexpectedIn(session.inputNames, want.inputs, 'input'),
		...missingFrom(want.outputs, session.outputNames, 'output'),
	];
	if (problems.length > 0) {
		throw modelInvalid(
			`model.onnx does not match the model contract for ${numLayers} layers: ${problems.join(', ')} ` +
				'(see docs/model-contract.md)',
		);
	}
}

function missingFrom(wanted: string[], actual: readonly string[], kind: string): string[] {
	return wanted.filter((n) => !actual.includes(n)).map((n) => `missing ${kind} ${n}`);
}

function unexpectedIn(actual: readonly string[], wanted: string[], kind: string): string[] {
	return actual.filter((n) => !wanted.includes(n)).map((n) => `unexpected ${kind} ${n}`);
}
