// Jest globalTeardown: stops exactly what global-setup started (nothing for servers given in the
// environment), so a finished run leaves no broker or postmaster behind.
import { testStackMarker } from './test-stack.handle';

// Jest loads this module through interop and calls its default export.
export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.qupersyncTestStack;
  if (!handle) return; // set up by someone else, or already torn down by the other project
  globalThis.qupersyncTestStack = undefined;
  await handle.stop();
  delete process.env[testStackMarker];
}
