// In-host end-to-end tests: run inside the VS Code extension host (code-server or desktop VS Code via
// @vscode/test-electron) against the installed extension's API object and real VS Code commands.
const assert = require('node:assert/strict');
const vscode = require('vscode');

const extensionId = 'd3llm.d3llm-completion';

async function until(what, probe, timeoutMs = 30_000) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) {
			return value;
		}
		assert.ok(Date.now() < end, `timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function openPython(content) {
	const document = await vscode.workspace.openTextDocument({ language: 'python', content });
	const editor = await vscode.window.showTextDocument(document);
	return { document, editor };
}

function invoke(document, position) {
	const context = { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined };
	return api.provider.provideInlineCompletionItems(document, position, context, new vscode.CancellationTokenSource().token);
}

let api;

suite('d3LLM in VS Code', () => {
	suiteSetup(async () => {
		api = await vscode.extensions.getExtension(extensionId).activate();
		assert.ok(api.client && api.provider && api.statusBar && api.panel, 'activate() returns the API object');
	});

	teardown(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));

	test('the provider completes Python code and the status bar says ready', async () => {
		const { document } = await openPython('def total(values):\n    result = ');
		const items = await invoke(document, document.positionAt(document.getText().length));
		assert.ok(items && items.length > 0 && items[0].insertText.length > 0, 'an inline completion item');
		await until('status ready', () => api.statusBar.view?.word === 'ready');
	});

	test('VS Code shows the ghost text and commits it', async () => {
		const { document, editor } = await openPython('def mean(values):\n    count = ');
		const end = document.positionAt(document.getText().length);
		editor.selection = new vscode.Selection(end, end);
		const before = document.getText();
		await until('the suggestion to be committed', async () => {
			await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
			await new Promise((r) => setTimeout(r, 300));
			await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
			return document.getText() !== before;
		});
		assert.ok(document.getText().startsWith(before));
	});

	test('Fill in the Middle replaces the selection as one undoable edit', async () => {
		const { document, editor } = await openPython('def greet(name):\n    message = "hello " + name\n    return message\n');
		const line = document.lineAt(1);
		editor.selection = new vscode.Selection(line.range.start.translate(0, 4), line.range.end);
		const before = document.getText();
		assert.equal(await vscode.commands.executeCommand('d3llm.fillInMiddle'), true);
		assert.notEqual(document.getText(), before);
		await vscode.window.showTextDocument(document);
		await vscode.commands.executeCommand('undo');
		assert.equal(document.getText(), before);
	});

	test('Fill All Selections fills every cursor in ONE request with one region per cursor', async () => {
		const { document, editor } = await openPython('def scale(values, factor):\n    first = \n    second = \n    return values\n');
		editor.selections = [1, 2].map((l) => new vscode.Selection(document.lineAt(l).range.end, document.lineAt(l).range.end));
		const requests = new Map();
		const listener = api.client.onDidStep((p) => p.layout && requests.set(p.requestId, p.layout));
		const before = document.getText();
		try {
			assert.equal(await vscode.commands.executeCommand('d3llm.fillAllSelections'), true);
		} finally {
			listener.dispose();
		}
		assert.equal(requests.size, 1, 'one complete request');
		assert.equal([...requests.values()][0].regionStarts.length, 2, 'two regions');
		const lines = document.getText().split('\n');
		assert.ok(lines[1].length > '    first = '.length && lines[2].length > '    second = '.length, 'both cursors filled');
		await vscode.window.showTextDocument(document);
		await vscode.commands.executeCommand('undo');
		assert.equal(document.getText(), before, 'one undo restores both');
	});

	test('a killed sidecar is restarted and completions work again', async () => {
		const pid = await until('a running sidecar', () => api.client.pid);
		process.kill(pid, 'SIGKILL');
		await until('a new sidecar', () => api.client.pid !== undefined && api.client.pid !== pid);
		await until('status ready', () => api.client.status.state === 'ready');
		const { document } = await openPython('import os\n\ndef main():\n    path = ');
		const items = await invoke(document, document.positionAt(document.getText().length));
		assert.ok(items && items.length > 0);
	});
});
