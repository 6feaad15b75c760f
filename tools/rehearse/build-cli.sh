#!/usr/bin/env bash
# Builds the Pulumi CLI (`pulumi`, and nothing else) from the Go module proxy, once, into a cache outside the
# repository, and prints the directory that holds it on its last line of stdout.
#
#   tools/rehearse/build-cli.sh            build when missing (a few minutes on 2 cores), print the bin directory
#   tools/rehearse/build-cli.sh --check    print the bin directory when built, else exit 1 without building
#
# Why a wrapper module: `go install module@version` refuses modules whose go.mod has `replace` directives, and
# pulumi's pkg/v3 has two (sdk => ../sdk, atotto/clipboard => tgummerer/clipboard). The wrapper module requires
# pkg/v3 and sdk/v3 at one version and repeats the clipboard replacement, so the build sees what pulumi's own
# build sees.
#
# Why no Node.js language host: `pulumi-language-nodejs` is a Go module of its own
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that the module proxy does not serve (403
# at every version), and nothing fetched from a public repository is copied into this project. The rehearsal
# does without it: it serves the program through the Node.js SDK's in-process language runtime (the Automation
# API's inline-program path, `--client=<address>`; tools/rehearse/program-host.ts) and the CLI starts the
# policy pack through tools/rehearse/bin/pulumi-language-nodejs, the rehearsal's own RunPlugin-only host
# (tools/rehearse/policy-host.ts; it runs @pulumi/pulumi/cmd/run-policy-pack). A `pulumi` on PATH from a Pulumi
# release ships the real host, and the rehearsal then uses it.
#
# Environment: TWINCLOUD_PULUMI_CACHE overrides the cache directory
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/twincloud/pulumi-<version>).
set -euo pipefail

# One pinned version. @pulumi/pulumi in package-lock.json is 3.270.0; the module proxy does not serve pkg/v3
# v3.270.0's sources (nor 3.271-3.273), and a CLI newer than the SDK is the supported direction, so the CLI is the
# nearest served release above it.
VERSION=v3.274.1
CLIPBOARD_REPLACE='github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e'

cache=${TWINCLOUD_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/twincloud/pulumi-$VERSION}
bin=$cache/bin
stamp=$bin/.built-$VERSION

# A language host left in the cache by an earlier version of this script was built from copied sources that
# are no longer part of the project: remove it, so the rehearsal never picks it up.
rm -f "$bin/pulumi-language-nodejs"
if [[ -f $stamp && -x $bin/pulumi ]]; then
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
rm -rf "$src/language-nodejs"
mkdir -p "$src/cli" "$bin"
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

elapsed=$(($(date +%s) - started))
echo "$VERSION built in ${elapsed}s" >"$stamp"
echo "rehearse: built in ${elapsed}s; $(du -sh "$bin" | cut -f1) in $bin" >&2
echo "$bin"
