/**
 * The panel's model of one decode: what the host sent (begin, layout, steps, end), and pure views of it
 * at any step — the basis of live rendering and of the replay slider. No DOM here.
 */
import type { BlockState, StepEvent } from '../common/stepEvent';
import type { BeginMessage, DecodeOutcome, DecodeSummary, HostToPanelMessage, PanelLayout } from '../protocol/panelProtocol';

/** Everything known about the current decode (also the persisted webview state). */
export interface DecodeRecord {
	readonly begin: BeginMessage;
	layout?: PanelLayout;
	readonly events: StepEvent[];
	end?: { readonly outcome: DecodeOutcome; readonly summary?: DecodeSummary; readonly message?: string };
}

/** One masked position at some step. */
export interface Cell {
	readonly position: number;
	readonly region: number;
	readonly offset: number;
	/** Committed at this step (undefined: still masked). */
	readonly step?: number;
	readonly text?: string;
	readonly entropy?: number;
	readonly forced?: boolean;
	readonly eos?: boolean;
	/** Start of a block, and the block's phase, at the viewed step. */
	readonly blockStart: boolean;
	readonly phase?: BlockState['phase'];
}

/** Counters at a step. */
export interface Counters {
	readonly steps: number;
	readonly forwards: number;
	readonly tokens: number;
	readonly tpf: number;
	readonly ms: number;
}

/** Applies a host message to the record; returns the new record (a `begin` replaces it). */
export function applyMessage(record: DecodeRecord | undefined, message: HostToPanelMessage): DecodeRecord | undefined {
	if (message.type === 'begin') {
		return { begin: message, events: [] };
	}
	if (!record || record.begin.requestId !== message.requestId) {
		return record;
	}
	if (message.type === 'layout') {
		record.layout = message.layout;
	} else if (message.type === 'steps') {
		record.events.push(...message.events);
	} else {
		record.end = { outcome: message.outcome, summary: message.summary, message: message.message };
	}
	return record;
}

/** The cells of every region as of step `upTo` (1-based; events after it are ignored). */
export function cellsAt(record: DecodeRecord, upTo: number): Cell[][] {
	const budgets = record.layout?.budgets ?? record.begin.budgets;
	const starts = record.layout?.regionStarts ?? budgets.map(() => 0);
	const committed = new Map<number, { step: number; text?: string; entropy: number; forced: boolean; eos: boolean }>();
	for (const event of record.events.slice(0, upTo)) {
		for (const c of event.committed) {
			committed.set(c.position, { step: event.step, text: c.text, entropy: c.entropy, forced: c.forced, eos: c.eos });
		}
	}
	const blocks = record.events[Math.min(upTo, record.events.length) - 1]?.blocks ?? [];
	return budgets.map((budget, region) =>
		Array.from({ length: budget }, (_, offset) => {
			const position = starts[region] + offset;
			const block = blocks.find((b) => b.start <= position && position < b.end);
			return { position, region, offset, ...committed.get(position), blockStart: block?.start === position, phase: block?.phase };
		}),
	);
}

/** Counters as of step `upTo`; the final summary's wall time once the decode ended and is fully shown. */
export function countersAt(record: DecodeRecord, upTo: number): Counters {
	const events = record.events.slice(0, upTo);
	const tokens = events.reduce((n, e) => n + e.committed.filter((c) => !c.eos).length, 0);
	const forwards = events[events.length - 1]?.forwards ?? 0;
	const atEnd = record.end?.summary && upTo >= record.events.length;
	const ms = atEnd ? record.end!.summary!.ms : events.reduce((t, e) => t + e.elapsedMs, 0);
	return { steps: events.length, forwards, tokens, tpf: forwards > 0 ? tokens / forwards : 0, ms };
}

/** The text decoded so far in a region (EOS and masks dropped). */
export function regionText(cells: readonly Cell[]): string {
	return cells.map((c) => (c.eos ? '' : (c.text ?? ''))).join('');
}
