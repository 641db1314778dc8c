import * as assert from 'node:assert/strict';
import { buildProgram, runProgram, runPrograms } from '../../../src/cli/bench/passAt1';

const task = {
	taskId: 'fixture/add',
	prompt: 'def add(a, b):\n',
	suffix: '\n',
	canonicalSolution: '    return a + b\n',
	test: 'def check(candidate):\n    assert candidate(2, 3) == 5\n',
	entryPoint: 'add',
};

describe('bench pass@1 runner (python3 subprocess)', function () {
	this.timeout(30000);

	it('builds the HumanEval-Infilling program: prompt + completion + suffix + test + check(entry_point)', () => {
		assert.equal(buildProgram(task, '    return a + b\n'), 'def add(a, b):\n    return a + b\n\n\ndef check(candidate):\n    assert candidate(2, 3) == 5\n\ncheck(add)');
	});

	it('passes a correct completion and fails a wrong one or one that does not parse', async () => {
		assert.equal(await runProgram(buildProgram(task, '    return a + b\n')), 'pass');
		assert.equal(await runProgram(buildProgram(task, '    return a - b\n')), 'fail');
		assert.equal(await runProgram(buildProgram(task, '    return (a +\n')), 'fail');
	});

	it('kills a program that runs past its time limit, with what it started', async () => {
		const started = Date.now();
		assert.equal(await runProgram('while True:\n    pass\n', { timeoutMs: 500, python: 'python3' }), 'timeout');
		const forker = 'import subprocess, sys\nsubprocess.run([sys.executable, "-c", "import time; time.sleep(30)"])\n';
		assert.equal(await runProgram(forker, { timeoutMs: 500, python: 'python3' }), 'timeout');
		assert.ok(Date.now() - started < 5000);
	});

	it('fails (never throws) when the interpreter is missing', async () => {
		assert.equal(await runProgram('print(1)\n', { timeoutMs: 2000, python: '/no/such/python3' }), 'fail');
	});

	it('runs a batch in input order, at most two at a time, each distinct program once', async () => {
		const programs = ['import sys; sys.exit(0)\n', 'import sys; sys.exit(1)\n', 'import sys; sys.exit(0)\n', 'while True: pass\n'];
		let reported = 0;
		const outcomes = await runPrograms(programs, { timeoutMs: 800, python: 'python3', concurrency: 2 }, undefined, (done) => (reported = done));
		assert.deepEqual(outcomes, ['pass', 'fail', 'pass', 'timeout']);
		assert.equal(reported, 4);
	});

	it('never runs more than two programs at once', async () => {
		const sleepers = [1, 2, 3].map((i) => `import time  # ${i}\ntime.sleep(0.6)\n`);
		const started = Date.now();
		assert.deepEqual(await runPrograms(sleepers, { timeoutMs: 5000, python: 'python3', concurrency: 2 }), ['pass', 'pass', 'pass']);
		assert.ok(Date.now() - started >= 1200, 'the third sleeper waits for a free slot');
	});

	it('stops starting programs once asked to stop', async () => {
		let started = 0;
		const outcomes = await runPrograms(['pass\n', 'pass\n', 'x = 1\n'], { timeoutMs: 2000, python: 'python3', concurrency: 1 }, () => started++ >= 1);
		assert.deepEqual(outcomes, ['pass', undefined, undefined]);
	});
});
