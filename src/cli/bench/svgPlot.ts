/**
 * A small hand-written SVG of accuracy against tokens per forward: one coloured series per row label
 * (d3llm's threshold sweep as a line, single-setting decoders as single points), axes with ticks, a legend.
 */
import type { AccuracyMetric, AupTable } from './aupTable';

const width = 640;
const height = 400;
const margin = { left: 60, right: 150, top: 30, bottom: 50 };
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** The SVG document for `table` (its points carry the accuracy of `table.metric`). */
export function renderSvgPlot(table: AupTable, title: string): string {
	const xMax = niceCeil(Math.max(1, ...table.entries.flatMap((e) => e.points.map((p) => p.tpf))));
	const yMax = niceCeil(Math.max(10, table.yMax));
	const x = (tpf: number): number => margin.left + (tpf / xMax) * (width - margin.left - margin.right);
	const y = (acc: number): number => height - margin.bottom - (acc / yMax) * (height - margin.top - margin.bottom);
	const parts = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
		`<rect width="${width}" height="${height}" fill="white"/>`,
		`<text x="${margin.left}" y="18" font-size="14">${escapeXml(title)}</text>`,
		...axes(x, y, xMax, yMax, table.metric),
		...table.entries.flatMap((entry, i) => series(entry.points, palette[i % palette.length], x, y)),
		...legend(table, (i) => palette[i % palette.length]),
		'</svg>',
	];
	return `${parts.join('\n')}\n`;
}

function axes(x: (v: number) => number, y: (v: number) => number, xMax: number, yMax: number, metric: AccuracyMetric): string[] {
	const lines: string[] = [];
	const bottom = y(0);
	for (const tick of ticks(xMax)) {
		lines.push(`<line x1="${f(x(tick))}" y1="${f(bottom)}" x2="${f(x(tick))}" y2="${margin.top}" stroke="#eee"/>`);
		lines.push(`<text x="${f(x(tick))}" y="${f(bottom + 16)}" text-anchor="middle">${tick}</text>`);
	}
	for (const tick of ticks(yMax)) {
		lines.push(`<line x1="${margin.left}" y1="${f(y(tick))}" x2="${f(x(xMax))}" y2="${f(y(tick))}" stroke="#eee"/>`);
		lines.push(`<text x="${margin.left - 6}" y="${f(y(tick) + 4)}" text-anchor="end">${tick}</text>`);
	}
	lines.push(`<line x1="${margin.left}" y1="${f(bottom)}" x2="${f(x(xMax))}" y2="${f(bottom)}" stroke="black"/>`);
	lines.push(`<line x1="${margin.left}" y1="${f(bottom)}" x2="${margin.left}" y2="${margin.top}" stroke="black"/>`);
	lines.push(`<text x="${f((margin.left + x(xMax)) / 2)}" y="${height - 12}" text-anchor="middle">tokens per forward</text>`);
	const yTitle = metric === 'passAt1' ? 'pass@1 (%)' : 'exact match (%)';
	lines.push(`<text transform="translate(16 ${f((margin.top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${yTitle}</text>`);
	return lines;
}

function series(points: ReadonlyArray<{ tpf: number; accuracy: number }>, colour: string, x: (v: number) => number, y: (v: number) => number): string[] {
	const shapes: string[] = [];
	if (points.length > 1) {
		const path = points.map((p) => `${f(x(p.tpf))},${f(y(p.accuracy))}`).join(' ');
		shapes.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
	}
	for (const p of points) {
		shapes.push(`<circle cx="${f(x(p.tpf))}" cy="${f(y(p.accuracy))}" r="4" fill="${colour}"><title>TPF ${p.tpf}, ${p.accuracy}%</title></circle>`);
	}
	return shapes;
}

function legend(table: AupTable, colour: (i: number) => string): string[] {
	const left = width - margin.right + 16;
	return table.entries.flatMap((entry, i) => {
		const top = margin.top + 10 + i * 20;
		const aup = entry.value === null ? '' : ` (AUP ${entry.value})`;
		return [
			`<circle cx="${left}" cy="${top}" r="4" fill="${colour(i)}"/>`,
			`<text x="${left + 10}" y="${top + 4}">${escapeXml(entry.label + aup)}</text>`,
		];
	});
}

/** 1, 2 or 5 × 10ᵏ at or above `value`. */
function niceCeil(value: number): number {
	const power = 10 ** Math.floor(Math.log10(value));
	const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
	return step * power;
}

/** Five evenly spaced ticks from 0 to `max`. */
function ticks(max: number): number[] {
	return [0, 1, 2, 3, 4, 5].map((i) => Math.round((i * max * 100) / 5) / 100);
}

function f(value: number): string {
	return value.toFixed(1);
}

/** Escapes text for XML content and attributes. */
export function escapeXml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
