/**
 * The fake physical id/ARN-like values the mocks answer with, so tests can recognise them. Its own module
 * (run.ts re-exports it) so a test that reads a rendered stack does not load the Pulumi runtime for it.
 */
export function fakeId(args: { type: string; name: string }): string {
  return `${args.name}-id`;
}
