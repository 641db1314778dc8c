/**
 * The outputs of `d3llm bench`: the one-line JSON (`--json`) and the markdown report (`--out`) with the
 * results table, the AUP table and a link to the SVG plot written next to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { aupRecord, type AupTable } from './aupTable';
import type { BenchRow } from './benchSummary';
import type { DecodingOverrides } from './decodingOverrides';
import { renderSvgPlot } from './svgPlot';

/** Everything a report shows. */
export interface BenchReport {
	readonly model: string;
	readonly dataFile: string;
	/** Tasks read from the data file (after --limit). */
	readonly tasks: number;
	readonly defaultThreshold: number;
	readonly maxTokens: number;
	readonly cut: string;
	/** `--decoding` overrides of the main model's rows (absent when none were given). */
	readonly decoding?: DecodingOverrides;
	readonly executionProvider: string;
	readonly rows: readonly BenchRow[];
	readonly aup: AupTable;
	/** True when Ctrl+C stopped the run: rows hold only what finished. */
	readonly interrupted: boolean;
	/** The command line that produced the report, for reproducing it. */
	readonly command?: string;
}

/** The `--json` line (without the newline). */
export function reportJson(report: BenchReport): string {
	return JSON.stringify({
		model: report.model,
		tasks: report.tasks,
		defaultThreshold: report.defaultThreshold,
		results: report.rows,
		aup: aupRecord(report.aup),
		aupMetric: report.aup.metric,
		yMax: report.aup.yMax,
		interrupted: report.interrupted,
		decoding: report.decoding ?? {},
	});
}

/** Writes the markdown to `outFile` and the plot to the same name with `.svg`; returns the SVG path. */
export function writeReport(report: BenchReport, outFile: string): string {
	const svgFile = svgPathFor(outFile);
	fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
	fs.writeFileSync(svgFile, renderSvgPlot(report.aup, `${report.model} on ${path.basename(report.dataFile)} (${report.tasks} tasks)`));
	fs.writeFileSync(outFile, reportMarkdown(report, path.basename(svgFile)));
	return svgFile;
}

/** `report.md` → `report.svg` (a name without `.md` gets `.svg` appended). */
export function svgPathFor(outFile: string): string {
	return outFile.endsWith('.md') ? `${outFile.slice(0, -3)}.svg` : `${outFile}.svg`;
}

/** The markdown report; `svgName` is the plot's file name relative to the report (no plot line without it). */
export function reportMarkdown(report: BenchReport, svgName?: string): string {
	return [
		`# d3llm bench: ${report.model} on ${path.basename(report.dataFile)}`,
		'',
		...settingsLines(report),
		'',
		'## Results',
		'',
		...resultsTable(report.rows),
		'',
		'## AUP',
		'',
		...aupLines(report.aup),
		'',
		...(svgName === undefined ? [] : [`![${metricName(report.aup.metric)} against tokens per forward](${svgName})`, '']),
		...definitionLines(),
		'',
	].join('\n');
}

function settingsLines(report: BenchReport): string[] {
	const lines = [
		`- data: \`${report.dataFile}\`, ${report.tasks} tasks, in file order`,
		`- model: \`${report.model}\` on ${report.executionProvider}; default d3llm threshold τ = ${report.defaultThreshold}`,
		`- budget: ${report.maxTokens} tokens per hole; cut: ${report.cut}`,
	];
	if (report.decoding !== undefined && Object.keys(report.decoding).length > 0) {
		lines.push(`- decoding overrides (main model's rows; the ar-twin row keeps its model.json defaults): \`${JSON.stringify(report.decoding)}\``);
	}
	if (report.command !== undefined) {
		lines.push(`- command: \`${report.command}\``);
	}
	if (report.interrupted) {
		lines.push('- **interrupted** (Ctrl+C): the rows hold only the tasks that finished');
	}
	return lines;
}

function resultsTable(rows: readonly BenchRow[]): string[] {
	const header = '| decoder | model | τ | tasks | exact match % | edit sim. % | pass@1 % | TPF | forwards/task | tokens/task | p50 ms | p95 ms | tokens/s | speed-up vs ar |';
	const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
	const ar = rows.find((r) => r.label === 'ar');
	const body = rows.map((r) =>
		`| ${r.label} | ${r.model} | ${r.threshold ?? '–'} | ${r.tasks} | ${r.exactMatch} | ${r.editSimilarity} | ${r.passAt1 ?? '–'} | ${r.tpf} | ${r.forwards} | ${r.tokens} | ${r.msP50} | ${r.msP95} | ${r.tokensPerSecond} | ${speedUp(ar, r)} |`,
	);
	return [header, rule, ...body];
}

/** Mean-time ratio ar ÷ row, from tokens per second over the same tasks (– without an ar row). */
function speedUp(ar: BenchRow | undefined, row: BenchRow): string {
	if (ar === undefined || ar.tokens === 0 || row.tokens === 0 || row.tokensPerSecond === 0) {
		return '–';
	}
	const arMsPerTask = (1000 * ar.tokens) / ar.tokensPerSecond;
	const rowMsPerTask = (1000 * row.tokens) / row.tokensPerSecond;
	return `${(arMsPerTask / rowMsPerTask).toFixed(2)}×`;
}

function aupLines(table: AupTable): string[] {
	const lines = [
		`Accuracy: ${metricName(table.metric)}; y_max = ${table.yMax} (the best row); α = 3.`,
		'',
		'| decoder | AUP | points (TPF, accuracy) |',
		'|---|---:|---|',
		...table.entries.map((e) => `| ${e.label} | ${e.value ?? '–'} | ${e.points.map((p) => `(${p.tpf}, ${p.accuracy})`).join(' ')} |`),
	];
	const notes = table.entries.filter((e) => e.note !== undefined).map((e) => `- ${e.label}: ${e.note}`);
	return notes.length > 0 ? [...lines, '', ...notes] : lines;
}

function definitionLines(): string[] {
	return [
		'Definitions: exact match compares the (cut) completion with `canonical_solution` after removing each line\'s',
		'trailing whitespace and trailing blank lines; edit similarity is 1 − Levenshtein ÷ longer length on the same texts;',
		'pass@1 runs `prompt + completion + suffix + test + check(entry_point)` in `python3` (3 s limit). TPF = Σ tokens',
		'decoded before EOS ÷ Σ forwards; ms is the client-side wall clock around each request through the warm sidecar.',
		'Speed-up vs ar is the mean time per task of the ar row on the same model ÷ that of the row.',
		'AUP follows reference §4 (first rectangle ρ₁·y₁ plus a weighted trapezoid); a single point gives ρ·y.',
	];
}

function metricName(metric: AupTable['metric']): string {
	return metric === 'passAt1' ? 'pass@1' : 'exact match';
}
