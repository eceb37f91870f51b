import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointData } from './CheckpointData.js';
import { encodeCheckpointFile, sha256Hex } from './checkpointFile.js';
import { encodeState } from './serialization.js';

function checkpoint(jobName: string, states: string[][]): CheckpointData {
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    jobName,
    checkpointId: 7,
    kind: 'checkpoint',
    timestamp: 1_700_000_000_000,
    maxParallelism: 128,
    operators: Object.fromEntries(
      states.map((subtasks, i) => [
        `op-${i}`,
        { operatorId: `op-${i}`, name: `operator ${i}`, parallelism: subtasks.length, subtasks: subtasks.map((state, subtask) => ({ subtask, state })) },
      ]),
    ),
  };
}

describe('encodeCheckpointFile', () => {
  it('writes exactly the bytes of encodeState, in slices, with their SHA-256 (property)', async () => {
    // any text, surrogate pairs and lone surrogates included, in slices down to one character
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.array(text, { maxLength: 3 }), { maxLength: 3 }), fc.integer({ min: 1, max: 16 }), async (jobName, states, sliceChars) => {
        const data = checkpoint(jobName, states);
        const { bytes, sha256 } = await encodeCheckpointFile(data, sliceChars);
        expect(bytes.equals(Buffer.from(encodeState(data), 'utf8'))).toBe(true);
        expect(sha256).toBe(sha256Hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('lets the event loop run while a large state is written', async () => {
    const data = checkpoint('big', [[JSON.stringify({ entries: Array.from({ length: 100_000 }, (_, i) => [i, `key-${i}`, { n: i }]) })]]);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const { bytes } = await encodeCheckpointFile(data);
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0);
    expect(bytes.equals(Buffer.from(encodeState(data), 'utf8'))).toBe(true);
  });
});
