// Runs the in-host end-to-end suite in desktop VS Code with @vscode/test-electron (needs network access to
// download VS Code; it cannot run in the sandboxed build machine, where test/e2e/run.sh uses code-server).
// Usage: npm run build && node test/e2e/electron/runTests.js   (D3LLM_VSCODE_VERSION=1.100.0 for the minimum)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runTests } = require('@vscode/test-electron');

async function main() {
	const root = path.resolve(__dirname, '..', '..', '..');
	const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-e2e-ws-'));
	fs.cpSync(path.join(root, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
	await runTests({
		version: process.env.D3LLM_VSCODE_VERSION ?? 'stable',
		extensionDevelopmentPath: root,
		extensionTestsPath: path.join(root, 'test', 'e2e', 'suite', 'index.js'),
		launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
	});
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
