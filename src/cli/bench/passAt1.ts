/**
 * pass@1 scoring as HumanEval-Infilling defines it: the program `prompt + completion + suffix + "\n" + test +
 * "\n" + check(entry_point)` runs in its own `python3` subprocess with a wall-clock limit, never inside the
 * bench process; it passes when it exits 0. At most `concurrency` programs run at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import type { BenchTask } from './benchTask';

/** What running one program gave. */
export type ProgramOutcome = 'pass' | 'fail' | 'timeout';

/** Options of the runner. */
export interface ProgramRunOptions {
	readonly timeoutMs: number;
	readonly python: string;
}

/** Programs still running; killed if the bench process exits first (their own process group skips Ctrl+C). */
const running = new Set<ChildProcess>();
let exitHooked = false;

/** Reference limits: 3 s per program (benchmark README), `python3` from PATH. */
export const defaultProgramRunOptions: ProgramRunOptions = { timeoutMs: 3000, python: 'python3' };

/** The candidate program of `task` with `completion` in the hole. */
export function buildProgram(task: BenchTask & { test: string; entryPoint: string }, completion: string): string {
	return `${task.prompt}${completion}${task.suffix}\n${task.test}\ncheck(${task.entryPoint})`;
}

/** Runs one Python program (sent on stdin) and classifies its exit. */
export function runProgram(program: string, options: ProgramRunOptions = defaultProgramRunOptions): Promise<ProgramOutcome> {
	return new Promise((resolve) => {
		const child = spawn(options.python, ['-I', '-'], { stdio: ['pipe', 'ignore', 'ignore'], cwd: os.tmpdir(), detached: true });
		track(child);
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup(child);
		}, options.timeoutMs);
		child.once('error', () => {
			clearTimeout(timer);
			resolve('fail');
		});
		child.once('close', (code) => {
			clearTimeout(timer);
			resolve(timedOut ? 'timeout' : code === 0 ? 'pass' : 'fail');
		});
		child.stdin.on('error', () => undefined);
		child.stdin.end(program);
	});
}

/** Remembers `child` until it ends; the first call hooks process exit to kill what still runs. */
function track(child: ChildProcess): void {
	if (!exitHooked) {
		exitHooked = true;
		process.on('exit', () => running.forEach(killGroup));
	}
	running.add(child);
	child.once('exit', () => running.delete(child));
	child.once('error', () => running.delete(child));
}

/**
 * Runs `programs` with at most `concurrency` at a time; the outcomes come back in input order. Identical
 * programs run once. `shouldStop` is checked before each start: programs not started come back undefined.
 */
export async function runPrograms(
	programs: readonly string[],
	options: ProgramRunOptions & { readonly concurrency: number },
	shouldStop: () => boolean = () => false,
	onDone?: (done: number) => void,
): Promise<Array<ProgramOutcome | undefined>> {
	const cache = new Map<string, Promise<ProgramOutcome>>();
	const outcomes: Array<ProgramOutcome | undefined> = new Array(programs.length).fill(undefined);
	let next = 0;
	let done = 0;
	const worker = async (): Promise<void> => {
		while (next < programs.length && !shouldStop()) {
			const index = next++;
			const program = programs[index];
			if (!cache.has(program)) {
				cache.set(program, runProgram(program, options));
			}
			outcomes[index] = await cache.get(program);
			onDone?.(++done);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
	return outcomes;
}

/** Kills the program and anything it started (it leads its own process group). */
function killGroup(child: ChildProcess): void {
	try {
		process.kill(-child.pid!, 'SIGKILL');
	} catch {
		child.kill('SIGKILL');
	}
}
