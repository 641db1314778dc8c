/**
 * The InlineCompletionItemProvider: gathers the facts VS Code knows (gate input, windows, the suggest
 * widget's selection) and hands the text to the InlineCompletionEngine. VS Code's own commands do
 * accept, partial accept and cycling (Alt+] / Alt+[ cycle through the completion, its first line, and on an
 * explicit request — Alt+\, or cycling, which asks again explicitly — the model's alternatives).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CancellationToken } from 'vscode-jsonrpc';
import type { CachedCompletion } from './completionCache';
import type { InlineCompletionEngine, InlineRequest } from './completionEngine';
import { trimWindows, windowBounds } from './contextWindow';
import { gateReason } from './gate';
import type { InlineSettings, Settings } from './settings';

/** Adapts VS Code inline-completion calls to the engine. */
export class InlineProvider implements vscode.InlineCompletionItemProvider {
	/** Provider calls and what became of them (for tests through the extension API). */
	readonly stats = { calls: 0, shown: 0, gated: 0 };

	constructor(
		private readonly _engine: InlineCompletionEngine,
		private readonly _settings: Settings,
		private readonly _log: vscode.LogOutputChannel,
	) {}

	async provideInlineCompletionItems(document: vscode.TextDocument, position: vscode.Position, context: vscode.InlineCompletionContext, token: vscode.CancellationToken): Promise<vscode.InlineCompletionItem[] | undefined> {
		this.stats.calls++;
		const request = this._request(document, position, context);
		if (!request) {
			this.stats.gated++;
			return undefined;
		}
		// VS Code's token has the shape of vscode-jsonrpc's, so it reaches the sidecar as $/cancelRequest.
		const completion = await this._engine.provide(request.inline, token as CancellationToken);
		if (!completion || token.isCancellationRequested) {
			return undefined;
		}
		this.stats.shown++;
		return toItems(completion, request.selected, position);
	}

	private _request(document: vscode.TextDocument, position: vscode.Position, context: vscode.InlineCompletionContext): { inline: InlineRequest; selected?: vscode.SelectedCompletionInfo } | undefined {
		const selected = context.selectedCompletionInfo;
		const cursor: Cursor = {
			document,
			position,
			invoked: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
			settings: this._settings.inline(),
			line: document.lineAt(position.line).text,
			selected,
			typed: selected ? document.getText(selected.range) : '',
		};
		const reason = gateReasonAt(cursor);
		if (reason) {
			this._log.trace(`inline: gated (${reason}) at ${path.basename(document.fileName)}:${position.line + 1}`);
			return undefined;
		}
		return { inline: inlineRequestAt(cursor), selected };
	}
}

/** What one inline request reads of the editor, read once. */
interface Cursor {
	readonly document: vscode.TextDocument;
	readonly position: vscode.Position;
	readonly invoked: boolean;
	readonly settings: InlineSettings;
	/** The text of the cursor's line. */
	readonly line: string;
	readonly selected: vscode.SelectedCompletionInfo | undefined;
	/** What the user typed of the suggest widget's selected item. */
	readonly typed: string;
}

/** Why no completion is asked for here (language, file, settings, the suggest widget), or undefined. */
function gateReasonAt(cursor: Cursor): string | undefined {
	const { document, settings, selected } = cursor;
	return gateReason({
		languageId: document.languageId,
		fileName: document.fileName,
		scheme: document.uri.scheme,
		enabled: settings.enabled,
		languages: settings.languages,
		disableInFiles: settings.disableInFiles,
		inlineSuggestEnabled: vscode.workspace.getConfiguration('editor', document).get('inlineSuggest.enabled', true),
		invoked: cursor.invoked,
		lineAfter: cursor.line.slice(cursor.position.character),
		selectedCompletion: selected && { text: selected.text, typed: cursor.typed },
	});
}

/** The context window around the cursor; with the suggest widget open, as if its selected item were accepted
 * (VS Code only shows inline text that extends the selected item). */
function inlineRequestAt(cursor: Cursor): InlineRequest {
	const { document, position, settings, selected, typed, line } = cursor;
	const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
	const bounds = windowBounds(document.offsetAt(position), length, settings.prefixChars, settings.suffixChars);
	let prefix = document.getText(new vscode.Range(document.positionAt(bounds.prefixStart), position));
	const suffix = document.getText(new vscode.Range(position, document.positionAt(bounds.suffixEnd)));
	let lineBefore = line.slice(0, position.character);
	if (selected) {
		prefix = prefix.slice(0, prefix.length - typed.length) + selected.text;
		lineBefore = lineBefore.slice(0, lineBefore.length - typed.length) + selected.text;
	}
	const windows = trimWindows(prefix, suffix, bounds.prefixStart > 0, bounds.suffixEnd < length);
	return {
		scope: document.uri.toString(),
		languageId: document.languageId,
		prefix: windows.prefix,
		suffix: windows.suffix,
		lineBefore,
		lineAfter: line.slice(position.character),
		invoked: cursor.invoked,
		label: `${path.basename(document.fileName)}:${position.line + 1}`,
	};
}

/** VS Code items: the completion first, then its alternatives; with a suggest-widget selection, the item replaces the typed part. */
function toItems(completion: CachedCompletion, selected: vscode.SelectedCompletionInfo | undefined, position: vscode.Position): vscode.InlineCompletionItem[] {
	const texts = [completion.text, ...completion.alternatives];
	if (!selected) {
		return texts.map((text) => new vscode.InlineCompletionItem(text, new vscode.Range(position, position)));
	}
	return texts.map((text) => new vscode.InlineCompletionItem(selected.text + text, selected.range));
}
