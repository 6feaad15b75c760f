/** Mutable process state shared by the server and the app: readiness flips to 503 the moment shutdown starts. */
export interface Lifecycle {
  shuttingDown: boolean;
  startedAt: number;
}

export function createLifecycle(): Lifecycle {
  return { shuttingDown: false, startedAt: Date.now() };
}
