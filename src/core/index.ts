/**
 * Public API of the decoding core (architecture §5): `decode` and its options/results, the canvas, the KV
 * cache pieces needed for parity tests, and the AUP metric (reference §4).
 */
export type { IDenoiserModel, ModelSpec, KvView, ForwardRequest, ForwardResult, Clock } from './modelPort';
export { decode, type DecodeHooks, type DecodeResult } from './decode';
export type { RegionOutput } from './regionOutput';
export { Canvas, canvasLength, type CanvasInput, type Region } from './canvas';
export { defaultDecodeOptions, resolveDecodeOptions, validateCanvasInput, cacheEnabled, noCacheDelay, type DecodeOptions, type ResolvedDecodeOptions, type DecoderName } from './options';
export { KvCache, type KvShape } from './kvCache';
export { ForwardRunner, planForward, toRanges, type ForwardPlan, type CacheDecision, type ForwardOutcome } from './forwardRunner';
export { Predictions, alignPredictions } from './predictions';
export type { OpeningRule } from './openingTokens';
export { aup, aupWeight, type AupPoint } from './aup';
export { probeKvParity, type KvParityProbe } from './kvParity';
