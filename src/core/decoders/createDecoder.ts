/**
 * Decoder factory: maps a `DecoderName` to its step policy (architecture §5 "Decoders").
 */
import type { DecodeContext, StepDecoder } from './stepDecoder';
import { D3llmDecoder } from './d3llm';

/** The step policy for `context.options.decoder`. */
export function createDecoder(context: DecodeContext): StepDecoder {
	switch (context.options.decoder) {
		case 'd3llm':
			return new D3llmDecoder(context);
		default:
			throw new Error(`decoder '${context.options.decoder}' is not implemented yet`);
	}
}
