import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { needsRestart, settingKinds, settingsOfKind } from '../../../src/extension/settingsSchema';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
const contributed = Object.keys(pkg.contributes.configuration.properties as Record<string, unknown>);

describe('settings classification', () => {
	it('classifies every contributed setting, and contributes every classified one', () => {
		assert.deepEqual(contributed.map((k) => k.replace(/^d3llm\./, '')).sort(), Object.keys(settingKinds).sort());
	});

	it('puts the model path, the execution provider and the threads in restart, the rest in hot', () => {
		assert.deepEqual(settingsOfKind('restart').sort(), ['model.path', 'runtime.executionProvider', 'runtime.threads']);
		assert.ok(settingsOfKind('hot').includes('completion.debounceMs'));
	});

	it('asks for a restart only when a restart setting changed', () => {
		assert.equal(needsRestart((s) => s === 'd3llm.runtime.threads'), true);
		assert.equal(needsRestart((s) => s === 'd3llm.completion.debounceMs'), false);
	});

	it('gives every setting a description and a default', () => {
		for (const [key, schema] of Object.entries(pkg.contributes.configuration.properties as Record<string, { markdownDescription?: string; default?: unknown }>)) {
			assert.ok(schema.markdownDescription, `${key} has a description`);
			assert.ok('default' in schema, `${key} has a default`);
		}
	});
});
