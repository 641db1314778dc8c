/**
 * Starts the in-host end-to-end suite when `D3LLM_E2E_SUITE` names its entry (code-server has no
 * `--extensionTestsPath`; desktop VS Code uses @vscode/test-electron instead). Inert otherwise.
 */
import type * as vscode from 'vscode';

/** Runs `require(D3LLM_E2E_SUITE).run()` after activation has returned; failures go to the log. */
export function runE2eSuiteIfRequested(log: vscode.LogOutputChannel): void {
	const entry = process.env.D3LLM_E2E_SUITE;
	if (!entry) {
		return;
	}
	setTimeout(() => {
		log.info(`running the end-to-end suite ${entry}`);
		const suite = require(entry) as { run(): Promise<void> }; // eslint-disable-line @typescript-eslint/no-require-imports -- a runtime path: the suite is not part of the bundle
		suite.run().then(
			() => log.info('end-to-end suite passed'),
			(error: Error) => log.error(`end-to-end suite failed: ${error.message}`),
		);
	}, 0);
}
