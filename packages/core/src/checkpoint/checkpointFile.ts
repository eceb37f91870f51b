/**
 * The bytes of a checkpoint's state file — `encodeState(data)` as UTF-8 —
 * and their SHA-256, produced in slices with a macrotask turn between them,
 * so that writing a checkpoint of a large state does not stall the job's
 * event loop (the subtask states, often megabytes of text each, are escaped,
 * converted and hashed a slice at a time). Shared by the checkpoint storages.
 *
 * ```ts
 * const { bytes, sha256 } = await encodeCheckpointFile(data);
 * // bytes equals Buffer.from(encodeState(data), 'utf8'); decodeState(bytes.toString('utf8')) is data
 * ```
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { CheckpointData } from './CheckpointData.js';
import { encodeState } from './serialization.js';

/** The UTF-16 code units escaped, converted and hashed between two turns of the event loop. */
const SLICE_CHARS = 256 * 1024;

/** A checkpoint's state file and its hex SHA-256. */
export interface EncodedCheckpoint {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** Hex SHA-256 of some bytes (what the metadata records of the state file). */
export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * `Buffer.from(encodeState(data), 'utf8')` and its SHA-256, in slices of
 * `sliceChars` characters (a test can make them small).
 */
export async function encodeCheckpointFile(data: CheckpointData, sliceChars = SLICE_CHARS): Promise<EncodedCheckpoint> {
  const { skeleton, states } = withPlaceholders(data);
  const writer = new SlicedWriter();
  for (let i = 0; i < states.length; i++) {
    writer.add(skeleton[i] as string);
    await writer.addJsonString(states[i] as string, sliceChars);
  }
  writer.add(skeleton[states.length] as string);
  return writer.finish();
}

/**
 * The checkpoint encoded with each subtask's state replaced by a unique
 * placeholder, split at the placeholders: `skeleton[i]` precedes state `i`.
 */
function withPlaceholders(data: CheckpointData): { skeleton: string[]; states: string[] } {
  const nonce = randomBytes(8).toString('hex');
  const states: string[] = [];
  const placeholders: string[] = [];
  const operators = Object.fromEntries(
    Object.entries(data.operators).map(([id, operator]) => [
      id,
      {
        ...operator,
        subtasks: operator.subtasks.map((subtask) => {
          const placeholder = `\u0000tributary-state-${nonce}-${states.length}\u0000`;
          states.push(subtask.state);
          placeholders.push(JSON.stringify(placeholder));
          return { ...subtask, state: placeholder };
        }),
      },
    ]),
  );
  const text = encodeState({ ...data, operators });
  const skeleton: string[] = [];
  let from = 0;
  for (const placeholder of placeholders) {
    const at = text.indexOf(placeholder, from);
    if (at < 0) throw new Error('Internal error: a subtask state placeholder is missing from the encoded checkpoint');
    skeleton.push(text.slice(from, at));
    from = at + placeholder.length;
  }
  skeleton.push(text.slice(from));
  return { skeleton, states };
}

/** Collects UTF-8 chunks and hashes them as they come. */
class SlicedWriter {
  private readonly chunks: Buffer[] = [];
  private readonly hash: Hash = createHash('sha256');
  private length = 0;

  add(text: string): void {
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Adds `JSON.stringify(text)`, a slice at a time, yielding to the event loop between slices. */
  async addJsonString(text: string, sliceChars: number): Promise<void> {
    this.add('"');
    let from = 0;
    while (from < text.length) {
      let to = Math.min(from + sliceChars, text.length);
      // Never split a surrogate pair: the halves would be escaped separately.
      if (to < text.length && isHighSurrogate(text.charCodeAt(to - 1))) to++;
      this.add(JSON.stringify(text.slice(from, to)).slice(1, -1));
      from = to;
      if (from < text.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.add('"');
  }

  finish(): EncodedCheckpoint {
    return { bytes: Buffer.concat(this.chunks, this.length), sha256: this.hash.digest('hex') };
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
