/**
 * The extension host ↔ decoding panel (webview) contract: discriminated unions carried by `postMessage`.
 * The webview posts `ready` first; the host buffers everything until then and coalesces step events
 * (at most one `steps` message per animation frame). Only plain data crosses.
 */
import type { StepEvent } from '../common/stepEvent';

/** What started a decode: inline ghost text, a Fill in the Middle command or a multi-cursor fill. */
export type DecodeSource = 'inline' | 'fillInMiddle' | 'fillAllSelections';

/** Canvas layout of a decode: where each mask region starts and how many positions it has. */
export interface PanelLayout {
	readonly regionStarts: readonly number[];
	readonly budgets: readonly number[];
}

/** Final numbers of a decode (a subset of the `complete` result). */
export interface DecodeSummary {
	readonly tokens: number;
	readonly steps: number;
	readonly forwards: number;
	readonly tpf: number;
	readonly ms: number;
	readonly decoder: string;
	readonly model: string;
	readonly executionProvider: string;
	readonly truncatedTokens: number;
}

/** How a decode ended. */
export type DecodeOutcome = 'done' | 'cancelled' | 'error';

/** Host → panel: a new decode began; the panel clears and shows it. */
export interface BeginMessage {
	readonly type: 'begin';
	readonly requestId: string;
	readonly source: DecodeSource;
	/** Short description, e.g. the file name and line. */
	readonly label: string;
	/** Per-region token budgets as requested (the layout arrives with step 1). */
	readonly budgets: readonly number[];
}

/** Host → panel: the canvas layout of `requestId`, sent once with the first step. */
export interface LayoutMessage {
	readonly type: 'layout';
	readonly requestId: string;
	readonly layout: PanelLayout;
}

/** Host → panel: one or more denoising steps of `requestId`, in order (coalesced per frame). */
export interface StepsMessage {
	readonly type: 'steps';
	readonly requestId: string;
	readonly events: readonly StepEvent[];
}

/** Host → panel: the decode `requestId` ended; the replay slider becomes available. */
export interface EndMessage {
	readonly type: 'end';
	readonly requestId: string;
	readonly outcome: DecodeOutcome;
	readonly summary?: DecodeSummary;
	readonly message?: string;
}

/** Every message the host posts to the panel. */
export type HostToPanelMessage = BeginMessage | LayoutMessage | StepsMessage | EndMessage;

/** Panel → host: the script is loaded and listening; the host flushes its buffer. */
export interface ReadyMessage {
	readonly type: 'ready';
}

/** Every message the panel posts to the host. */
export type PanelToHostMessage = ReadyMessage;

/** Narrows an unknown `postMessage` payload from the panel. */
export function isPanelToHostMessage(value: unknown): value is PanelToHostMessage {
	return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'ready';
}
