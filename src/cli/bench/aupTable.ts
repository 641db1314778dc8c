/**
 * AUP per row label (reference §4, `aup` of src/core): each label's (tokens per forward, accuracy) points —
 * d3llm's threshold sweep, one point for the single-setting decoders (AUP = ρ·y, the first rectangle) — with
 * the best accuracy of any row as y_max. Accuracy is pass@1 when every row has it, exact match otherwise.
 */
import { aup, type AupPoint } from '../../core/index';
import type { BenchRow } from './benchSummary';
import { round } from './benchSummary';

/** The accuracy measure AUP is computed on. */
export type AccuracyMetric = 'passAt1' | 'exactMatch';

/** AUP of one label. */
export interface AupEntry {
	readonly label: string;
	/** Null when the label has no point with tpf > 0. */
	readonly value: number | null;
	readonly points: readonly AupPoint[];
	/** Set when the curve had to be cut (accuracy fell more than 5 points past the smallest TPF). */
	readonly note?: string;
}

/** The AUP table of a run. */
export interface AupTable {
	readonly metric: AccuracyMetric;
	readonly yMax: number;
	readonly entries: readonly AupEntry[];
}

/** pass@1 when every row has it, else exact match. */
export function chooseMetric(rows: readonly BenchRow[]): AccuracyMetric {
	return rows.length > 0 && rows.every((row) => row.passAt1 !== null) ? 'passAt1' : 'exactMatch';
}

/** The accuracy of `row` in percent under `metric`. */
export function accuracyOf(row: BenchRow, metric: AccuracyMetric): number {
	return metric === 'passAt1' ? (row.passAt1 ?? 0) : row.exactMatch;
}

/** AUP of every label of `rows` (labels in first-appearance order). */
export function buildAupTable(rows: readonly BenchRow[], metric: AccuracyMetric = chooseMetric(rows)): AupTable {
	const yMax = Math.max(0, ...rows.map((row) => accuracyOf(row, metric)));
	const labels = [...new Set(rows.map((row) => row.label))];
	const entries = labels.map((label) => {
		const points = rows.filter((row) => row.label === label && row.tpf > 0).map((row) => ({ tpf: row.tpf, accuracy: accuracyOf(row, metric) }));
		return aupEntry(label, points, yMax);
	});
	return { metric, yMax, entries };
}

/** AUP of one label's points; cuts the curve where the reference's 5-point drop assertion would fail. */
export function aupEntry(label: string, points: readonly AupPoint[], yMax: number): AupEntry {
	if (points.length === 0) {
		return { label, value: null, points };
	}
	if (yMax <= 0) {
		return { label, value: 0, points };
	}
	const sorted = [...points].sort((a, b) => a.tpf - b.tpf);
	let kept = sorted.length;
	while (sorted[0].accuracy - sorted[kept - 1].accuracy > 5) {
		kept--;
	}
	const value = round(aup(sorted.slice(0, kept), yMax), 2);
	if (kept === sorted.length) {
		return { label, value, points: sorted };
	}
	const note = `curve cut at TPF ${sorted[kept - 1].tpf}: accuracy falls more than 5 points below the smallest-TPF point beyond it`;
	return { label, value, points: sorted, note };
}

/** `{ label: value }` for the JSON line. */
export function aupRecord(table: AupTable): Record<string, number | null> {
	return Object.fromEntries(table.entries.map((entry) => [entry.label, entry.value]));
}
