/**
 * Decoder factory: maps a `DecoderName` to its step policy (architecture §5 "Decoders").
 */
import type { DecodeContext, StepDecoder } from './stepDecoder';
import { D3llmDecoder } from './d3llm';
import { FastDllmDecoder } from './fastdllm';
import { VanillaDecoder } from './vanilla';
import { ArDecoder } from './ar';

/** The step policy for `context.options.decoder`. */
export function createDecoder(context: DecodeContext): StepDecoder {
	switch (context.options.decoder) {
		case 'd3llm':
			return new D3llmDecoder(context);
		case 'fastdllm':
			return new FastDllmDecoder(context);
		case 'vanilla':
			return new VanillaDecoder(context);
		case 'ar':
			return new ArDecoder(context);
	}
}
