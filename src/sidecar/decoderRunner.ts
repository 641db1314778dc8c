/**
 * Runs a decoder of src/core for the sidecar: maps DecodingParams to the core's options, combines the
 * caller's cancellation with the request's deadline, and turns a stop into the right JSON-RPC error.
 */
import type { CancellationToken } from '../common/cancellation';
import type { StepEvent } from '../common/stepEvent';
import { decode, resolveDecodeOptions, validateCanvasInput, type DecodeOptions } from '../core/index';
import type { IDenoiserModel } from '../core/modelPort';
import type { OpeningRule } from '../core/openingTokens';
import type { DecodingParams } from '../protocol/sidecarProtocol';
import { SidecarErrorCodes } from '../protocol/sidecarProtocol';
import type { CanvasLayout } from './contextLayout';
import { SidecarError, invalidRequest } from './errors';

/** What a finished decode produced. */
export interface DecodeOutcome {
	readonly regions: Array<{ tokens: number[]; endedByEos: boolean }>;
	readonly steps: number;
	readonly forwards: number;
	/** Per hole: the tokens it could have opened with, most likely first (src/core/openingTokens.ts). */
	readonly openingCandidates: number[][];
}

/** Hooks of one run. */
export interface RunHooks {
	readonly token: CancellationToken;
	/** `performance.now()` value after which the run stops with a timeout error. */
	readonly deadline: number;
	readonly onStep?: (event: StepEvent, layout?: { regionStarts: number[]; budgets: number[] }) => void;
	/** Ids whose text holds a line break; they end a region when `params.stopAtNewline` is set. */
	readonly lineBreakIds?: readonly number[];
	/** Per hole: what its first token may be (token healing), or null. */
	readonly openings?: readonly (OpeningRule | null)[];
}

/** Decodes `layout` with `params`; throws SidecarError on cancellation or timeout. */
export async function runDecoder(model: IDenoiserModel, layout: CanvasLayout, params: DecodingParams, hooks: RunHooks): Promise<DecodeOutcome> {
	let timedOut = false;
	const token: CancellationToken = {
		get isCancellationRequested(): boolean {
			timedOut ||= performance.now() > hooks.deadline;
			return timedOut || hooks.token.isCancellationRequested;
		},
	};
	const regionStarts = regionStartsOf(layout);
	let first = true;
	const onStep = hooks.onStep && ((event: StepEvent): void => {
		hooks.onStep!(event, first ? { regionStarts, budgets: layout.budgets } : undefined);
		first = false;
	});
	const input = { segments: layout.segments, budgets: layout.budgets };
	const options = { ...checkedOptions(model, input, params, hooks.lineBreakIds ?? []), openings: hooks.openings ?? [] };
	const result = await decode(model, input, options, {
		token,
		onStep,
		clock: () => performance.now(),
	});
	if (result.cancelled) {
		throw timedOut
			? new SidecarError(SidecarErrorCodes.tooLarge, 'the request ran past its time limit and was stopped')
			: new SidecarError(SidecarErrorCodes.cancelled, 'the request was cancelled');
	}
	return { regions: result.regions, steps: result.steps, forwards: result.forwards, openingCandidates: result.openingCandidates };
}

/** The core's options for `params`, with the core's input checks reported as invalid requests. */
function checkedOptions(model: IDenoiserModel, input: { segments: number[][]; budgets: number[] }, params: DecodingParams, lineBreakIds: readonly number[]): DecodeOptions {
	try {
		const options = resolveDecodeOptions(toOptions(params, lineBreakIds));
		validateCanvasInput(input, model.spec);
		return options;
	} catch (e) {
		throw invalidRequest((e as Error).message);
	}
}

function toOptions(params: DecodingParams, lineBreakIds: readonly number[]): DecodeOptions {
	return {
		decoder: params.decoder,
		threshold: params.threshold,
		blockSize: params.blockSize,
		blockAddThreshold: params.blockAddThreshold,
		fullActivationThreshold: params.fullActivationThreshold,
		cacheDelay: params.cacheDelay,
		refreshInterval: params.refreshInterval,
		eosAtLeftmostOnly: params.eosAtLeftmostOnly,
		lengthSlack: params.lengthSlack,
		stopTokenIds: params.stopAtNewline ? lineBreakIds : [],
	};
}

/** Absolute canvas position where each hole starts. */
export function regionStartsOf(layout: CanvasLayout): number[] {
	const starts: number[] = [];
	let position = 0;
	layout.budgets.forEach((budget, i) => {
		position += layout.segments[i].length;
		starts.push(position);
		position += budget;
	});
	return starts;
}
