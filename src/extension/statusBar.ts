/**
 * The status bar item: renders `statusView` for the sidecar status, the toggles of the active editor's
 * language and the last request; a click opens the d3LLM menu.
 */
import * as vscode from 'vscode';
import type { DecodeFinished, DecodeRouter } from './decodeRouter';
import { isLanguageEnabled } from './gate';
import type { Settings } from './settings';
import type { SidecarClient } from './sidecarClient';
import { statusView, type StatusView, type StatusViewInput } from './statusView';

/** Owns the status bar item. */
export class StatusBar implements vscode.Disposable {
	private readonly _item = vscode.window.createStatusBarItem('d3llm.status', vscode.StatusBarAlignment.Right, 100);
	private readonly _disposables: vscode.Disposable[] = [this._item];
	private _last: StatusViewInput['last'];
	/** The view last rendered (for tests through the extension API). */
	view: StatusView | undefined;

	constructor(
		private readonly _client: SidecarClient,
		router: DecodeRouter,
		private readonly _settings: Settings,
	) {
		this._item.name = vscode.l10n.t('d3LLM Completion');
		this._item.command = 'd3llm.showMenu';
		this._disposables.push(
			toDisposable(_client.onDidChangeStatus(() => this.update())),
			toDisposable(router.onDidFinish((e) => this._onFinish(e))),
			vscode.window.onDidChangeActiveTextEditor(() => this.update()),
			vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('d3llm') && this.update()),
		);
		this.update();
		this._item.show();
	}

	/** Re-renders the item. */
	update(): void {
		const inline = this._settings.inline();
		const languageId = vscode.window.activeTextEditor?.document.languageId;
		const view = statusView({
			sidecar: this._client.status,
			enabled: inline.enabled,
			language: languageId ? { id: languageId, enabled: isLanguageEnabled(inline.languages, languageId) } : undefined,
			last: this._last,
		});
		this.view = view;
		this._item.text = view.text;
		this._item.accessibilityInformation = { label: view.label };
		this._item.tooltip = new vscode.MarkdownString(view.tooltipLines.join('  \n') + `  \n\n${vscode.l10n.t('Click for the d3LLM menu')}`);
		this._item.backgroundColor = view.severity === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.severity}Background`);
	}

	dispose(): void {
		vscode.Disposable.from(...this._disposables).dispose();
	}

	private _onFinish(e: DecodeFinished): void {
		if (e.result) {
			this._last = { latencyMs: e.latencyMs, tpf: e.result.tpf, tokens: e.result.tokens };
			this.update();
		}
	}
}

/** Wraps a vscode-jsonrpc disposable. */
export function toDisposable(d: { dispose(): void }): vscode.Disposable {
	return new vscode.Disposable(() => d.dispose());
}

/** Shows window progress while the sidecar starts and loads its model. */
export function showLoadProgress(client: SidecarClient): vscode.Disposable {
	let active = false;
	return toDisposable(
		client.onDidChangeStatus((status) => {
			if (active || (status.state !== 'starting' && status.state !== 'loading')) {
				return;
			}
			active = true;
			void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('d3LLM: loading model') }, () => new Promise<void>((resolve) => {
				const listener = client.onDidChangeStatus((s) => {
					if (s.state !== 'starting' && s.state !== 'loading') {
						listener.dispose();
						active = false;
						resolve();
					}
				});
			}));
		}),
	);
}
