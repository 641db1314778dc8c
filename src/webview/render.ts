/**
 * DOM rendering of the decoding panel: header and counters, one cell per masked position coloured by the
 * step that committed it, block boundaries and phases, the per-step timeline of forward kinds, and the
 * replay slider. Everything is rebuilt from the record on each update (a few hundred cells at most).
 */
import type { StepEvent } from '../common/stepEvent';
import { cellsAt, countersAt, type Cell, type DecodeRecord } from './decodeRecord';

/** Localized labels from the host. */
export type Strings = Record<string, string>;

/** Builds an element with classes and text. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
	const node = document.createElement(tag);
	node.className = className;
	if (text !== undefined) {
		node.textContent = text;
	}
	return node;
}

/** Colour of a commit step: a blue → green → yellow ramp over the decode. */
export function stepColor(step: number, lastStep: number): string {
	const t = lastStep <= 1 ? 0 : (step - 1) / (lastStep - 1);
	return `hsl(${Math.round(220 - 170 * t)}, 65%, ${Math.round(38 + 12 * t)}%)`;
}

/** Shows whitespace in a token piece. */
export function visible(text: string): string {
	return text.replace(/ /g, '·').replace(/\t/g, '→').replace(/\n/g, '↵');
}

/** Renders the whole panel into `root`; `onReplay` is called with the step chosen on the slider. */
export function render(root: HTMLElement, record: DecodeRecord | undefined, viewStep: number, strings: Strings, onReplay: (step: number) => void): void {
	root.replaceChildren();
	if (!record) {
		root.append(el('p', 'empty', strings.empty));
		return;
	}
	const total = record.events.length;
	const step = Math.min(viewStep, total);
	root.append(header(record, strings), counters(record, step, strings), regions(record, step, total, strings), timeline(record.events, step, strings, onReplay), replay(record, step, strings, onReplay), legend(strings));
}

function header(record: DecodeRecord, strings: Strings): HTMLElement {
	const state = record.end ? strings[record.end.outcome] : strings.decoding;
	const head = el('header', 'head');
	head.append(el('span', 'label', `${record.begin.source} · ${record.begin.label}`), el('span', `state state-${record.end?.outcome ?? 'live'}`, state));
	if (record.end?.summary) {
		const s = record.end.summary;
		head.append(el('span', 'model', `${s.model} · ${s.decoder} · ${s.executionProvider}${s.truncatedTokens ? ` · −${s.truncatedTokens} ctx` : ''}`));
	}
	return head;
}

function counters(record: DecodeRecord, step: number, strings: Strings): HTMLElement {
	const c = countersAt(record, step);
	const box = el('div', 'counters');
	const items: Array<[string, string]> = [[strings.steps, String(c.steps)], [strings.forwards, String(c.forwards)], [strings.tokens, String(c.tokens)], [strings.tpf, c.tpf.toFixed(2)], [strings.ms, String(Math.round(c.ms))]];
	for (const [name, value] of items) {
		const item = el('div', 'counter');
		item.append(el('span', 'value', value), el('span', 'name', name));
		box.append(item);
	}
	return box;
}

function regions(record: DecodeRecord, step: number, total: number, strings: Strings): HTMLElement {
	const box = el('section', 'regions');
	cellsAt(record, step).forEach((cells, region) => {
		const row = el('div', 'region');
		row.append(el('div', 'region-title', `${strings.region} ${region + 1}`));
		const grid = el('div', 'cells');
		grid.append(...cells.map((cell) => cellElement(cell, step, Math.max(total, 1), strings)));
		row.append(grid);
		box.append(row);
	});
	return box;
}

function cellElement(cell: Cell, current: number, lastStep: number, strings: Strings): HTMLElement {
	const classes = ['cell', cell.phase ? `phase-${cell.phase}` : '', cell.blockStart ? 'block-start' : ''];
	if (cell.step === undefined) {
		const masked = el('span', [...classes, 'masked'].join(' '), ' ');
		masked.title = `${strings.masked} · pos ${cell.position}`;
		return masked;
	}
	classes.push(cell.eos ? 'eos' : '', cell.step === current ? 'current' : '', cell.forced ? 'forced' : '');
	const node = el('span', classes.filter(Boolean).join(' '), cell.eos ? '∅' : visible(cell.text ?? '?'));
	node.style.backgroundColor = stepColor(cell.step, lastStep);
	node.dataset.step = String(cell.step);
	node.title = `${strings.step} ${cell.step} · ${strings.entropy} ${cell.entropy?.toFixed(3)} nats · pos ${cell.position}${cell.forced ? ` · ${strings.forced}` : ''}${cell.eos ? ' · EOS' : ''}`;
	return node;
}

function timeline(events: readonly StepEvent[], step: number, strings: Strings, onReplay: (step: number) => void): HTMLElement {
	const box = el('section', 'timeline');
	box.append(el('div', 'section-title', strings.timeline));
	const bars = el('div', 'bars');
	const most = Math.max(1, ...events.map((e) => e.committed.length));
	for (const e of events) {
		const bar = el('span', `bar kind-${e.forwardKind}${e.step === step ? ' current' : ''}`);
		bar.style.height = `${Math.round(8 + 40 * (e.committed.length / most))}px`;
		bar.title = `${strings.step} ${e.step}: ${e.forwardKind} · window ${e.windowLength} · cache ${e.cacheLength} · +${e.committed.length} · ${e.elapsedMs.toFixed(1)} ms`;
		bar.addEventListener('click', () => onReplay(e.step));
		bars.append(bar);
	}
	box.append(bars);
	return box;
}

function replay(record: DecodeRecord, step: number, strings: Strings, onReplay: (step: number) => void): HTMLElement {
	const box = el('section', 'replay');
	const slider = el('input', 'slider');
	slider.type = 'range';
	slider.min = '1';
	slider.max = String(Math.max(1, record.events.length));
	slider.value = String(Math.max(1, step));
	slider.disabled = !record.end || record.events.length === 0;
	slider.setAttribute('aria-label', strings.replay);
	slider.addEventListener('input', () => onReplay(Number(slider.value)));
	box.append(el('span', 'replay-label', strings.replay), slider, el('span', 'replay-step', `${strings.step} ${step} / ${record.events.length}`));
	return box;
}

function legend(strings: Strings): HTMLElement {
	const box = el('footer', 'legend');
	for (const kind of ['full', 'window', 'refresh', 'none']) {
		box.append(el('span', `swatch kind-${kind}`), el('span', 'legend-text', kind));
	}
	box.append(el('span', 'legend-text', `· ${strings.forced}: `), el('span', 'swatch forced-sample'));
	return box;
}
