import * as assert from 'node:assert/strict';
import { gateReason, isSecretFile, type GateInput } from '../../../src/extension/gate';

const open: GateInput = { languageId: 'python', fileName: '/w/a.py', scheme: 'file', enabled: true, languages: { '*': true, markdown: false }, disableInFiles: [], inlineSuggestEnabled: true, invoked: false, lineAfter: '' };

describe('gate', () => {
	it('is open for an ordinary file', () => assert.equal(gateReason(open), undefined));
	it('respects the global toggle, the language map and editor.inlineSuggest.enabled', () => {
		assert.equal(gateReason({ ...open, enabled: false }), 'disabled');
		assert.equal(gateReason({ ...open, languageId: 'markdown' }), 'languageDisabled');
		assert.equal(gateReason({ ...open, languages: { '*': false, python: true } }), undefined);
		assert.equal(gateReason({ ...open, inlineSuggestEnabled: false }), 'inlineSuggestDisabled');
	});
	it('skips secret files', () => {
		for (const name of ['/w/.env', '/w/.env.local', '/w/server.pem', '/w/tls.key', '/home/u/.ssh/id_rsa', '/w/id_ed25519.pub', '/w/secrets.yaml', '/w/.npmrc']) {
			assert.ok(isSecretFile(name), name);
		}
		for (const name of ['/w/env.py', '/w/keyboard.ts', '/w/main.py']) {
			assert.ok(!isSecretFile(name), name);
		}
		assert.equal(gateReason({ ...open, fileName: '/w/x/private.py', disableInFiles: ['**/x/*.py'] }), 'secretFile');
	});
	it('does not auto-trigger mid-word, but an explicit trigger may', () => {
		assert.equal(gateReason({ ...open, lineAfter: 'foo)' }), 'midWord');
		assert.equal(gateReason({ ...open, lineAfter: 'foo)', invoked: true }), undefined);
		assert.equal(gateReason({ ...open, lineAfter: ')' }), undefined);
	});
	it('follows the suggest widget rules', () => {
		assert.equal(gateReason({ ...open, selectedCompletion: { text: 'append', typed: 'ap' } }), undefined);
		assert.equal(gateReason({ ...open, selectedCompletion: { text: 'append', typed: 'x' } }), 'suggestWidgetMismatch');
	});
	it('skips output panes and other non-file schemes', () => assert.equal(gateReason({ ...open, scheme: 'output' }), 'unsupportedScheme'));
});
