import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** The tiny random-weight fixture model (bidirectional, no logit shift). */
export const fixtureModel = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-random');
/** The causal (autoregressive twin) fixture. */
export const fixtureCausalModel = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-random-causal');

/** A built bundle under dist/; fails with a clear message when `npm run build` has not run. */
export function distFile(name: string): string {
	const file = path.join(repoRoot, 'dist', name);
	if (!fs.existsSync(file)) {
		throw new Error(`${file} is missing: run \`npm run build\` before these tests`);
	}
	return file;
}
