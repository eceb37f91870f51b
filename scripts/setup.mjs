// Installs the workspace's dependencies on first use, so that `npm test` and
// `npm run demo` work on a fresh clone with only Node 20 and npm.
// pnpm is fetched through npx (a pinned version; see ../shared/DEPS.md) when it
// is not already installed in node_modules.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@10.34.9';
const marker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');

function installed() {
  if (!existsSync(marker)) return false;
  return !existsSync(lockfile) || statSync(marker).mtimeMs >= statSync(lockfile).mtimeMs;
}

if (!installed()) {
  console.error(`[setup] installing dependencies with ${PNPM} (first run only)…`);
  const args = ['-y', PNPM, 'install', '--frozen-lockfile', '--reporter=append-only'];
  const result = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) {
    console.error('[setup] dependency installation failed');
    process.exit(result.status ?? 1);
  }
}
