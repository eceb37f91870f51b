import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isPortOpen, shouldRunAgainst, SERVICES_REQUIRED } from './services.js';

/** A listening loopback server on an ephemeral port, and a port that was free a moment ago. */
async function listening(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('isPortOpen and shouldRunAgainst', () => {
  it('tell a listening loopback port from a closed one', async () => {
    const server = await listening();
    expect(await isPortOpen(server.port)).toBe(true);
    expect(await shouldRunAgainst(server.port)).toBe(true);
    await server.close();
    expect(await isPortOpen(server.port, 500)).toBe(false);
    // A closed port skips the tests, unless REQUIRE_SERVICES=1 makes them run (and fail).
    expect(await shouldRunAgainst(server.port)).toBe(SERVICES_REQUIRED);
  });
});
