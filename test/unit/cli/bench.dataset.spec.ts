import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readTasks } from '../../../src/cli/bench/dataset';
import { UsageError } from '../../../src/cli/usageError';
import { repoRoot } from '../helpers/paths';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'bench', 'tiny-infilling.jsonl');
const shared = path.join(repoRoot, '..', 'shared', 'benchmarks', 'humaneval-infilling', 'HumanEval-SingleLineInfilling.jsonl.gz');

function tempFile(name: string, content: Buffer | string): string {
	const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-bench-')), name);
	fs.writeFileSync(file, content);
	return file;
}

function line(fields: Record<string, unknown>): string {
	return JSON.stringify({ task_id: 't', prompt: 'p', suffix: 's', canonical_solution: 'c', ...fields });
}

function assertUsageError(fn: () => unknown, pattern: RegExp): void {
	assert.throws(fn, (e: unknown) => e instanceof UsageError && pattern.test(e.message));
}

describe('bench dataset reader', () => {
	it('reads plain and gzip JSON Lines in file order, with optional tests and a limit', () => {
		const plain = readTasks(fixture);
		assert.deepEqual(plain.map((t) => t.taskId), ['SingleLineInfilling/fixture/add/L0', 'SingleLineInfilling/fixture/is_even/L0', 'SingleLineInfilling/fixture/greet/L1', 'js/clamp/L1']);
		assert.equal(plain[0].entryPoint, 'add');
		assert.equal(plain[3].test, undefined);
		const gz = tempFile('tasks.jsonl.gz', zlib.gzipSync(fs.readFileSync(fixture)));
		assert.deepEqual(readTasks(gz), plain);
		assert.equal(readTasks(gz, 2).length, 2);
	});

	it('skips blank lines and reads a last line without a newline', () => {
		const file = tempFile('t.jsonl', `\n${line({ task_id: 'a' })}\n\n${line({ task_id: 'b' })}`);
		assert.deepEqual(readTasks(file).map((t) => t.taskId), ['a', 'b']);
	});

	it('reads the shared HumanEval single-line file when it is present', function () {
		if (!fs.existsSync(shared)) {
			this.skip();
		}
		const tasks = readTasks(shared, 5);
		assert.equal(tasks.length, 5);
		assert.equal(tasks[0].taskId, 'SingleLineInfilling/HumanEval/0/L0');
		assert.ok(tasks.every((t) => t.test !== undefined && t.entryPoint !== undefined));
	});

	it('reports bad input with the file, the line number and what is wrong', () => {
		const cases: Array<[string, Buffer | string, RegExp]> = [
			['missing.jsonl', `${line({})}\n${JSON.stringify({ task_id: 'u', prompt: 'p', suffix: 's' })}\n`, /missing\.jsonl:2: missing field "canonical_solution"/],
			['type.jsonl', line({ prompt: 3 }), /type\.jsonl:1: field "prompt" must be a string \(got number\)/],
			['json.jsonl', '{"task_id": ', /json\.jsonl:1: not valid JSON/],
			['array.jsonl', '[1, 2]', /array\.jsonl:1: expected a JSON object/],
			['entry.jsonl', line({ test: 'def check(c): pass' }), /entry\.jsonl:1: field "test" needs "entry_point"/],
			['dup.jsonl', `${line({})}\n${line({})}\n`, /dup\.jsonl:2: duplicate task_id "t"/],
			['utf8.jsonl', Buffer.concat([Buffer.from(`${line({})}\n`), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]), /utf8\.jsonl:2: not valid UTF-8/],
			['bad.jsonl.gz', Buffer.from('not gzip at all'), /bad\.jsonl\.gz: not a gzip file/],
			['cut.jsonl.gz', zlib.gzipSync(Buffer.from(line({}))).subarray(0, 12), /cut\.jsonl\.gz: bad gzip data/],
			['empty.jsonl', '\n\n', /empty\.jsonl: no tasks/],
		];
		for (const [name, content, pattern] of cases) {
			assertUsageError(() => readTasks(tempFile(name, content)), pattern);
		}
		assertUsageError(() => readTasks('/no/such/file.jsonl'), /cannot read \/no\/such\/file\.jsonl: ENOENT/);
	});
});
