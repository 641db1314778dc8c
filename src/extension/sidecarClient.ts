/**
 * Lifecycle of the sidecar process (architecture §6): lazy start with `child_process.fork` and JSON-RPC
 * over Node IPC, model loading, status, crash → one report and a restart with backoff, and a clean stop.
 * No `vscode` import: the host wires logging and notifications in, and unit tests fork a fake sidecar.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import { Emitter, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { CompleteRequest, CompleteStepNotification, ModelLoadRequest, SidecarStatusNotification, type ModelInfoRequest } from '../protocol/sidecarProtocol';
import { RestartBackoff } from './backoff';
import type { CancelTimer, Clock } from './clock';
import type { CompleteTransport } from './decodeRouter';

/** The client's view of the sidecar: the sidecar's own states plus `stopped` (not started yet or stopped). */
export type SidecarState = SidecarStatusNotification.State | 'stopped';

/** Status shown in the status bar. */
export interface SidecarStatus extends Omit<SidecarStatusNotification.Params, 'state'> {
	readonly state: SidecarState;
}

/** Where log lines go (a LogOutputChannel in the extension). */
export interface SidecarLogger {
	info(message: string): void;
	warn(message: string): void;
	error(message: string): void;
}

/** What the client is built from. */
export interface SidecarClientOptions {
	/** The sidecar script (dist/sidecar.js). */
	readonly sidecarPath: string;
	/** Parameters of `model/load`, read at every start (restart settings). */
	readonly loadParams: () => ModelLoadRequest.Params;
	readonly log: SidecarLogger;
	readonly clock: Clock;
	/** Called once per streak of crashes, with whether a restart follows. */
	readonly onCrash?: (message: string, willRestart: boolean) => void;
	readonly backoff?: RestartBackoff;
	/** Grace period for a stop before SIGKILL. */
	readonly stopGraceMs?: number;
}

/** A started sidecar process and its connection. */
interface Running {
	readonly child: ChildProcess;
	readonly connection: MessageConnection;
	readonly startedAt: number;
	readonly ready: Promise<MessageConnection>;
	readonly exited: Promise<void>;
	stopping: boolean;
}

/** The sidecar client; `complete` starts the sidecar on first use. */
export class SidecarClient implements CompleteTransport {
	private readonly _onDidChangeStatus = new Emitter<SidecarStatus>();
	private readonly _onDidStep = new Emitter<CompleteStepNotification.Params>();
	private readonly _backoff: RestartBackoff;
	private _running: Running | undefined;
	private _restartTimer: CancelTimer | undefined;
	private _status: SidecarStatus = { state: 'stopped' };
	private _reportedCrash = false;
	private _disposed = false;
	/** The model the sidecar reported at its last load. */
	modelInfo: ModelInfoRequest.Result | undefined;

	readonly onDidChangeStatus = this._onDidChangeStatus.event;
	readonly onDidStep = this._onDidStep.event;

	constructor(private readonly _options: SidecarClientOptions) {
		this._backoff = _options.backoff ?? new RestartBackoff();
	}

	get status(): SidecarStatus {
		return this._status;
	}

	/** Process id of the running sidecar (for tests and the log). */
	get pid(): number | undefined {
		return this._running?.child.pid;
	}

	/** Starts the sidecar if needed and resolves once the model is loaded. */
	start(): Promise<MessageConnection> {
		if (this._disposed) {
			return Promise.reject(new Error('the sidecar client is disposed'));
		}
		this._restartTimer?.();
		this._running ??= this._spawn();
		return this._running.ready;
	}

	/** Sends `complete`; a cancelled `token` becomes `$/cancelRequest`. */
	async complete(params: CompleteRequest.Params, token: CancellationToken): Promise<CompleteRequest.Result> {
		const connection = await this.start();
		const result = await connection.sendRequest<CompleteRequest.Result>(CompleteRequest.method, params, token);
		this._reportedCrash = false;
		return result;
	}

	/** Stops the sidecar (if running) and starts it again; forgets past crashes. */
	async restart(): Promise<void> {
		this._backoff.reset();
		this._reportedCrash = false;
		await this.stop();
		await this.start();
	}

	/** Stops the sidecar: closes the connection, SIGTERM, then SIGKILL after the grace period. */
	async stop(): Promise<void> {
		this._restartTimer?.();
		const running = this._running;
		if (!running) {
			return;
		}
		running.stopping = true;
		this._running = undefined;
		running.connection.dispose();
		running.child.kill('SIGTERM');
		const kill = this._options.clock.schedule(() => running.child.kill('SIGKILL'), this._options.stopGraceMs ?? 2000);
		await running.exited;
		kill();
		this._setStatus({ state: 'stopped' });
	}

	/** Stops everything; nothing is left running afterwards. */
	async dispose(): Promise<void> {
		this._disposed = true;
		await this.stop();
		this._onDidChangeStatus.dispose();
		this._onDidStep.dispose();
	}

	private _spawn(): Running {
		this._setStatus({ state: 'starting' });
		const child = fork(this._options.sidecarPath, [], {
			execPath: process.execPath,
			execArgv: [],
			stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
			env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
		});
		this._pipeLogs(child);
		const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
		connection.onNotification(SidecarStatusNotification.method, (p: SidecarStatusNotification.Params) => this._setStatus(p));
		connection.onNotification(CompleteStepNotification.method, (p: CompleteStepNotification.Params) => this._onDidStep.fire(p));
		connection.listen();
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		const running: Running = { child, connection, startedAt: this._options.clock.now(), ready: this._load(connection), exited, stopping: false };
		running.ready.catch(() => undefined);
		child.once('exit', (code, signal) => this._onExit(running, code, signal));
		child.once('error', (error) => this._options.log.error(`sidecar process error: ${error.message}`));
		this._options.log.info(`sidecar started (pid ${child.pid}): ${this._options.sidecarPath}`);
		return running;
	}

	private async _load(connection: MessageConnection): Promise<MessageConnection> {
		const params = this._options.loadParams();
		this._options.log.info(`loading model ${params.modelDir} (provider ${params.executionProvider ?? 'auto'}, threads ${params.threads ?? 0})`);
		try {
			const info = await connection.sendRequest<ModelLoadRequest.Result>(ModelLoadRequest.method, params);
			this.modelInfo = info;
			this._options.log.info(`model ${info.id} loaded on ${info.executionProvider} in ${Math.round(info.loadMs)} ms`);
			return connection;
		} catch (error) {
			const message = (error as Error).message ?? String(error);
			this._options.log.error(`model load failed: ${message}`);
			this._setStatus({ state: 'error', message });
			throw error;
		}
	}

	private _pipeLogs(child: ChildProcess): void {
		const pipe = (stream: NodeJS.ReadableStream | null, write: (line: string) => void): void => {
			if (stream) {
				readline.createInterface({ input: stream }).on('line', (line) => write(`[sidecar] ${line}`));
			}
		};
		pipe(child.stdout, (line) => this._options.log.info(line));
		pipe(child.stderr, (line) => this._options.log.warn(line));
	}

	private _onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
		running.connection.dispose();
		if (running.stopping || this._disposed) {
			this._options.log.info(`sidecar stopped (code ${code}, signal ${signal})`);
			return;
		}
		if (this._running === running) {
			this._running = undefined;
		}
		const message = `sidecar exited unexpectedly (code ${code}, signal ${signal})`;
		const delay = this._backoff.onCrash(this._options.clock.now() - running.startedAt);
		this._options.log.error(delay === undefined ? `${message}; giving up after ${this._backoff.crashes - 1} restarts` : `${message}; restarting in ${delay} ms`);
		this._setStatus({ state: 'error', message });
		if (!this._reportedCrash || delay === undefined) {
			this._reportedCrash = true;
			this._options.onCrash?.(message, delay !== undefined);
		}
		if (delay !== undefined) {
			this._restartTimer = this._options.clock.schedule(() => void this.start().catch(() => undefined), delay);
		}
	}

	private _setStatus(status: SidecarStatus): void {
		this._status = status;
		this._onDidChangeStatus.fire(status);
	}
}
