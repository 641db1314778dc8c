/** The one-layer, 16-token model shape of the hand-scripted core tests (mask 15, EOS 1, no logit shift). */
import type { ModelSpec } from '../../../src/core/modelPort';

export const tinySpec: ModelSpec = {
	numLayers: 1,
	numKvHeads: 1,
	headDim: 2,
	vocabSize: 16,
	maxPositions: 64,
	topK: 2,
	logitShift: false,
	causal: false,
	maskId: 15,
	eosId: 1,
	padId: 0,
};
