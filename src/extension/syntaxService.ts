/**
 * Tree-sitter for the line policy and the parse check (web-tree-sitter with @vscode/tree-sitter-wasm
 * grammars, copied next to the bundle by esbuild.js). Grammars load lazily and in the background: until a
 * language's grammar is ready, the oracle answers undefined and indentation rules decide alone.
 */
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { SyntaxOracle } from './completionEngine';
import type { SyntaxFacts } from '../common/linePolicy';
import type { ErrorCounter } from './syntaxCheck';

/** VS Code language id → grammar file stem in @vscode/tree-sitter-wasm. */
export const grammarFiles: Readonly<Record<string, string>> = Object.freeze({
	python: 'python',
	javascript: 'javascript',
	javascriptreact: 'javascript',
	typescript: 'typescript',
	typescriptreact: 'tsx',
	go: 'go',
	rust: 'rust',
	java: 'java',
	c: 'cpp',
	cpp: 'cpp',
	csharp: 'c-sharp',
	ruby: 'ruby',
	php: 'php',
	shellscript: 'bash',
	css: 'css',
});

/** Finds a .wasm file (`web-tree-sitter.wasm` or `tree-sitter-<name>.wasm`) on disk. */
export type WasmLocator = (fileName: string) => string;

/** Parents whose `:`/`{` does not open a statement block. */
const notBlock = /dict|object|slice|pair|type|lambda|subscript|annotation|parameter|argument|string|comment/;

/** The tree-sitter oracle. */
export class SyntaxService implements SyntaxOracle {
	private _init: Promise<void> | undefined;
	private readonly _parsers = new Map<string, Parser | 'loading' | 'failed'>();

	constructor(
		private readonly _locate: WasmLocator,
		private readonly _log?: (message: string) => void,
	) {}

	/** Loads the grammar of `languageId` (resolves once usable; false when there is none). */
	async load(languageId: string): Promise<boolean> {
		const file = grammarFiles[languageId];
		if (!file) {
			return false;
		}
		const existing = this._parsers.get(file);
		if (existing instanceof Parser) {
			return true;
		}
		if (existing === undefined) {
			this._parsers.set(file, 'loading');
			try {
				this._init ??= Parser.init({ locateFile: (name: string) => this._locate(name) });
				await this._init;
				const parser = new Parser();
				parser.setLanguage(await Language.load(this._locate(`tree-sitter-${file}.wasm`)));
				this._parsers.set(file, parser);
				return true;
			} catch (error) {
				this._parsers.set(file, 'failed');
				this._log?.(`tree-sitter grammar ${file} failed to load: ${(error as Error).message}`);
			}
		}
		return false;
	}

	facts(languageId: string, prefix: string, suffix: string): SyntaxFacts | undefined {
		return this._withTree(languageId, prefix + suffix, (root) => cursorFacts(root, prefix));
	}

	errorCounter(languageId: string): ErrorCounter | undefined {
		return this._parser(languageId) ? (text) => this._withTree(languageId, text, countErrors) : undefined;
	}

	dispose(): void {
		for (const parser of this._parsers.values()) {
			if (parser instanceof Parser) {
				parser.delete();
			}
		}
		this._parsers.clear();
	}

	private _parser(languageId: string): Parser | undefined {
		const file = grammarFiles[languageId];
		const parser = file ? this._parsers.get(file) : undefined;
		if (file && parser === undefined) {
			void this.load(languageId);
		}
		return parser instanceof Parser ? parser : undefined;
	}

	private _withTree<T>(languageId: string, text: string, read: (root: Node) => T): T | undefined {
		const tree = this._parser(languageId)?.parse(text);
		if (!tree) {
			return undefined;
		}
		try {
			return read(tree.rootNode);
		} finally {
			tree.delete();
		}
	}
}

/** Comment / string / block-opener facts at the end of `prefix`. */
export function cursorFacts(root: Node, prefix: string): SyntaxFacts {
	const offset = prefix.length;
	const inside = root.descendantForIndex(Math.max(0, offset - 1), offset);
	const chain = ancestors(inside).filter((n) => n.startIndex < offset);
	// A line comment ends at the end of its line, so the cursor there is still inside it; a string is not.
	const inComment = chain.some((n) => n.type.includes('comment') && n.endIndex >= offset);
	const inString = chain.some((n) => /string|template/.test(n.type) && n.endIndex > offset);
	const last = prefix.trimEnd();
	const token = last.length > 0 ? root.descendantForIndex(last.length - 1, last.length) : null;
	const opensBlock = !!token && (token.type === ':' || token.type === '{') && !notBlock.test(token.parent?.type ?? '');
	return { inComment, inString, opensBlock };
}

function ancestors(node: Node | null): Node[] {
	const result: Node[] = [];
	for (let n = node; n; n = n.parent) {
		result.push(n);
	}
	return result;
}

/** Number of ERROR and MISSING nodes (walks only subtrees that contain errors). */
export function countErrors(node: Node): number {
	if (!node.hasError && !node.isMissing) {
		return 0;
	}
	let count = node.type === 'ERROR' || node.isMissing ? 1 : 0;
	for (const child of node.children) {
		if (child) {
			count += countErrors(child);
		}
	}
	return count;
}
