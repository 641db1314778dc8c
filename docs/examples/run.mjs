#!/usr/bin/env node
/**
 * Runs `d3llm complete` on each hand-written example of simple-completions.jsonl (issue 3: "recognisably
 * right completions on simple code") and prints a markdown table: the line around the cursor with the
 * completion's first line in ⟨⟩, the full completion, and whether the first line equals the expected one.
 * The examples were written before the model was evaluated on them and are never used for training/tuning.
 *
 * Usage: node docs/examples/run.mjs [--model DIR] [--decoder NAME] [--threshold T] [--block-size B] [--eos-leftmost]
 *                                   [--stop-at-newline] [--no-token-healing] [--length-slack N] [--max-tokens N]
 *                                   [--file F.jsonl]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', '..', 'bin', 'd3llm.js');
const { values } = parseArgs({
	options: {
		model: { type: 'string' },
		decoder: { type: 'string' },
		threshold: { type: 'string' },
		'block-size': { type: 'string' },
		'eos-leftmost': { type: 'boolean', default: false },
		'stop-at-newline': { type: 'boolean', default: false },
		'no-token-healing': { type: 'boolean', default: false },
		'length-slack': { type: 'string' },
		'max-tokens': { type: 'string', default: '24' },
		file: { type: 'string', default: path.join(here, 'simple-completions.jsonl') },
	},
});

const examples = fs.readFileSync(values.file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-examples-'));
let right = 0;
console.log('| example | line with the completion ⟨first line⟩ | expected | right | tokens / forwards |');
console.log('|---|---|---|:-:|---|');
try {
	for (const example of examples) {
		const result = complete(example);
		const first = result.text.split('\n')[0];
		const ok = first.trim() === example.canonical_solution.trim();
		right += ok ? 1 : 0;
		const line = lastLine(example.prompt) + '⟨' + first + '⟩' + example.suffix.split('\n')[0];
		console.log(`| ${example.task_id.replace(/^Examples\//, '')} | \`${cell(line)}\` | \`${cell(example.canonical_solution)}\` | ${ok ? '✓' : '✗'} | ${result.tokens} / ${result.forwards} |`);
	}
} finally {
	fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(`\n${right} of ${examples.length} first lines exactly as expected (decoder: ${values.decoder ?? "the model's default"}).`);

function complete(example) {
	const prefixFile = path.join(scratch, 'prefix.txt');
	const suffixFile = path.join(scratch, 'suffix.txt');
	fs.writeFileSync(prefixFile, example.prompt);
	fs.writeFileSync(suffixFile, example.suffix);
	const args = [cli, 'complete', '--prefix-file', prefixFile, '--suffix-file', suffixFile, '--max-tokens', values['max-tokens'], '--json'];
	if (values.model) args.push('--model', values.model);
	if (values.decoder) args.push('--decoder', values.decoder);
	if (values.threshold) args.push('--threshold', values.threshold);
	if (values['block-size']) args.push('--block-size', values['block-size']);
	if (values['eos-leftmost']) args.push('--eos-leftmost');
	if (values['stop-at-newline']) args.push('--stop-at-newline');
	if (values['no-token-healing']) args.push('--no-token-healing');
	if (values['length-slack']) args.push('--length-slack', values['length-slack']);
	return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop());
}

function lastLine(text) {
	return text.slice(text.lastIndexOf('\n') + 1);
}

function cell(text) {
	return text.replace(/\|/g, '\\|').replace(/\n/g, '⏎');
}
