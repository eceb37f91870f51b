/**
 * Durable local files, shared by the checkpoint storage and the file sink:
 * write a file and fsync it, fsync a directory so the renames in it survive
 * a power loss, and test whether a path exists. A rename within one
 * directory is atomic on POSIX filesystems; fsyncing the directory after it
 * makes it durable.
 */
import { access, open, type FileHandle } from 'node:fs/promises';

/** Writes a file and fsyncs it before resolving. */
export async function writeDurably(path: string, content: Buffer): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Fsyncs a directory so renames in it survive a power loss (best effort: not every platform can). */
export async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or fsync directories; renames are still atomic there.
  } finally {
    await handle?.close();
  }
}

/** True when `path` exists (any error, not only "not found", counts as absent). */
export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
