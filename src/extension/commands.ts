/**
 * Registers the `d3llm.*` commands and the status bar menu.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFill, type FillDeps } from './fillCommands';
import { isLanguageEnabled } from './gate';
import { installGpuRuntime } from './gpuInstaller';
import type { Settings } from './settings';
import type { SidecarClient } from './sidecarClient';

/** What the commands act on. */
export interface CommandDeps extends FillDeps {
	readonly client: SidecarClient;
	readonly extensionPath: string;
}

/** The files every model folder has (docs/model-contract.md). */
export const modelFiles = ['model.onnx', 'tokenizer.json', 'model.json'];

/** Registers every command; returns their disposables. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
	const table: Record<string, () => unknown> = {
		'd3llm.fillInMiddle': () => runFill(deps, false),
		'd3llm.fillAllSelections': () => runFill(deps, true),
		'd3llm.showPanel': () => deps.showPanel(),
		'd3llm.toggleCompletions': () => deps.settings.update('completion.enabled', !deps.settings.inline().enabled),
		'd3llm.toggleLanguage': () => toggleLanguage(deps.settings),
		'd3llm.restartSidecar': () => restart(deps),
		'd3llm.selectModel': () => selectModel(deps),
		'd3llm.installGpuRuntime': () => installGpuRuntime(deps.extensionPath, deps.settings, deps.log),
		'd3llm.showLog': () => deps.log.show(),
		'd3llm.showMenu': () => showMenu(),
	};
	return Object.entries(table).map(([id, run]) => vscode.commands.registerCommand(id, run));
}

async function toggleLanguage(settings: Settings): Promise<void> {
	const languageId = vscode.window.activeTextEditor?.document.languageId;
	if (!languageId) {
		return;
	}
	const languages = { ...settings.inline().languages };
	languages[languageId] = !isLanguageEnabled(languages, languageId);
	await settings.update('completion.languages', languages);
}

async function restart(deps: CommandDeps): Promise<void> {
	deps.log.info('restart requested');
	try {
		await deps.client.restart();
	} catch (error) {
		void vscode.window.showErrorMessage(vscode.l10n.t('d3LLM: the sidecar did not start: {0}', (error as Error).message));
	}
}

async function selectModel(deps: CommandDeps): Promise<void> {
	const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Use This Model'), title: vscode.l10n.t('Select a d3LLM model folder (model.onnx, tokenizer.json, model.json)') });
	const dir = picked?.[0]?.fsPath;
	if (!dir) {
		return;
	}
	const missing = modelFiles.filter((f) => !fs.existsSync(path.join(dir, f)));
	if (missing.length > 0) {
		void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not a model folder: {1} missing.', dir, missing.join(', ')));
		return;
	}
	if (deps.settings.modelDir() === path.resolve(dir)) {
		await restart(deps);
	} else {
		await deps.settings.update('model.path', dir);
	}
}

async function showMenu(): Promise<void> {
	const items: Array<vscode.QuickPickItem & { command: string }> = [
		{ label: `$(symbol-misc) ${vscode.l10n.t('Fill in the Middle')}`, command: 'd3llm.fillInMiddle' },
		{ label: `$(list-selection) ${vscode.l10n.t('Fill All Selections')}`, command: 'd3llm.fillAllSelections' },
		{ label: `$(graph) ${vscode.l10n.t('Show Decoding Panel')}`, command: 'd3llm.showPanel' },
		{ label: `$(circle-slash) ${vscode.l10n.t('Toggle Completions')}`, command: 'd3llm.toggleCompletions' },
		{ label: `$(symbol-keyword) ${vscode.l10n.t('Toggle Completions for This Language')}`, command: 'd3llm.toggleLanguage' },
		{ label: `$(debug-restart) ${vscode.l10n.t('Restart Sidecar')}`, command: 'd3llm.restartSidecar' },
		{ label: `$(folder-opened) ${vscode.l10n.t('Select Model')}`, command: 'd3llm.selectModel' },
		{ label: `$(cloud-download) ${vscode.l10n.t('Install GPU Runtime')}`, command: 'd3llm.installGpuRuntime' },
		{ label: `$(output) ${vscode.l10n.t('Show Log')}`, command: 'd3llm.showLog' },
		{ label: `$(gear) ${vscode.l10n.t('Settings')}`, command: 'workbench.action.openSettings' },
	];
	const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('d3LLM') });
	if (picked) {
		await vscode.commands.executeCommand(picked.command, ...(picked.command === 'workbench.action.openSettings' ? ['d3llm'] : []));
	}
}
