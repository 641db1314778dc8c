/**
 * Install GPU Runtime: runs onnxruntime-node's own installer with `ONNXRUNTIME_NODE_INSTALL=cuda12` in the
 * extension's folder (the VSIX never ran npm's postinstall), only when the user asks, with progress.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import type { Settings } from './settings';

/** The installer script inside the extension. */
export function installerScript(extensionPath: string): string {
	return path.join(extensionPath, 'node_modules', 'onnxruntime-node', 'script', 'install.js');
}

/** Asks, installs, and offers to switch the execution provider to CUDA. */
export async function installGpuRuntime(extensionPath: string, settings: Settings, log: vscode.LogOutputChannel): Promise<void> {
	const script = installerScript(extensionPath);
	if (!fs.existsSync(script)) {
		void vscode.window.showErrorMessage(vscode.l10n.t('onnxruntime-node\'s installer was not found at {0}.', script));
		return;
	}
	const install = vscode.l10n.t('Install');
	const answer = await vscode.window.showWarningMessage(
		vscode.l10n.t('Download the CUDA 12 execution provider of onnxruntime (several hundred MB from api.nuget.org)?'),
		{ modal: true, detail: vscode.l10n.t('It needs an NVIDIA driver, CUDA 12.x and cuDNN 9.x on this machine. Proxies: set GLOBAL_AGENT_HTTPS_PROXY.') },
		install,
	);
	if (answer !== install) {
		return;
	}
	const code = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('d3LLM: installing the GPU runtime'), cancellable: true }, (progress, token) => runInstaller(script, log, (line) => progress.report({ message: line.slice(0, 100) }), token));
	if (code !== 0) {
		void vscode.window.showErrorMessage(vscode.l10n.t('The GPU runtime installer failed (exit code {0}); see the d3LLM log.', String(code)));
		return;
	}
	const useCuda = vscode.l10n.t('Use CUDA');
	if ((await vscode.window.showInformationMessage(vscode.l10n.t('GPU runtime installed.'), useCuda)) === useCuda) {
		await settings.update('runtime.executionProvider', 'cuda');
	}
}

function runInstaller(script: string, log: vscode.LogOutputChannel, report: (line: string) => void, token: vscode.CancellationToken): Promise<number | null> {
	log.info(`running ONNXRUNTIME_NODE_INSTALL=cuda12 ${process.execPath} ${script}`);
	const child = spawn(process.execPath, [script], {
		cwd: path.dirname(path.dirname(script)),
		env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', ELECTRON_RUN_AS_NODE: '1' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	for (const stream of [child.stdout, child.stderr]) {
		readline.createInterface({ input: stream }).on('line', (line) => {
			log.info(`[gpu-install] ${line}`);
			report(line);
		});
	}
	const cancel = token.onCancellationRequested(() => child.kill());
	return new Promise((resolve) => {
		child.once('error', (error) => log.error(`installer failed to start: ${error.message}`));
		child.once('close', (code) => {
			cancel.dispose();
			resolve(code);
		});
	});
}
