/**
 * Hosts the decoding panel (webview): creates and reveals it, feeds it the router's messages through a
 * ready-gated, coalescing outbox, and tells the router whether anyone is watching (steps are streamed
 * only while the panel exists).
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { isPanelToHostMessage, type HostToPanelMessage } from '../protocol/panelProtocol';
import { systemClock } from './clock';
import type { DecodeRouter } from './decodeRouter';
import { PanelOutbox } from './panelOutbox';
import { toDisposable } from './statusBar';

/** The panel's view type (also used by the end-to-end tests to find its frame). */
export const panelViewType = 'd3llm.decodingPanel';

/** Owns the (single) decoding panel. */
export class PanelHost implements vscode.Disposable {
	private _panel: vscode.WebviewPanel | undefined;
	private _outbox: PanelOutbox | undefined;
	private readonly _subscription: vscode.Disposable;
	/** Messages posted to the webview so far (for tests through the extension API). */
	posted = 0;

	constructor(
		private readonly _extensionUri: vscode.Uri,
		router: DecodeRouter,
	) {
		this._subscription = toDisposable(router.onDidPanelMessage((m) => this._outbox?.push(m)));
	}

	/** True while the panel exists (visible or not). */
	get isOpen(): boolean {
		return this._panel !== undefined;
	}

	/** Shows the panel beside the editor, creating it if needed. */
	show(preserveFocus = true): void {
		if (this._panel) {
			this._panel.reveal(undefined, preserveFocus);
			return;
		}
		const roots = ['dist', 'media'].map((dir) => vscode.Uri.joinPath(this._extensionUri, dir));
		const panel = vscode.window.createWebviewPanel(panelViewType, vscode.l10n.t('d3LLM Decoding'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, { enableScripts: true, localResourceRoots: roots });
		this._panel = panel;
		const outbox = new PanelOutbox((m: HostToPanelMessage) => {
			this.posted++;
			void panel.webview.postMessage(m);
		}, systemClock);
		this._outbox = outbox;
		panel.webview.html = this._html(panel.webview);
		panel.webview.onDidReceiveMessage((m) => isPanelToHostMessage(m) && outbox.setReady(true));
		panel.onDidChangeViewState(() => !panel.visible && outbox.setReady(false));
		panel.onDidDispose(() => {
			outbox.dispose();
			this._panel = this._outbox = undefined;
		});
	}

	dispose(): void {
		this._subscription.dispose();
		this._panel?.dispose();
	}

	private _html(webview: vscode.Webview): string {
		const nonce = crypto.randomBytes(16).toString('base64');
		const uri = (...parts: string[]): vscode.Uri => webview.asWebviewUri(vscode.Uri.joinPath(this._extensionUri, ...parts));
		const csp = `default-src 'none'; style-src ${webview.cspSource}; img-src ${webview.cspSource}; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
		const strings = JSON.stringify(panelStrings()).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
		return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('media', 'panel.css')}">
<title>${vscode.l10n.t('d3LLM Decoding')}</title>
</head>
<body data-strings="${strings}">
<main id="app"></main>
<script nonce="${nonce}" src="${uri('dist', 'webview.js')}"></script>
</body>
</html>`;
	}
}

/** Localized labels of the panel (the webview has no l10n API of its own). */
function panelStrings(): Record<string, string> {
	return {
		empty: vscode.l10n.t('No decode yet. Type in an editor or run Fill in the Middle.'),
		steps: vscode.l10n.t('steps'),
		forwards: vscode.l10n.t('forwards'),
		tokens: vscode.l10n.t('tokens'),
		tpf: vscode.l10n.t('tokens/forward'),
		ms: vscode.l10n.t('ms'),
		step: vscode.l10n.t('Step'),
		replay: vscode.l10n.t('Replay'),
		region: vscode.l10n.t('Region'),
		decoding: vscode.l10n.t('decoding'),
		done: vscode.l10n.t('done'),
		cancelled: vscode.l10n.t('cancelled'),
		error: vscode.l10n.t('error'),
		timeline: vscode.l10n.t('Forwards per step'),
		entropy: vscode.l10n.t('entropy'),
		forced: vscode.l10n.t('forced'),
		masked: vscode.l10n.t('masked'),
	};
}
