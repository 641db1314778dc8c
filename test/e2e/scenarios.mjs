// End-to-end scenarios in a real VS Code (code-server 4.139.1 in headless Chromium, driven by
// playwright-core). Started by test/e2e/run.sh, which packages and installs the extension first.
// Every wait is a poll with a deadline; the process exits non-zero when a scenario fails.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { focusEditor, ghostText, openFile, panelFrame, percentiles, poll, readWorkspaceFile, runCommand, sidecarPids, startCodeServer, statusLabel, stopGroup } from './workbench.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const work = env('D3LLM_E2E_WORK');
const tools = env('D3LLM_E2E_TOOLS');
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const port = Number(env('D3LLM_E2E_PORT', 18000 + Math.floor(Math.random() * 1000)));
const latencyTries = Number(env('D3LLM_E2E_LATENCY_TRIES', '10'));
const workspace = path.join(work, 'workspace');
const extensionsDir = path.join(work, 'extensions');
const { chromium } = createRequire(path.join(tools, 'package.json'))('playwright-core');

const results = [];
let page;

/** Runs one scenario, recording pass/fail and its duration; a failure also saves a screenshot. */
async function scenario(name, body) {
	const started = Date.now();
	try {
		const detail = await body();
		results.push({ name, ok: true, ms: Date.now() - started, detail });
		console.log(`  ✔ ${name} (${Date.now() - started} ms)${detail ? ` — ${JSON.stringify(detail)}` : ''}`);
	} catch (error) {
		results.push({ name, ok: false, ms: Date.now() - started, error: String(error?.stack ?? error) });
		console.log(`  ✘ ${name}: ${error?.message ?? error}`);
		await page?.screenshot({ path: path.join(work, `failure-${results.length}.png`) }).catch(() => undefined);
	}
}

async function save() {
	await page.keyboard.press('Control+S');
	await poll('the editor to be saved', async () => (await page.locator('.tab.active.dirty').count()) === 0, { timeoutMs: 10_000 });
}

async function typeLine(text) {
	await page.keyboard.press('Control+End');
	await page.keyboard.press('Enter');
	await page.keyboard.type(text, { delay: 40 });
}

async function goToLine(line) {
	await page.keyboard.press('Control+G');
	await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
	await page.keyboard.type(String(line));
	await page.keyboard.press('Enter');
}

async function waitForGhost(timeoutMs = 60_000) {
	return poll('ghost text', async () => (await ghostText(page)).trim() && ghostText(page), { timeoutMs });
}

async function panelState(frame) {
	return frame.evaluate(() => ({
		cells: document.querySelectorAll('.cell').length,
		committed: document.querySelectorAll('.cell:not(.masked)').length,
		regions: document.querySelectorAll('.region').length,
		bars: document.querySelectorAll('.bar').length,
		done: !!document.querySelector('.state-done'),
		label: document.querySelector('.head .label')?.textContent ?? '',
		counters: [...document.querySelectorAll('.counter')].map((c) => c.textContent),
	}));
}

/** Measures last keystroke → visible ghost text in the page (keydown timestamp to the DOM mutation). */
async function measureKeystrokeToGhost(key) {
	await page.evaluate(() => {
		window.__d3llmLatency = new Promise((resolve) => {
			let t0;
			document.addEventListener('keydown', () => (t0 = performance.now()), { capture: true, once: true });
			const found = () => [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text')].some((n) => n.textContent.trim());
			const observer = new MutationObserver(() => {
				if (t0 !== undefined && found()) {
					observer.disconnect();
					resolve(performance.now() - t0);
				}
			});
			observer.observe(document.body, { subtree: true, childList: true, characterData: true });
			setTimeout(() => (observer.disconnect(), resolve(-1)), 20_000);
		});
	});
	await page.keyboard.press(key);
	return page.evaluate(() => window.__d3llmLatency);
}

async function main() {
	const codeServer = await startCodeServer({
		codeServer: path.join(tools, 'node_modules', '.bin', 'code-server'),
		port,
		userDataDir: path.join(work, 'user-data'),
		extensionsDir,
		workspace,
		env: { ...process.env },
		logFile: path.join(work, 'code-server.log'),
	});
	const profile = fs.mkdtempSync(path.join(work, 'chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: env('CHROMIUM', '/usr/bin/chromium'),
		headless: true,
		viewport: { width: 1500, height: 900 },
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		page = context.pages()[0] ?? (await context.newPage());
		await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
		await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
		await poll('the extension to be activated (status bar item)', async () => (await statusLabel(page)) !== '', { timeoutMs: 60_000 });
		await openFile(page, 'sample.py');
		await runScenarios();
	} finally {
		await context.close().catch(() => undefined);
		stopGroup(codeServer);
	}
}

async function runScenarios() {
	const original = readWorkspaceFile(workspace, 'sample.py');

	await scenario('typing in a Python file shows ghost text and Tab inserts it', async () => {
		await typeLine('def total(values):');
		await page.keyboard.press('Enter');
		await page.keyboard.type('result = ', { delay: 60 });
		const ghost = (await waitForGhost()).split('\n')[0];
		await page.keyboard.press('Tab');
		await save();
		const text = readWorkspaceFile(workspace, 'sample.py');
		const squash = (s) => s.replace(/\s+/g, ' ').trim();
		if (!squash(text).includes(squash(`result = ${ghost}`))) {
			throw new Error(`the accepted text is not in the file: ghost ${JSON.stringify(ghost)}`);
		}
		return { ghost };
	});

	await scenario('the status bar shows ready', async () => ({ label: await poll('status "ready"', async () => ((await statusLabel(page)).startsWith('d3LLM: ready') ? statusLabel(page) : ''), { timeoutMs: 30_000 }) }));

	await scenario('Fill in the Middle fills a selection as one undoable edit', async () => {
		await goToLine(15);
		await page.keyboard.press('End');
		await page.keyboard.press('Shift+Home');
		await runCommand(page, 'd3LLM: Fill in the Middle');
		await poll('the fill to edit the document', async () => (await page.locator('.tab.active.dirty').count()) > 0, { timeoutMs: 60_000 });
		await save();
		const filled = readWorkspaceFile(workspace, 'sample.py').split('\n')[14];
		if (filled.includes('message = "hello " + name')) {
			throw new Error(`line 15 unchanged: ${filled}`);
		}
		await page.keyboard.press('Control+Z');
		await save();
		const undone = readWorkspaceFile(workspace, 'sample.py').split('\n')[14];
		if (undone !== original.split('\n')[14]) {
			throw new Error(`one undo did not restore line 15: ${JSON.stringify(undone)}`);
		}
		return { filled: filled.trim() };
	});

	await scenario('the decoding panel shows step cells filling in', async () => {
		const frame = await poll('the panel frame', () => panelFrame(page), { timeoutMs: 30_000 });
		const state = await poll('committed cells and the end of the decode', async () => {
			const s = await panelState(frame);
			return s.committed > 0 && s.bars > 0 && s.done && s;
		});
		await screenshotPanel(frame, state);
		return state;
	});

	await scenario('Fill All Selections fills two cursors in one run', async () => {
		await page.keyboard.press('Control+F');
		await page.keyboard.type('HOLE');
		await poll('two find matches', async () => /of 2\b/.test((await page.locator('.find-widget .matchesCount').textContent()) ?? ''), { timeoutMs: 10_000 });
		await page.keyboard.press('Alt+Enter');
		await runCommand(page, 'd3LLM: Fill All Selections');
		await poll('the fill to edit the document', async () => (await page.locator('.tab.active.dirty').count()) > 0, { timeoutMs: 60_000 });
		await save();
		const lines = readWorkspaceFile(workspace, 'sample.py').split('\n');
		if (lines.some((l) => l.includes('HOLE'))) {
			throw new Error(`a HOLE is left: ${lines.slice(8, 10).join(' | ')}`);
		}
		const frame = await poll('the panel frame', () => panelFrame(page), { timeoutMs: 10_000 });
		const state = await poll('a two-region decode in the panel', async () => {
			const s = await panelState(frame);
			return s.regions === 2 && s.done && s.label.startsWith('fillAllSelections') && s;
		});
		return { lines: lines.slice(8, 10).map((l) => l.trim()), panel: state };
	});

	await scenario('killing the sidecar is followed by a restart, and completions work again', async () => {
		await page.keyboard.press('Escape');
		const [pid] = await poll('a running sidecar', () => sidecarPids(extensionsDir).length === 1 && sidecarPids(extensionsDir));
		process.kill(pid, 'SIGKILL');
		const next = await poll('a new sidecar process', () => sidecarPids(extensionsDir).find((p) => p !== pid), { timeoutMs: 30_000 });
		await poll('status "ready" after the restart', async () => (await statusLabel(page)).startsWith('d3LLM: ready'), { timeoutMs: 30_000 });
		await focusEditor(page);
		await typeLine('count = ');
		const ghost = await waitForGhost(30_000);
		return { killed: pid, restarted: next, ghost: ghost.split('\n')[0] };
	});

	await scenario(`keystroke → ghost text latency (${latencyTries} tries)`, async () => {
		const samples = [];
		for (let i = 0; i < latencyTries; i++) {
			await page.keyboard.press('Escape');
			await typeLine(`w${i}_value = `);
			await new Promise((r) => setTimeout(r, 1200));
			await page.keyboard.press('Escape');
			await poll('no ghost text', async () => !(await ghostText(page)).trim(), { timeoutMs: 5_000 });
			const ms = await measureKeystrokeToGhost('x');
			if (ms >= 0) {
				samples.push(Math.round(ms));
			}
		}
		if (samples.length < Math.ceil(latencyTries / 2)) {
			throw new Error(`ghost text appeared in only ${samples.length} of ${latencyTries} tries`);
		}
		const stats = percentiles(samples);
		console.log(`  keystroke → ghost text: median ${stats.median} ms, p95 ${stats.p95} ms (n=${stats.n}, min ${stats.min}, max ${stats.max}; samples ${samples.join(', ')})`);
		return { ...stats, samples };
	});
}

/** Saves the panel (into the work folder; `D3LLM_E2E_SCREENSHOT=media/panel.png` refreshes the committed one) with the replay slider in the middle of the decode. */
async function screenshotPanel(frame, state) {
	await frame.evaluate(() => {
		const slider = document.querySelector('.slider');
		if (slider && !slider.disabled) {
			slider.value = String(Math.max(1, Math.ceil(Number(slider.max) / 2)));
			slider.dispatchEvent(new Event('input'));
		}
	});
	await new Promise((r) => setTimeout(r, 300));
	const element = await page.$('iframe.webview.ready, iframe.webview');
	const target = env('D3LLM_E2E_SCREENSHOT', path.join(work, 'panel.png'));
	await (element ?? page).screenshot({ path: target });
	console.log(`  panel screenshot (${state.committed} committed cells, replay at mid-decode) → ${target}`);
}

main()
	.catch((error) => {
		results.push({ name: 'setup', ok: false, error: String(error?.stack ?? error) });
		console.log(`  ✘ setup: ${error?.stack ?? error}`);
	})
	.finally(() => {
		fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(results, null, 2));
		const failed = results.filter((r) => !r.ok).length;
		console.log(`\n  ${results.length - failed} passing, ${failed} failing (details: ${path.join(work, 'results.json')})`);
		process.exit(failed > 0 || results.length === 0 ? 1 : 0);
	});
