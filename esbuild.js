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
