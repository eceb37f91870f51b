/**
 * Tests against servers on the developer's machine (a database on its
 * usual port): probe whether one is there, and skip the tests when it is
 * not — unless `REQUIRE_SERVICES=1` (as in CI), where a missing server must
 * fail the tests instead of silently skipping them.
 *
 * ```ts
 * const postgresUp = await shouldRunAgainst(5432);
 * describe.runIf(postgresUp)('against PostgreSQL', () => { … });
 * ```
 *
 * Gotchas: only 127.0.0.1 is probed (tests reach no other host); a port that
 * accepts connections may still run another server than the one expected.
 */
import net from 'node:net';

/** True when REQUIRE_SERVICES=1: a server that cannot be reached fails the tests instead of skipping them. */
export const SERVICES_REQUIRED = process.env['REQUIRE_SERVICES'] === '1';

/** How long {@link isPortOpen} waits for a connection by default (ms). */
export const PORT_PROBE_TIMEOUT_MS = 1_000;

/** Whether a TCP port on 127.0.0.1 accepts connections within `timeoutMs`. */
export function isPortOpen(port: number, timeoutMs = PORT_PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether tests against the server on this loopback port should run: true
 * when it is reachable; false (skip) when it is not, unless
 * REQUIRE_SERVICES=1 — then true, so the tests run and fail on it.
 */
export async function shouldRunAgainst(port: number): Promise<boolean> {
  return (await isPortOpen(port)) || SERVICES_REQUIRED;
}
