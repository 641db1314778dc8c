/**
 * Fill in the Middle (selection or cursor) and Fill All Selections (every cursor of a multi-cursor in one
 * decoding run): one `complete` request, progress with Cancel, the panel shows the decode, and the result
 * lands as ONE undoable edit.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CancellationToken } from 'vscode-jsonrpc';
import type { DecodeSource } from '../protocol/panelProtocol';
import { isCancellation } from './completionEngine';
import type { CompleteFn } from './decodeRouter';
import { fillText, planFill, type FillPlan } from './fillRequest';
import type { Settings } from './settings';

/** What the fill commands use. */
export interface FillDeps {
	readonly complete: CompleteFn;
	readonly settings: Settings;
	readonly showPanel: () => void;
	readonly log: vscode.LogOutputChannel;
}

/** Runs a fill on the active editor: its primary selection, or all of them. Resolves true when text was inserted. */
export async function runFill(deps: FillDeps, all: boolean): Promise<boolean> {
	const editor = vscode.window.activeTextEditor;
	if (!editor) {
		void vscode.window.showInformationMessage(vscode.l10n.t('Open an editor to fill in the middle.'));
		return false;
	}
	const document = editor.document;
	const selections = all ? editor.selections : [editor.selection];
	let plan: FillPlan;
	try {
		const inline = deps.settings.inline();
		const spans = selections.map((s) => ({ start: document.offsetAt(s.start), end: document.offsetAt(s.end) }));
		plan = planFill(document.getText(), spans, { prefixChars: inline.prefixChars, suffixChars: inline.suffixChars, maxTokens: deps.settings.fimMaxTokens() });
	} catch (error) {
		void vscode.window.showErrorMessage((error as Error).message);
		return false;
	}
	if (deps.settings.revealPanelOnCommand()) {
		deps.showPanel();
	}
	const version = document.version;
	const texts = await decodeWithProgress(deps, plan, document, all ? 'fillAllSelections' : 'fillInMiddle');
	if (!texts) {
		return false;
	}
	if (document.version !== version) {
		void vscode.window.showWarningMessage(vscode.l10n.t('The document changed while filling; the result was discarded.'));
		return false;
	}
	// A workspace edit still applies when the panel has hidden the editor, and is one undo step.
	const edit = new vscode.WorkspaceEdit();
	plan.spans.forEach((span, i) => edit.replace(document.uri, new vscode.Range(document.positionAt(span.start), document.positionAt(span.end)), texts[i]));
	return vscode.workspace.applyEdit(edit);
}

async function decodeWithProgress(deps: FillDeps, plan: FillPlan, document: vscode.TextDocument, source: DecodeSource): Promise<string[] | undefined> {
	const title = plan.spans.length === 1 ? vscode.l10n.t('d3LLM: filling in the middle…') : vscode.l10n.t('d3LLM: filling {0} regions in one run…', plan.spans.length);
	return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
		const params = {
			documentKey: `${document.uri.toString()}#fill`,
			segments: plan.segments,
			regions: plan.budgets.map((maxTokens) => ({ maxTokens })),
			decoding: deps.settings.decoding(),
		};
		const label = `${path.basename(document.fileName)}: ${plan.spans.length} region(s)`;
		try {
			const result = await deps.complete(params, token as CancellationToken, { source, label });
			deps.log.info(`${source}: ${result.tokens} tokens in ${result.steps} steps, ${result.forwards} forwards (${result.tpf.toFixed(2)} tok/fwd), ${Math.round(result.ms)} ms`);
			const dropRepetition = deps.settings.inline().dropRepetition;
			return result.regions.map((r, i) => fillText(r.text, plan.segments[i], plan.segments[i + 1], dropRepetition));
		} catch (error) {
			if (!isCancellation(error, token as CancellationToken)) {
				deps.log.error(`${source} failed: ${(error as Error).message}`);
				void vscode.window.showErrorMessage(vscode.l10n.t('d3LLM: fill failed: {0}', (error as Error).message));
			}
			return undefined;
		}
	});
}
