import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { SyntaxService } from '../../../src/extension/syntaxService';
import { keepParsable } from '../../../src/extension/syntaxCheck';
import { repoRoot } from '../helpers/paths';

const locate = (file: string): string => (file === 'web-tree-sitter.wasm' ? path.join(repoRoot, 'node_modules', 'web-tree-sitter', file) : path.join(repoRoot, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm', file));

describe('SyntaxService (web-tree-sitter, Python grammar)', () => {
	const syntax = new SyntaxService(locate);
	before(async () => assert.equal(await syntax.load('python'), true));
	after(() => syntax.dispose());

	it('knows comments, strings and block openers at the cursor', () => {
		assert.deepEqual(syntax.facts('python', 'def f(x):', '\n'), { inComment: false, inString: false, opensBlock: true });
		assert.equal(syntax.facts('python', 'x = 1  # the ', '\n')?.inComment, true);
		assert.equal(syntax.facts('python', 's = "abc', '"\n')?.inString, true);
		assert.equal(syntax.facts('python', 'd = {1:', ' 2}\n')?.opensBlock, false);
	});

	it('answers undefined for a language without a grammar (indentation rules decide)', () => {
		assert.equal(syntax.facts('plaintext', 'a', ''), undefined);
		assert.equal(syntax.errorCounter('plaintext'), undefined);
	});

	it('keeps the leading lines of a completion that parse no worse than the file', () => {
		const counter = syntax.errorCounter('python')!;
		const prefix = 'def f(x):\n    ';
		assert.equal(keepParsable('y = x + 1\n    return y', prefix, '\n', counter), 'y = x + 1\n    return y');
		assert.equal(keepParsable('y = x + 1\n    return y +* )', prefix, '\n', counter), 'y = x + 1');
		assert.equal(keepParsable('+* )', prefix, '\n', counter), undefined);
	});
});
