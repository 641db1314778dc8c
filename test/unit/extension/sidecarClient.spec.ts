import * as assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RestartBackoff } from '../../../src/extension/backoff';
import { systemClock } from '../../../src/extension/clock';
import { SidecarClient, type SidecarState } from '../../../src/extension/sidecarClient';
import type { CompleteRequest } from '../../../src/protocol/sidecarProtocol';
import { distFile, fixtureModel } from '../helpers/paths';

const params = (requestId: string): CompleteRequest.Params => ({ requestId, documentKey: 'a.py', segments: ['def add(a, b):\n    return', '\n'], regions: [{ maxTokens: 16 }] });

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
	const end = Date.now() + ms;
	while (!condition()) {
		assert.ok(Date.now() < end, 'condition not met in time');
		await new Promise((r) => setTimeout(r, 20));
	}
}

describe('SidecarClient (real sidecar, fixture model)', function () {
	this.timeout(30_000);
	const logs: string[] = [];
	const crashes: string[] = [];
	let client: SidecarClient;

	beforeEach(() => {
		client = new SidecarClient({
			sidecarPath: distFile('sidecar.js'),
			loadParams: () => ({ modelDir: fixtureModel, executionProvider: 'cpu', threads: 1 }),
			log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
			clock: systemClock,
			onCrash: (m) => crashes.push(m),
			backoff: new RestartBackoff({ initialMs: 50, maxMs: 200, stableMs: 60_000, maxCrashes: 3 }),
		});
	});
	afterEach(async () => {
		const pid = client.pid;
		await client.dispose();
		assert.ok(pid === undefined || !isAlive(pid), 'nothing is left running after dispose');
	});

	it('starts lazily, loads the model, completes and streams steps', async () => {
		assert.equal(client.pid, undefined);
		const states: SidecarState[] = [];
		client.onDidChangeStatus((s) => states.push(s.state));
		let steps = 0;
		client.onDidStep(() => steps++);
		const result = await client.complete(params('r1'), new CancellationTokenSource().token);
		assert.equal(result.regions.length, 1);
		assert.ok(steps > 0 && steps === result.steps, `streamed ${steps} of ${result.steps} steps`);
		assert.equal(states[0], 'starting');
		assert.ok(states.includes('ready'), states.join(','));
		assert.equal(client.modelInfo?.id, 'tiny-random');
	});

	it('turns a cancelled token into $/cancelRequest (the request fails as cancelled)', async () => {
		await client.start();
		const source = new CancellationTokenSource();
		const pending = client.complete({ ...params('r2'), regions: [{ maxTokens: 256 }] }, source.token);
		setTimeout(() => source.cancel(), 5);
		await assert.rejects(pending);
		const again = await client.complete(params('r3'), new CancellationTokenSource().token);
		assert.equal(again.requestId, 'r3');
	});

	it('reports a crash once and restarts, and completions work again', async () => {
		await client.start();
		const first = client.pid!;
		process.kill(first, 'SIGKILL');
		await until(() => client.pid !== undefined && client.pid !== first);
		const result = await client.complete(params('r4'), new CancellationTokenSource().token);
		assert.equal(result.requestId, 'r4');
		assert.equal(crashes.length, 1);
		assert.match(crashes[0], /SIGKILL/);
	});
});
