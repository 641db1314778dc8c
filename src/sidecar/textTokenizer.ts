/**
 * Loads a model's `tokenizer.json` with the maintained `@huggingface/tokenizers` library (never a
 * hand-written BPE, architecture §4) and checks that it fits the model: every id it can produce must be
 * below the model's vocabulary size, and the special tokens must sit at the ids model.json names.
 */
import * as fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { modelInvalid } from './errors';
import type { ModelManifest } from './modelManifest';

/** Special token strings of the project's models (docs/model-contract.md). */
export const specialTokenStrings: Record<string, string> = {
	pad: '<|pad|>',
	eos: '<|endofmiddle|>',
	mask: '<|mask|>',
	fimPrefix: '<|fim_prefix|>',
	fimSuffix: '<|fim_suffix|>',
	fimMiddle: '<|fim_middle|>',
};

/** Encodes code to ids and back. */
export class TextTokenizer {
	private constructor(private readonly _tokenizer: Tokenizer) {}

	/** Loads and validates `file` against `manifest`. */
	static load(file: string, manifest: ModelManifest): TextTokenizer {
		const tokenizer = new Tokenizer(readJson(file), { clean_up_tokenization_spaces: false });
		checkFits(tokenizer, manifest, file);
		return new TextTokenizer(tokenizer);
	}

	/** Token ids of `text`, without any special tokens added. */
	encode(text: string): number[] {
		if (text.length === 0) {
			return [];
		}
		return this._tokenizer.encode(text, { add_special_tokens: false }).ids;
	}

	/** Text of `ids`; special tokens are dropped. */
	decode(ids: readonly number[]): string {
		return ids.length === 0 ? '' : this._tokenizer.decode([...ids], { skip_special_tokens: true, clean_up_tokenization_spaces: false });
	}

	/** Text of one token, special tokens included (for the step trace). */
	piece(id: number): string {
		return this._tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
	}

	/** The text of every id below `vocabSize` (`piece`), for token healing. */
	pieces(vocabSize: number): string[] {
		return Array.from({ length: vocabSize }, (_, id) => this.piece(id));
	}

	/**
	 * Every id whose text contains a line break (special tokens decode to nothing), given the `pieces` of the
	 * vocabulary: only the few pieces that hold one are decoded again, without special tokens.
	 */
	lineBreakTokenIds(pieces: readonly string[]): number[] {
		return pieces.flatMap((piece, id) => (piece.includes('\n') && this.decode([id]).includes('\n') ? [id] : []));
	}
}

function readJson(file: string): object {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8')) as object;
	} catch (e) {
		throw modelInvalid(`tokenizer.json cannot be read: ${(e as Error).message}`);
	}
}

function checkFits(tokenizer: Tokenizer, manifest: ModelManifest, file: string): void {
	const vocab = tokenizer.get_vocab(true);
	let maxId = -1;
	for (const id of vocab.values()) {
		maxId = Math.max(maxId, id);
	}
	if (maxId >= manifest.vocabSize) {
		throw modelInvalid(
			`${file}: the tokenizer's vocabulary (ids up to ${maxId}) does not fit the model's ${manifest.vocabSize} embeddings`,
		);
	}
	checkSpecialIds(tokenizer, manifest, file);
}

function checkSpecialIds(tokenizer: Tokenizer, manifest: ModelManifest, file: string): void {
	const ids = manifest.specialTokens as unknown as Record<string, number | null | undefined>;
	for (const [name, text] of Object.entries(specialTokenStrings)) {
		const expected = ids[name];
		const actual = tokenizer.token_to_id(text);
		if (expected !== undefined && expected !== null && actual !== undefined && actual !== expected) {
			throw modelInvalid(`${file}: ${text} has id ${actual} but model.json says specialTokens.${name} = ${expected}`);
		}
	}
}
