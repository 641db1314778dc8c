/**
 * What one benchmark row runs: a decoder (with its threshold for d3llm) on a model folder. The rows of a run
 * are ordered deterministically: the main model's decoders in the order given, d3llm's thresholds ascending,
 * then the autoregressive twin. `--decoding` overrides go to the main model's rows only: the twin runs its own
 * model.json defaults.
 */
import type { DecoderName } from '../../protocol/sidecarProtocol';
import type { DecodingOverrides } from './decodingOverrides';

/** One row of the benchmark. */
export interface BenchConfig {
	/** Row key: the decoder name, `ar-twin` for the autoregressive twin model. */
	readonly label: string;
	readonly decoder: DecoderName;
	/** Entropy threshold (d3llm only). */
	readonly threshold?: number;
	readonly modelDir: string;
	/** Decoding knobs sent with every request of the row (the row's decoder and threshold win). */
	readonly decoding?: DecodingOverrides;
}

/** The rows for `decoders` on `modelDir` (with `decoding`), d3llm once per threshold, plus the twin when given. */
export function buildConfigs(decoders: readonly DecoderName[], thresholds: readonly number[], modelDir: string, arModelDir?: string, decoding?: DecodingOverrides): BenchConfig[] {
	const configs: BenchConfig[] = [];
	const shared = decoding === undefined ? { modelDir } : { modelDir, decoding };
	for (const decoder of decoders) {
		if (decoder === 'd3llm') {
			const sorted = [...new Set(thresholds)].sort((a, b) => a - b);
			configs.push(...sorted.map((threshold) => ({ label: decoder, decoder, threshold, ...shared })));
		} else {
			configs.push({ label: decoder, decoder, ...shared });
		}
	}
	if (arModelDir !== undefined) {
		configs.push({ label: 'ar-twin', decoder: 'ar', modelDir: arModelDir });
	}
	return configs;
}

/** A short human name of a row (`d3llm τ=0.5`). */
export function configName(config: BenchConfig): string {
	return config.threshold === undefined ? config.label : `${config.label} τ=${config.threshold}`;
}
