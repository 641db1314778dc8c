import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readManifest } from '../../../src/sidecar/modelManifest';
import { TextTokenizer } from '../../../src/sidecar/textTokenizer';
import { fixtureModel } from '../helpers/paths';

describe('TextTokenizer (fixture tokenizer.json through @huggingface/tokenizers)', () => {
	const manifest = readManifest(path.join(fixtureModel, 'model.json'));
	const tokenizer = TextTokenizer.load(path.join(fixtureModel, 'tokenizer.json'), manifest);

	it('round-trips code exactly: spaces before punctuation, tabs, CRLF, unicode', () => {
		for (const text of ["x = 'auto' ?  y : z\n", 'def f(a ,b):\r\n\treturn a , b\n', 'naïve = "héllo → ✓"\n', '  \n\n   ']) {
			assert.equal(tokenizer.decode(tokenizer.encode(text)), text);
		}
	});

	it('encodes empty text to no tokens and keeps every id inside the model vocabulary', () => {
		assert.deepEqual(tokenizer.encode(''), []);
		const ids = tokenizer.encode('import os, sys\nprint(os.getcwd())\n');
		assert.ok(ids.every((id) => id >= 0 && id < manifest.vocabSize));
	});

	it('shows special tokens as pieces but drops them from text', () => {
		assert.equal(tokenizer.piece(manifest.specialTokens.eos), '<|endofmiddle|>');
		const ids = tokenizer.encode('a = 1');
		assert.equal(tokenizer.decode([...ids, manifest.specialTokens.eos]), 'a = 1');
	});

	it('lists the ids whose text holds a line break, without special tokens', () => {
		const ids = tokenizer.lineBreakTokenIds(tokenizer.pieces(manifest.vocabSize));
		assert.ok(ids.length > 0);
		assert.ok(ids.every((id) => id < manifest.vocabSize && tokenizer.piece(id).includes('\n')));
		assert.ok(!ids.includes(manifest.specialTokens.eos));
		for (const id of tokenizer.encode('x = 1\n\ny = 2\n')) {
			assert.equal(ids.includes(id), tokenizer.decode([id]).includes('\n'));
		}
	});
});
