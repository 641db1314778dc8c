/**
 * Sidecar entry point (architecture §6): a process forked by the extension host or the CLI, speaking
 * JSON-RPC over Node IPC so stdout/stderr stay free for logs. Exits when its parent disconnects.
 */
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { serve } from './server';

function log(line: string): void {
	process.stderr.write(`[sidecar ${new Date().toISOString()}] ${line}\n`);
}

function main(): void {
	if (!process.send) {
		log('the sidecar must be started with an IPC channel (child_process.fork)');
		process.exit(2);
	}
	const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
	const release = serve(connection, log);
	const shutdown = (): void => {
		void release().finally(() => process.exit(0));
	};
	connection.onClose(shutdown);
	process.on('disconnect', shutdown);
	process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e.message}`));
	process.on('unhandledRejection', (e) => log(`unhandled rejection: ${String(e)}`));
	connection.listen();
	log(`started (pid ${process.pid}, node ${process.version})`);
}

main();
