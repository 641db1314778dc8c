import * as assert from 'node:assert/strict';
import { CompletionCache } from '../../../src/extension/completionCache';

describe('CompletionCache', () => {
	const scope = 'file:///a.py';

	it('returns an exact hit and misses on another suffix or scope', () => {
		const cache = new CompletionCache();
		cache.store(scope, 'def f(x):\n    ', '\n', { text: 'return x + 1', alternatives: [] });
		assert.deepEqual(cache.lookup(scope, 'def f(x):\n    ', '\n'), { text: 'return x + 1', alternatives: [] });
		assert.equal(cache.lookup(scope, 'def f(x):\n    ', '\nprint()'), undefined);
		assert.equal(cache.lookup('file:///b.py', 'def f(x):\n    ', '\n'), undefined);
	});

	it('serves the rest of a completion while the user types its start (typed-through)', () => {
		const cache = new CompletionCache();
		cache.store(scope, 'x = ', '\n', { text: 'compute(1)\ny = 2', alternatives: ['compute(1)'] });
		assert.deepEqual(cache.lookup(scope, 'x = comp', '\n'), { text: 'ute(1)\ny = 2', alternatives: ['ute(1)'] });
		assert.deepEqual(cache.lookup(scope, 'x = compute(1)\ny', '\n'), { text: ' = 2', alternatives: [] });
	});

	it('misses when the typed text diverges or consumes the whole completion', () => {
		const cache = new CompletionCache();
		cache.store(scope, 'x = ', '\n', { text: 'compute(1)', alternatives: [] });
		assert.equal(cache.lookup(scope, 'x = coma', '\n'), undefined);
		assert.equal(cache.lookup(scope, 'x = compute(1)', '\n'), undefined);
	});

	it('keys on the prefix tail, so a sliding prefix window still hits', () => {
		const cache = new CompletionCache({ prefixKeyChars: 10 });
		cache.store(scope, 'AAAAAAAAAA0123456789', '', { text: 'abc', alternatives: [] });
		assert.deepEqual(cache.lookup(scope, 'BBB0123456789a', ''), { text: 'bc', alternatives: [] });
	});

	it('evicts the least recently used entry', () => {
		const cache = new CompletionCache({ maxEntries: 2 });
		cache.store(scope, '1', '', { text: 'a', alternatives: [] });
		cache.store(scope, '2', '', { text: 'b', alternatives: [] });
		cache.lookup(scope, '1', '');
		cache.store(scope, '3', '', { text: 'c', alternatives: [] });
		assert.equal(cache.size, 2);
		assert.equal(cache.lookup(scope, '2', ''), undefined);
		assert.ok(cache.lookup(scope, '1', ''));
	});
});
