/**
 * Checkpoints: what a checkpoint contains (`CheckpointData`), where it is
 * stored (`CheckpointStorage`, with `LocalCheckpointStorage` as the
 * default), and the state encoding that round-trips what JSON loses.
 */
export {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointData,
  type CheckpointInfo,
  type CheckpointStorage,
  type OperatorState,
  type SubtaskState,
} from './CheckpointData.js';
export {
  LocalCheckpointStorage,
  METADATA_FILE,
  SAVEPOINTS_DIR,
  STATE_FILE,
  type CheckpointMetadata,
  type LocalCheckpointStorageOptions,
} from './LocalCheckpointStorage.js';
export { decodeState, encodeState } from './serialization.js';
export { encodeCheckpointFile, sha256Hex, type EncodedCheckpoint } from './checkpointFile.js';
