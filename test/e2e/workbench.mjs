// Helpers for driving code-server's workbench with playwright-core: start/stop code-server, poll the DOM,
// run commands from the palette, find the decoding panel's frame, find the sidecar process.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Polls `probe` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function poll(what, probe, { timeoutMs = 20_000, intervalMs = 50 } = {}) {
	const end = Date.now() + timeoutMs;
	let last;
	while (Date.now() < end) {
		try {
			last = await probe();
			if (last) {
				return last;
			}
		} catch (error) {
			last = error;
		}
		await new Promise((r) => setTimeout(r, intervalMs));
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
}

/** Starts code-server on `port`; resolves once /healthz answers. */
export async function startCodeServer({ codeServer, port, userDataDir, extensionsDir, workspace, env, logFile }) {
	const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace];
	const log = fs.openSync(logFile, 'a');
	const child = spawn(codeServer, args, { env, stdio: ['ignore', log, log], detached: true });
	await poll('code-server /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeoutMs: 60_000, intervalMs: 200 });
	return child;
}

/** Stops a process group started with `detached: true` (our code-server and everything under it). */
export function stopGroup(child) {
	try {
		process.kill(-child.pid, 'SIGTERM');
	} catch {
		// already gone
	}
}

/** Pids of sidecar processes whose command line mentions `marker` (our extensions folder). */
export function sidecarPids(marker) {
	const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
	return out
		.split('\n')
		.filter((l) => l.includes('sidecar.js') && l.includes(marker))
		.map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** Runs a command by its palette title. */
export async function runCommand(page, title) {
	await page.keyboard.press('F1');
	const input = page.locator('.quick-input-widget input');
	await input.waitFor({ state: 'visible' });
	await input.fill(`>${title}`);
	const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
	await row.waitFor({ state: 'visible', timeout: 10_000 });
	await page.keyboard.press('Enter');
	await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Opens a workspace file with Quick Open and waits for its editor to have focus. */
export async function openFile(page, name) {
	await page.keyboard.press('Control+P');
	const input = page.locator('.quick-input-widget input');
	await input.waitFor({ state: 'visible' });
	await input.fill(name);
	await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
	await page.keyboard.press('Enter');
	await page.locator(`.tab.active[aria-label*="${name}"]`).first().waitFor({ state: 'visible' });
	await focusEditor(page);
}

/** Clicks into the active editor and waits until it has the keyboard focus. */
export async function focusEditor(page) {
	await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
	await poll('the editor to have focus', () => page.evaluate(() => !!document.activeElement?.closest('.monaco-editor')), { timeoutMs: 10_000 });
}

/** The ghost text currently shown (normalised), or '' when none. */
export async function ghostText(page) {
	return page.evaluate(() => {
		const nodes = [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')];
		return nodes.map((n) => n.textContent ?? '').join('\n').replace(/\u00a0/g, ' ');
	});
}

/** The frame of the decoding panel (the inner webview iframe holding `#app`), if it is rendered. */
export async function panelFrame(page) {
	for (const frame of page.frames()) {
		try {
			if (await frame.evaluate(() => !!document.getElementById('app') && !!document.body.dataset.strings)) {
				return frame;
			}
		} catch {
			// detached or cross-origin frame being torn down
		}
	}
	return undefined;
}

/** Reads a file of the workspace (after the editor saved it). */
export function readWorkspaceFile(workspace, name) {
	return fs.readFileSync(path.join(workspace, name), 'utf8');
}

/** The status bar item of the extension: its accessible label ("d3LLM: ready, …"). */
export async function statusLabel(page) {
	return page.evaluate(() => {
		const items = [...document.querySelectorAll('.statusbar-item, .statusbar-item a, [role="button"]')];
		const hit = items.map((n) => n.getAttribute('aria-label') ?? '').find((l) => l.startsWith('d3LLM: '));
		return hit ?? '';
	});
}

/** Median and 95th percentile of a list of numbers. */
export function percentiles(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
	const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
	return { median, p95: at(0.95), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}
