/** Composition root: builds the services, registers the provider and commands, returns an API for tests. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { systemClock } from './clock';
import { registerCommands } from './commands';
import { InlineCompletionEngine } from './completionEngine';
import { DecodeRouter } from './decodeRouter';
import { InlineProvider } from './inlineProvider';
import { PanelHost } from './panelHost';
import { Settings } from './settings';
import { SidecarClient } from './sidecarClient';
import { StatusBar, showLoadProgress, toDisposable } from './statusBar';
import { SyntaxService } from './syntaxService';
import { runE2eSuiteIfRequested } from './testHook';

/** What `activate` returns (for the in-editor tests). */
export interface D3llmApi {
	readonly client: SidecarClient;
	readonly engine: InlineCompletionEngine;
	readonly provider: InlineProvider;
	readonly statusBar: StatusBar;
	readonly panel: PanelHost;
}

let client: SidecarClient | undefined;

export function activate(context: vscode.ExtensionContext): D3llmApi {
	const log = vscode.window.createOutputChannel('d3LLM', { log: true });
	const extensionPath = context.extensionPath;
	const settings = new Settings(extensionPath);
	client = new SidecarClient({
		sidecarPath: process.env.D3LLM_SIDECAR ?? path.join(extensionPath, 'dist', 'sidecar.js'),
		loadParams: () => settings.loadParams(),
		log,
		clock: systemClock,
		onCrash: (message, willRestart) => void crashNotice(message, willRestart, log),
	});
	const router: DecodeRouter = new DecodeRouter(client, (): boolean => panel.isOpen, systemClock);
	const panel: PanelHost = new PanelHost(context.extensionUri, router);
	const syntax = new SyntaxService((file) => path.join(extensionPath, 'dist', 'tree-sitter', file), (m) => log.warn(m));
	const engine = new InlineCompletionEngine({ complete: router.complete, clock: systemClock, settings: () => settings.inline(), syntax, log: (m) => log.debug(m) });
	const provider = new InlineProvider(engine, settings, log);
	const statusBar = new StatusBar(client, router, settings);
	const sidecar = client;
	context.subscriptions.push(
		log,
		panel,
		statusBar,
		toDisposable(router),
		toDisposable(syntax),
		showLoadProgress(sidecar),
		vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, provider),
		...registerCommands({ complete: router.complete, settings, showPanel: () => panel.show(), log, client: sidecar, extensionPath }),
		settings.onDidChange((restart) => {
			engine.cache.clear();
			if (restart && sidecar.pid !== undefined) {
				void sidecar.restart().catch((e: Error) => log.error(`restart after a settings change failed: ${e.message}`));
			}
		}),
	);
	log.info(`d3LLM activated (VS Code ${vscode.version}, ${process.version}); model folder ${settings.modelDir()}`);
	runE2eSuiteIfRequested(log);
	return { client: sidecar, engine, provider, statusBar, panel };
}

/** Stops the sidecar; nothing is left running. */
export async function deactivate(): Promise<void> {
	await client?.dispose();
	client = undefined;
}

async function crashNotice(message: string, willRestart: boolean, log: vscode.LogOutputChannel): Promise<void> {
	const text = willRestart ? vscode.l10n.t('d3LLM: the sidecar stopped ({0}); restarting it.', message) : vscode.l10n.t('d3LLM: the sidecar keeps crashing ({0}); run "Restart Sidecar" to try again.', message);
	const showLog = vscode.l10n.t('Show Log');
	if ((await vscode.window.showWarningMessage(text, showLog)) === showLog) {
		log.show();
	}
}
