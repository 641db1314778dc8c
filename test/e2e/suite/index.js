// Entry of the in-host end-to-end suite: `run()` is what @vscode/test-electron's extensionTestsPath and
// the extension's D3LLM_E2E_SUITE hook (code-server) call. Mocha TDD; results also go to D3LLM_E2E_RESULT.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

exports.run = async function run() {
	const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, forbidOnly: !!process.env.CI });
	mocha.addFile(path.join(__dirname, 'extension.test.js'));
	const outcome = { passed: [], failed: [] };
	const failures = await new Promise((resolve) => {
		const runner = mocha.run(resolve);
		runner.on('pass', (test) => outcome.passed.push({ title: test.fullTitle(), ms: test.duration }));
		runner.on('fail', (test, error) => outcome.failed.push({ title: test.fullTitle(), error: String(error?.stack ?? error) }));
	});
	if (process.env.D3LLM_E2E_RESULT) {
		fs.writeFileSync(process.env.D3LLM_E2E_RESULT, JSON.stringify(outcome, null, 2));
	}
	if (failures > 0) {
		throw new Error(`${failures} in-host test(s) failed`);
	}
};
