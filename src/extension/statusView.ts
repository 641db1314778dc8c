/**
 * What the status bar item says, as a pure function of the sidecar status, the toggles and the last
 * request (state word, latency, tokens per forward).
 */
import type { SidecarStatus } from './sidecarClient';

/** Inputs of the status bar. */
export interface StatusViewInput {
	readonly sidecar: SidecarStatus;
	readonly enabled: boolean;
	/** Undefined when no editor is active. */
	readonly language?: { readonly id: string; readonly enabled: boolean };
	readonly last?: { readonly latencyMs: number; readonly tpf: number; readonly tokens: number };
}

/** The state word, also used in the accessibility label (and by the end-to-end tests). */
export type StatusWord = 'idle' | 'starting' | 'loading model' | 'ready' | 'busy' | 'error' | 'disabled' | 'disabled for this language';

/** What the item shows. */
export interface StatusView {
	readonly word: StatusWord;
	readonly text: string;
	readonly label: string;
	readonly tooltipLines: readonly string[];
	readonly severity: 'normal' | 'warning' | 'error';
}

const icons: Record<StatusWord, string> = {
	idle: '$(circle-outline)',
	starting: '$(loading~spin)',
	'loading model': '$(loading~spin)',
	ready: '$(check)',
	busy: '$(sync~spin)',
	error: '$(error)',
	disabled: '$(circle-slash)',
	'disabled for this language': '$(circle-slash)',
};

/** The state word for the inputs; errors win, then the toggles, then the sidecar's state. */
export function statusWord(input: StatusViewInput): StatusWord {
	const state = input.sidecar.state;
	if (state === 'error') {
		return 'error';
	}
	if (!input.enabled) {
		return 'disabled';
	}
	if (input.language && !input.language.enabled) {
		return 'disabled for this language';
	}
	return state === 'stopped' ? 'idle' : state === 'loading' ? 'loading model' : state;
}

/** Builds the item's text, label and tooltip. */
export function statusView(input: StatusViewInput): StatusView {
	const word = statusWord(input);
	const last = input.last;
	const metrics = last && (word === 'ready' || word === 'busy') ? ` ${Math.round(last.latencyMs)} ms · ${last.tpf.toFixed(1)} tok/fwd` : '';
	const model = input.sidecar.modelId ? `${input.sidecar.modelId} on ${input.sidecar.executionProvider ?? '?'}` : undefined;
	const tooltipLines = [
		`d3LLM: ${word}`,
		model && `Model: ${model}${input.sidecar.threads ? `, ${input.sidecar.threads} threads` : ''}`,
		last && `Last request: ${Math.round(last.latencyMs)} ms, ${last.tokens} tokens, ${last.tpf.toFixed(2)} tokens per forward`,
		input.sidecar.message && `Message: ${input.sidecar.message}`,
	].filter((l): l is string => !!l);
	return {
		word,
		text: `${icons[word]} d3LLM${metrics}`,
		label: `d3LLM: ${word}${model ? `, ${model}` : ''}`,
		tooltipLines,
		severity: word === 'error' ? 'error' : word.startsWith('disabled') ? 'warning' : 'normal',
	};
}
