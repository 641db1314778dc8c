/**
 * Typed access to the `d3llm.*` settings (declared in package.json, classified in settingsSchema.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DecoderName, DecodingParams, ExecutionProviderRequest, ModelLoadRequest } from '../protocol/sidecarProtocol';
import type { CompletionSettings } from './completionEngine';
import type { MultilineSetting } from '../common/linePolicy';
import { needsRestart, settingsSection, type SettingKey } from './settingsSchema';

/** Everything the inline provider reads per request. */
export interface InlineSettings extends CompletionSettings {
	readonly enabled: boolean;
	readonly languages: Readonly<Record<string, boolean>>;
	readonly disableInFiles: readonly string[];
	readonly prefixChars: number;
	readonly suffixChars: number;
}

/** Model folders tried, in order, when `d3llm.model.path` is empty (relative to the extension). */
export const defaultModelDirs = ['models/d3llm-tiny-code', 'test/fixtures/models/tiny-random'];

/** Reads settings; `onDidChange` tells whether the sidecar must restart. */
export class Settings {
	constructor(private readonly _extensionPath: string) {}

	/** The settings of inline completion. */
	inline(): InlineSettings {
		return {
			enabled: this._get('completion.enabled', true),
			languages: this._get('completion.languages', { '*': true }),
			disableInFiles: this._get('completion.disableInFiles', []),
			debounceMs: this._get('completion.debounceMs', 150),
			multiline: this._get<MultilineSetting>('completion.multiline', 'auto'),
			maxTokens: this._get('completion.maxTokens', 64),
			prefixChars: this._get('completion.prefixChars', 6000),
			suffixChars: this._get('completion.suffixChars', 2000),
			speculative: this._get('completion.speculative', true),
			syntaxCheck: this._get('completion.syntaxCheck', true),
			dropRepetition: this._get('completion.dropRepetition', true),
			timeoutMs: this._get('completion.timeoutMs', 10_000),
			decoding: this.decoding(),
		};
	}

	/** Decoding overrides; unset values keep the model's defaults. */
	decoding(): Partial<DecodingParams> {
		const pick = <T>(key: SettingKey): T | undefined => this._get<T | null>(key, null) ?? undefined;
		const decoder = pick<DecoderName | 'default'>('decoding.decoder');
		const knobs = {
			decoder: decoder === 'default' ? undefined : decoder,
			threshold: pick<number>('decoding.threshold'),
			blockSize: pick<number>('decoding.blockSize'),
			refreshInterval: pick<number>('decoding.refreshInterval'),
			lengthSlack: pick<number>('decoding.lengthSlack'),
			tokenHealing: pick<boolean>('decoding.tokenHealing'),
		};
		return Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined)) as Partial<DecodingParams>;
	}

	/** Token budget of each Fill in the Middle region. */
	fimMaxTokens(): number {
		return this._get('fim.maxTokens', 96);
	}

	revealPanelOnCommand(): boolean {
		return this._get('panel.revealOnCommand', true);
	}

	/** `model/load` parameters (the restart settings). */
	loadParams(): ModelLoadRequest.Params {
		return {
			modelDir: this.modelDir(),
			executionProvider: this._get<ExecutionProviderRequest>('runtime.executionProvider', 'auto'),
			threads: this._get('runtime.threads', 0),
		};
	}

	/** The model folder: the setting (with `~` expanded), else the first default folder that exists. */
	modelDir(): string {
		const configured = this._get('model.path', '').trim();
		if (configured) {
			return path.resolve(configured.replace(/^~(?=$|[\\/])/, os.homedir()));
		}
		const candidates = defaultModelDirs.map((dir) => path.join(this._extensionPath, dir));
		return candidates.find((dir) => fs.existsSync(path.join(dir, 'model.json'))) ?? candidates[candidates.length - 1];
	}

	/** Calls `listener(restart)` when a `d3llm.*` setting changes. */
	onDidChange(listener: (restart: boolean) => void): vscode.Disposable {
		return vscode.workspace.onDidChangeConfiguration((e) => {
			if (e.affectsConfiguration(settingsSection)) {
				listener(needsRestart((s) => e.affectsConfiguration(s)));
			}
		});
	}

	/** Writes a setting in the user (global) scope. */
	update(key: SettingKey, value: unknown): Thenable<void> {
		return vscode.workspace.getConfiguration(settingsSection).update(key, value, vscode.ConfigurationTarget.Global);
	}

	private _get<T>(key: SettingKey, fallback: T): T {
		return vscode.workspace.getConfiguration(settingsSection).get<T>(key, fallback);
	}
}
