/**
 * Entry of the decoding panel (webview): restores the state, posts `ready`, applies the host's messages,
 * and re-renders at most once per animation frame. Live decodes follow the newest step; after the end the
 * slider replays the decode step by step.
 */
import { applyMessage, type DecodeRecord } from './decodeRecord';
import { render, type Strings } from './render';
import type { HostToPanelMessage, PanelToHostMessage } from '../protocol/panelProtocol';

interface VsCodeApi {
	postMessage(message: PanelToHostMessage): void;
	getState(): PanelState | undefined;
	setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives hiding the panel. */
interface PanelState {
	readonly record?: DecodeRecord;
	/** The step shown; undefined follows the newest. */
	readonly replayStep?: number;
}

const vscode = acquireVsCodeApi();
const root = document.getElementById('app') as HTMLElement;
const strings = JSON.parse(document.body.dataset.strings ?? '{}') as Strings;
let state: PanelState = vscode.getState() ?? {};
let frame = 0;

function scheduleRender(): void {
	if (frame === 0) {
		frame = requestAnimationFrame(() => {
			frame = 0;
			const step = state.replayStep ?? state.record?.events.length ?? 0;
			render(root, state.record, step, strings, onReplay);
			vscode.setState(state);
		});
	}
}

function onReplay(step: number): void {
	state = { ...state, replayStep: step };
	scheduleRender();
}

window.addEventListener('message', (event: MessageEvent<HostToPanelMessage>) => {
	const message = event.data;
	const record = applyMessage(state.record, message);
	state = { record, replayStep: message.type === 'begin' ? undefined : state.replayStep };
	scheduleRender();
});

scheduleRender();
vscode.postMessage({ type: 'ready' });
