// Runs the in-host suite (suite/*.test.js) inside code-server: the extension starts it when
// D3LLM_E2E_SUITE is set; Chromium only opens the workbench so that an extension host runs. Polls the
// result file; exits non-zero when a test failed or no result came.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { poll, startCodeServer, stopGroup } from './workbench.mjs';

const work = process.env.D3LLM_E2E_WORK;
const tools = process.env.D3LLM_E2E_TOOLS;
const here = path.dirname(new URL(import.meta.url).pathname);
const port = 19000 + Math.floor(Math.random() * 1000);
const resultFile = path.join(work, 'host-suite.json');
const workspace = path.join(work, 'workspace');
const { chromium } = createRequire(path.join(tools, 'package.json'))('playwright-core');

let exitCode = 1;
const codeServer = await startCodeServer({
	codeServer: path.join(tools, 'node_modules', '.bin', 'code-server'),
	port,
	userDataDir: path.join(work, 'user-data-host'),
	extensionsDir: path.join(work, 'extensions'),
	workspace,
	env: { ...process.env, D3LLM_E2E_SUITE: path.join(here, 'suite', 'index.js'), D3LLM_E2E_RESULT: resultFile },
	logFile: path.join(work, 'code-server-host.log'),
});
const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(work, 'chromium-host-')), {
	executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
	const page = context.pages()[0] ?? (await context.newPage());
	await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
	await poll('the in-host suite result', () => fs.existsSync(resultFile), { timeoutMs: 240_000, intervalMs: 250 });
	const outcome = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
	for (const t of outcome.passed) {
		console.log(`  ✔ [in-host] ${t.title} (${t.ms} ms)`);
	}
	for (const t of outcome.failed) {
		console.log(`  ✘ [in-host] ${t.title}\n${t.error}`);
	}
	console.log(`  in-host: ${outcome.passed.length} passing, ${outcome.failed.length} failing`);
	exitCode = outcome.failed.length === 0 && outcome.passed.length > 0 ? 0 : 1;
} catch (error) {
	console.log(`  ✘ [in-host] ${error?.stack ?? error}`);
} finally {
	await context.close().catch(() => undefined);
	stopGroup(codeServer);
}
process.exit(exitCode);
