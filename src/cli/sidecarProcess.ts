/**
 * Starts the real sidecar process for the CLI (the same path the extension uses, architecture §2) and
 * speaks JSON-RPC to it over Node IPC. If the process dies mid-request, pending requests fail with an
 * error that says so, instead of hanging.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
	CancellationTokenSource,
	IPCMessageReader,
	IPCMessageWriter,
	ResponseError,
	createMessageConnection,
	type MessageConnection,
} from 'vscode-jsonrpc/node';
import { CompleteRequest, CompleteStepNotification, ModelLoadRequest } from '../protocol/sidecarProtocol';

/** A running sidecar and its connection. */
export class SidecarProcess {
	private _exitError: Error | undefined;
	private readonly _exited: Promise<never>;

	private constructor(
		readonly child: ChildProcess,
		readonly connection: MessageConnection,
	) {
		this._exited = new Promise<never>((_, reject) => {
			child.once('exit', (code, signal) => {
				this._exitError = new Error(`the sidecar process exited (${signal ?? `code ${code}`}) before answering`);
				reject(this._exitError);
				connection.dispose();
			});
		});
		this._exited.catch(() => undefined);
	}

	/**
	 * Forks the sidecar (default: `sidecar.js` next to this bundle); sidecar logs go to `onLog`. `detached` puts
	 * it in its own process group, so a terminal's Ctrl+C reaches only the CLI, which then stops it cleanly
	 * (the sidecar exits when its parent disconnects).
	 */
	static start(onLog: (text: string) => void, script = path.join(__dirname, 'sidecar.js'), options: { detached?: boolean } = {}): SidecarProcess {
		const child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: options.detached === true });
		child.stdout?.on('data', (d: Buffer) => onLog(d.toString()));
		child.stderr?.on('data', (d: Buffer) => onLog(d.toString()));
		const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
		connection.listen();
		return new SidecarProcess(child, connection);
	}

	/** Loads a model folder. */
	load(params: ModelLoadRequest.Params): Promise<ModelLoadRequest.Result> {
		return this._request(ModelLoadRequest.method, params);
	}

	/** Runs one completion, streaming steps to `onStep`. */
	complete(
		params: CompleteRequest.Params,
		onStep?: (p: CompleteStepNotification.Params) => void,
		cancel?: CancellationTokenSource,
	): Promise<CompleteRequest.Result> {
		const subscription = onStep ? this.connection.onNotification(CompleteStepNotification.method, onStep) : undefined;
		return this._request<CompleteRequest.Result>(CompleteRequest.method, params, cancel).finally(() => subscription?.dispose());
	}

	/** Ends the process. */
	stop(): void {
		this.connection.dispose();
		if (this.child.exitCode === null) {
			this.child.kill();
		}
	}

	private _request<R>(method: string, params: unknown, cancel?: CancellationTokenSource): Promise<R> {
		if (this._exitError) {
			return Promise.reject(this._exitError);
		}
		// vscode-jsonrpc treats a trailing `undefined` as a second parameter, so pass the token only when there is one.
		const request = cancel ? this.connection.sendRequest<R>(method, params, cancel.token) : this.connection.sendRequest<R>(method, params);
		return Promise.race([request, this._exited]);
	}
}

/** The message of a JSON-RPC or other error, for the user. */
export function errorMessage(e: unknown): string {
	if (e instanceof ResponseError) {
		return e.message;
	}
	return e instanceof Error ? e.message : String(e);
}
