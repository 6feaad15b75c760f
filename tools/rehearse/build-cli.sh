#!/usr/bin/env bash
# Builds the Pulumi CLI and the Node.js language host from the Go module proxy, once, into a cache outside the
# repository, and prints the directory that holds both executables on its last line of stdout.
#
#   tools/rehearse/build-cli.sh            build when missing (a few minutes on 2 cores), print the bin directory
#   tools/rehearse/build-cli.sh --check    print the bin directory when built, else exit 1 without building
#
# Why a wrapper module: `go install module@version` refuses modules whose go.mod has `replace` directives, and
# pulumi's pkg/v3 has two (sdk => ../sdk, atotto/clipboard => tgummerer/clipboard). The wrapper module requires
# pkg/v3 and sdk/v3 at one version and repeats the clipboard replacement, so the build sees what pulumi's own
# build sees. The Node.js language host is a Go module of its own (sdk/nodejs/cmd/pulumi-language-nodejs/v3)
# that the module proxy does not serve: its sources are kept in tools/rehearse/cli/pulumi-language-nodejs/
# (Apache-2.0, see the README there) and built the same way against the same pkg/sdk version. The host also runs
# Node.js policy packs (the CLI starts a pack through the language host's RunPlugin when the host is found), so
# no separate policy host is needed.
#
# Environment: TWINCLOUD_PULUMI_CACHE overrides the cache directory
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/twincloud/pulumi-<version>).
set -euo pipefail

# One pinned version. @pulumi/pulumi in package-lock.json is 3.270.0; the module proxy does not serve pkg/v3
# v3.270.0's sources (nor 3.271-3.273), and a CLI newer than the SDK is the supported direction, so the CLI is the
# nearest served release above it.
VERSION=v3.274.1
CLIPBOARD_REPLACE='github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e'

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TWINCLOUD_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/twincloud/pulumi-$VERSION}
bin=$cache/bin
stamp=$bin/.built-$VERSION

if [[ -f $stamp && -x $bin/pulumi && -x $bin/pulumi-language-nodejs ]]; then
  echo "$bin"
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  exit 1
fi
if ! command -v go >/dev/null 2>&1; then
  echo "rehearse: no 'pulumi' on PATH and no Go toolchain to build it: install the Pulumi CLI" \
    "(https://www.pulumi.com/docs/install/) or Go >= 1.26, then run again." >&2
  exit 2
fi

export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
src=$cache/src
mkdir -p "$src/cli" "$src/language-nodejs" "$bin"
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
started=$(date +%s)

echo "rehearse: building the Pulumi CLI $VERSION into $bin (once; several minutes on 2 cores)" >&2

cat >"$src/cli/go.mod" <<EOF
module twincloud.local/pulumi-cli

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

replace $CLIPBOARD_REPLACE
EOF
(cd "$src/cli" && go mod download github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3 &&
  go build -trimpath -ldflags "$ldflags" -o "$bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
mv "$bin/pulumi.tmp" "$bin/pulumi"

echo "rehearse: building pulumi-language-nodejs against the same pkg/sdk $VERSION" >&2
rm -f "$src/language-nodejs"/*.go
cp "$here"/cli/pulumi-language-nodejs/*.go "$src/language-nodejs/"
# Methods the RPC interfaces gained after the vendored sources (see the file's comment).
cp "$here"/cli/compat/*.go "$src/language-nodejs/"
cat >"$src/language-nodejs/go.mod" <<EOF
module twincloud.local/pulumi-language-nodejs

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

replace $CLIPBOARD_REPLACE
EOF
cp "$src/cli/go.sum" "$src/language-nodejs/go.sum" 2>/dev/null || true
(cd "$src/language-nodejs" && go mod tidy >&2 &&
  go build -trimpath -ldflags "$ldflags" -o "$bin/pulumi-language-nodejs.tmp" .)
mv "$bin/pulumi-language-nodejs.tmp" "$bin/pulumi-language-nodejs"

elapsed=$(($(date +%s) - started))
echo "$VERSION built in ${elapsed}s" >"$stamp"
echo "rehearse: built in ${elapsed}s; $(du -sh "$bin" | cut -f1) in $bin" >&2
echo "$bin"
