// Lint: typescript-eslint recommended plus the layer rules of the architecture (§2): import zones per
// runtime folder, restricted packages per layer, and no timers/console/randomness in the decoding core.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const layers = ['common', 'protocol', 'core', 'sidecar', 'extension', 'webview', 'cli'];
/** Which src folders each layer may import from (architecture §2). */
const allowed = {
	common: ['common'],
	protocol: ['common', 'protocol'],
	core: ['common', 'core'],
	sidecar: ['common', 'protocol', 'core', 'sidecar'],
	extension: ['common', 'protocol', 'extension'],
	webview: ['common', 'protocol', 'webview'],
	cli: ['common', 'protocol', 'core', 'sidecar', 'cli'],
};
const zones = layers.flatMap((layer) =>
	layers
		.filter((other) => !allowed[layer].includes(other))
		.map((other) => ({ target: `./src/${layer}`, from: `./src/${other}`, message: `src/${layer} may not import src/${other} (architecture §2).` })),
);
zones.push({ target: './src', from: './test', message: 'src never imports test.' });

const nodeBuiltins = { group: ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto', 'util', 'events', 'stream', 'worker_threads'], message: 'Node built-ins are for sidecar, extension and cli only.' };
const noVscode = { name: 'vscode', message: 'vscode is imported only in src/extension.' };
const noOrt = { group: ['onnxruntime-*'], message: 'onnxruntime is imported only in src/sidecar.' };

function restrict(paths, patterns) {
	return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'out/**', '.tools/**', 'models/**', 'test/fixtures/**', '**/*.js', '**/*.mjs'] },
	...tseslint.configs.recommended,
	{
		plugins: { 'import-x': importX },
		settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
		rules: {
			curly: 'error',
			eqeqeq: 'error',
			'no-var': 'error',
			'prefer-const': 'error',
			'no-throw-literal': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			'import-x/no-restricted-paths': ['error', { zones }],
		},
	},
	{ files: ['src/protocol/**'], rules: { '@typescript-eslint/no-namespace': 'off' } }, // vscode-eslint's `namespace X { method; Params }` protocol form (house style)
	{ files: ['src/common/**', 'src/protocol/**'], rules: restrict([noVscode], [nodeBuiltins, noOrt, { group: ['vscode-jsonrpc*'], message: 'protocol stays dependency-free.' }]) },
	{
		files: ['src/core/**'],
		rules: {
			...restrict([noVscode], [nodeBuiltins, noOrt]),
			'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'console', 'performance', 'process', 'Date'],
			'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'inject an RNG' }],
		},
	},
	{ files: ['src/sidecar/**', 'src/cli/**'], rules: restrict([noVscode], []) },
	{ files: ['src/extension/**'], rules: restrict([], [noOrt]) },
	{ files: ['src/webview/**'], rules: restrict([noVscode], [nodeBuiltins, noOrt]) },
	{ files: ['test/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
