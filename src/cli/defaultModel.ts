/**
 * Where the CLI finds models: the shipped default (`models/d3llm-tiny-code`, trained by the project's
 * recipe) and, until it exists, the test fixture. Paths are relative to the package root (dist/..).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package root (the folder holding dist/). */
export function packageRoot(): string {
	return path.resolve(__dirname, '..');
}

/** Candidate default models, best first. */
export const defaultModelCandidates = ['models/d3llm-tiny-code', 'test/fixtures/models/tiny-random'];

/** The default model folder: the first candidate that has a model.json. */
export function defaultModelDir(): string {
	for (const candidate of defaultModelCandidates) {
		const dir = path.join(packageRoot(), candidate);
		if (fs.existsSync(path.join(dir, 'model.json'))) {
			return dir;
		}
	}
	return path.join(packageRoot(), defaultModelCandidates[0]);
}
