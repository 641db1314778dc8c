/**
 * The one place where every `d3llm.*` setting is classified: `restart` settings change how the sidecar
 * is started or which model it loads (a change restarts it); `hot` settings are read on every request.
 * Pure (no `vscode` import) so unit tests can check the classification against package.json.
 */

/** How a setting takes effect. */
export type SettingKind = 'restart' | 'hot';

/** Every contributed setting (without the `d3llm.` section) and its kind. */
export const settingKinds = Object.freeze({
	'model.path': 'restart',
	'runtime.executionProvider': 'restart',
	'runtime.threads': 'restart',
	'completion.enabled': 'hot',
	'completion.languages': 'hot',
	'completion.disableInFiles': 'hot',
	'completion.debounceMs': 'hot',
	'completion.multiline': 'hot',
	'completion.maxTokens': 'hot',
	'completion.prefixChars': 'hot',
	'completion.suffixChars': 'hot',
	'completion.speculative': 'hot',
	'completion.syntaxCheck': 'hot',
	'completion.dropRepetition': 'hot',
	'completion.timeoutMs': 'hot',
	'fim.maxTokens': 'hot',
	'decoding.decoder': 'hot',
	'decoding.threshold': 'hot',
	'decoding.blockSize': 'hot',
	'decoding.refreshInterval': 'hot',
	'decoding.lengthSlack': 'hot',
	'decoding.tokenHealing': 'hot',
	'panel.revealOnCommand': 'hot',
} as const satisfies Record<string, SettingKind>);

/** A setting key relative to the `d3llm` section. */
export type SettingKey = keyof typeof settingKinds;

/** The configuration section of every setting. */
export const settingsSection = 'd3llm';

/** Keys of the given kind. */
export function settingsOfKind(kind: SettingKind): SettingKey[] {
	return (Object.keys(settingKinds) as SettingKey[]).filter((key) => settingKinds[key] === kind);
}

/**
 * Whether a configuration change needs a sidecar restart. `affects` is VS Code's
 * `ConfigurationChangeEvent.affectsConfiguration`, injected so this stays testable.
 */
export function needsRestart(affects: (section: string) => boolean): boolean {
	return settingsOfKind('restart').some((key) => affects(`${settingsSection}.${key}`));
}
