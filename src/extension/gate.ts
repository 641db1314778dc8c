/**
 * The provider gate (architecture §3): decides before any work whether an inline completion may run.
 * Pure: the provider gathers the facts from VS Code and asks `gateReason`.
 */

/** Facts about the document, the cursor and the settings that the gate needs. */
export interface GateInput {
	readonly languageId: string;
	/** File path or URI path (only its base name and extension are used). */
	readonly fileName: string;
	readonly scheme: string;
	/** `d3llm.completion.enabled`. */
	readonly enabled: boolean;
	/** `d3llm.completion.languages`: language id → enabled, `*` as the default. */
	readonly languages: Readonly<Record<string, boolean>>;
	/** Extra glob-like patterns from `d3llm.completion.disableInFiles`. */
	readonly disableInFiles: readonly string[];
	/** `editor.inlineSuggest.enabled`. */
	readonly inlineSuggestEnabled: boolean;
	/** True for an explicit trigger (Alt+\), false while typing. */
	readonly invoked: boolean;
	/** Text of the current line right of the cursor. */
	readonly lineAfter: string;
	/** The IntelliSense widget's selected item, when the widget is open. */
	readonly selectedCompletion?: { readonly text: string; readonly typed: string };
}

/** Why no completion is offered (for the log), or undefined when the gate is open. */
export type GateReason =
	| 'disabled'
	| 'languageDisabled'
	| 'inlineSuggestDisabled'
	| 'secretFile'
	| 'unsupportedScheme'
	| 'midWord'
	| 'suggestWidgetMismatch';

/** Base names and extensions of files that typically hold credentials; never sent to the model. */
const secretNames = [/^\.env(\..*)?$/i, /^id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$/i, /^\.netrc$/i, /^\.npmrc$/i, /^\.pypirc$/i, /^credentials(\.json)?$/i, /^\.htpasswd$/i, /^secrets?\.(ya?ml|json|toml)$/i];
const secretExtensions = ['.pem', '.key', '.p12', '.pfx', '.crt', '.cer', '.der', '.jks', '.keystore', '.gpg', '.asc', '.kdbx'];
const allowedSchemes = ['file', 'untitled', 'vscode-remote', 'vscode-userdata', 'vscode-vfs'];

/** Whether `enabled` allows `languageId` under the per-language map (`*` is the default, true if absent). */
export function isLanguageEnabled(languages: Readonly<Record<string, boolean>>, languageId: string): boolean {
	return languages[languageId] ?? languages['*'] ?? true;
}

/** True when the base name of `fileName` looks like a credential or key file. */
export function isSecretFile(fileName: string, extraPatterns: readonly string[] = []): boolean {
	const base = fileName.split(/[\\/]/).pop() ?? fileName;
	const lower = base.toLowerCase();
	return (
		secretNames.some((re) => re.test(base)) ||
		secretExtensions.some((ext) => lower.endsWith(ext)) ||
		extraPatterns.some((pattern) => globToRegExp(pattern).test(base) || globToRegExp(pattern).test(fileName))
	);
}

/** Converts a simple glob (`*`, `**`, `?`) into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
	let source = '';
	for (let i = 0; i < glob.length; i++) {
		const c = glob[i];
		if (c === '*' && glob[i + 1] === '*') {
			source += '.*';
			i++;
		} else if (c === '*') {
			source += '[^/\\\\]*';
		} else if (c === '?') {
			source += '.';
		} else {
			source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
		}
	}
	return new RegExp(`^${source}$`, 'i');
}

/** Returns why the completion must not run, or undefined when it may. */
export function gateReason(input: GateInput): GateReason | undefined {
	if (!input.enabled) {
		return 'disabled';
	}
	if (!isLanguageEnabled(input.languages, input.languageId)) {
		return 'languageDisabled';
	}
	if (!input.inlineSuggestEnabled) {
		return 'inlineSuggestDisabled';
	}
	if (!allowedSchemes.includes(input.scheme)) {
		return 'unsupportedScheme';
	}
	if (isSecretFile(input.fileName, input.disableInFiles)) {
		return 'secretFile';
	}
	return cursorReason(input);
}

/** Cursor rules: no automatic completion in the middle of a word, and respect the suggest widget. */
function cursorReason(input: GateInput): GateReason | undefined {
	if (!input.invoked && /^\w/.test(input.lineAfter)) {
		return 'midWord';
	}
	const selected = input.selectedCompletion;
	if (selected && !selected.text.startsWith(selected.typed)) {
		return 'suggestWidgetMismatch';
	}
	return undefined;
}
