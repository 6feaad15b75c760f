// Compatibility shim for building the vendored pulumi-language-nodejs sources (2026-08, after v3.259.0) against
// pulumi sdk/v3 v3.274.1: the ResourceMonitor service gained ExistsResource in between, and the host's monitor
// proxy (proxy.go) must forward every method. Compiled into the same package main by tools/rehearse/build-cli.sh.
package main

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func (p *monitorProxy) ExistsResource(
	ctx context.Context, req *pulumirpc.ExistsResourceRequest,
) (*pulumirpc.ExistsResourceResponse, error) {
	return p.target.ExistsResource(ctx, req)
}
