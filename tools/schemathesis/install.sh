#!/usr/bin/env bash
# Installs Schemathesis (tools/schemathesis/requirements.txt: every package pinned) into a Python venv outside the
# repository, once, and prints the venv's bin directory on its last line of stdout.
#
#   tools/schemathesis/install.sh           install when missing (python3 -m venv + pip, ~20 s), print the bin dir
#   tools/schemathesis/install.sh --check   print the bin dir when installed, else exit 1 without installing
#
# Environment: TWINCLOUD_SCHEMATHESIS_VENV overrides the venv directory
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/twincloud/schemathesis-<version>-<hash of requirements.txt>).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
requirements="$here/requirements.txt"
version="$(sed -n 's/^schemathesis==//p' "$requirements")"
digest="$(sha256sum "$requirements" | cut -c1-8)"
venv="${TWINCLOUD_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/twincloud/schemathesis-$version-$digest}"

if [ -x "$venv/bin/st" ] && [ -f "$venv/.installed" ]; then echo "$venv/bin"; exit 0; fi
[ "${1:-}" = "--check" ] && exit 1

command -v python3 >/dev/null 2>&1 || { echo "schemathesis: python3 not found (apt-get install -y python3 python3-venv)" >&2; exit 1; }
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --require-virtualenv -r "$requirements" >&2
touch "$venv/.installed"
echo "$venv/bin"
