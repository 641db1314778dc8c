/**
 * Renders `complete/step` events in the terminal (issue: `d3llm complete --trace`): after each step, every
 * hole is printed with its committed pieces. On a TTY each piece is coloured by the step that committed it;
 * otherwise the plain notation of the house style is used: committed text plain, this step's commits in
 * [brackets], masks as `·`.
 */
import type { StepEvent } from '../common/stepEvent';

const palette = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

interface Cell {
	text: string;
	step: number;
	eos: boolean;
}

/** Keeps the cells of every hole and prints them step by step. */
export class TraceRenderer {
	private _regions: Array<Array<Cell | undefined>> = [];

	constructor(
		private readonly _write: (line: string) => void,
		private readonly _colour: boolean,
	) {}

	/** Consumes one step (`layout` arrives with the first). */
	onStep(event: StepEvent, layout?: { regionStarts: readonly number[]; budgets: readonly number[] }): void {
		if (layout) {
			this._regions = layout.budgets.map((b) => new Array<Cell | undefined>(b).fill(undefined));
		}
		for (const c of event.committed) {
			const cells = this._regions[c.region];
			if (cells && c.offset < cells.length) {
				cells[c.offset] = { text: c.eos ? '' : (c.text ?? '?'), step: event.step, eos: c.eos };
			}
		}
		this._write(this._header(event));
		this._regions.forEach((cells, i) => this._write(`  ${this._regions.length > 1 ? `hole ${i + 1}: ` : ''}${this._line(cells, event.step)}`));
	}

	private _header(event: StepEvent): string {
		const kind = event.forwardKind.padEnd(7);
		return `step ${String(event.step).padStart(3)}  ${kind} fed ${String(event.windowLength).padStart(4)}  cached ${String(event.cacheLength).padStart(4)}  +${event.committed.length}`;
	}

	private _line(cells: Array<Cell | undefined>, step: number): string {
		return cells.map((cell) => this._cell(cell, step)).join('');
	}

	private _cell(cell: Cell | undefined, step: number): string {
		if (!cell) {
			return this._colour ? '\x1b[2m·\x1b[0m' : '·';
		}
		if (cell.eos) {
			return '';
		}
		const text = visible(cell.text);
		if (this._colour) {
			const code = palette[(cell.step - 1) % palette.length];
			const bold = cell.step === step ? '1;' : '';
			return `\x1b[${bold}${code}m${text}\x1b[0m`;
		}
		return cell.step === step ? `[${text}]` : text;
	}
}

/** Shows whitespace that would break the one-line rendering. */
export function visible(text: string): string {
	return text.replace(/\n/g, '⏎').replace(/\t/g, '→');
}
