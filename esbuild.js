// Builds one bundle per runtime (extension host, sidecar, CLI, webview); onnxruntime-node stays external
// because it ships native binaries. `--production` minifies, `--watch` rebuilds on change.
const esbuild = require('esbuild');
const fs = require('node:fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints esbuild results in the `$esbuild-watch` problem-matcher format. */
const problemMatcher = {
	name: 'problem-matcher',
	setup(build) {
		build.onStart(() => console.log('[watch] build started'));
		build.onEnd((result) => {
			for (const { text, location } of result.errors) {
				console.error(`✘ [ERROR] ${text}`);
				if (location) {
					console.error(`    ${location.file}:${location.line}:${location.column}:`);
				}
			}
			console.log('[watch] build finished');
		});
	},
};

/** @type {import('esbuild').BuildOptions} */
const base = {
	bundle: true,
	minify: production,
	sourcemap: !production,
	sourcesContent: false,
	logLevel: 'silent',
	plugins: [problemMatcher],
};

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
	{ entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode', 'web-tree-sitter'] },
	{ entryPoints: ['src/sidecar/main.ts'], outfile: 'dist/sidecar.js', platform: 'node', format: 'cjs', external: ['onnxruntime-node'] },
	{ entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', external: ['onnxruntime-node'] },
	{ entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
].filter((t) => fs.existsSync(t.entryPoints[0]));

async function main() {
	const contexts = await Promise.all(targets.map((t) => esbuild.context({ ...base, ...t })));
	if (watch) {
		await Promise.all(contexts.map((c) => c.watch()));
		return;
	}
	await Promise.all(contexts.map((c) => c.rebuild()));
	await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});

// Tree-sitter for the extension (issue 4): web-tree-sitter stays external (its CJS build is packaged from
// node_modules); its runtime .wasm and the grammars the extension maps languages to are copied to
// dist/tree-sitter/, where src/extension/syntaxService.ts locates them.
const treeSitterGrammars = ['python', 'javascript', 'typescript', 'tsx', 'go', 'rust', 'java', 'cpp', 'c-sharp', 'ruby', 'php', 'bash', 'css'];
function copyTreeSitterWasm() {
	const out = 'dist/tree-sitter';
	fs.mkdirSync(out, { recursive: true });
	fs.copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), `${out}/web-tree-sitter.wasm`);
	const grammars = require('node:path').join(require.resolve('@vscode/tree-sitter-wasm/package.json'), '..', 'wasm');
	for (const name of treeSitterGrammars) {
		fs.copyFileSync(`${grammars}/tree-sitter-${name}.wasm`, `${out}/tree-sitter-${name}.wasm`);
	}
}
if (fs.existsSync('node_modules/web-tree-sitter') && fs.existsSync('src/extension/extension.ts')) {
	copyTreeSitterWasm();
}
