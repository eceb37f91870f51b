/**
 * The timers of one key at one time in a `TimerQueue`: namespace identity →
 * namespace, in insertion order. Nearly always a key has one timer at a
 * given time (one window ends then), so the first namespace is held inline
 * and only further ones go into a `Map` — a timer costs one small object,
 * not a `Map`, on the hot path (sessions move a timer with every record).
 */
import type { NamespaceId } from '../heap/StateTable.js';

/** One key's namespaces at one time; never empty while it is in a slot. */
export class KeyTimers<N> {
  /** The further namespaces, after the first, in insertion order. */
  private more: Map<NamespaceId, N> | undefined = undefined;
  private empty = false;

  constructor(
    private headId: NamespaceId,
    private first: N,
  ) {}

  isEmpty(): boolean {
    return this.empty;
  }

  has(nsId: NamespaceId): boolean {
    return (!this.empty && this.headId === nsId) || (this.more?.has(nsId) ?? false);
  }

  /** Adds a namespace; false when it is there already. */
  add(nsId: NamespaceId, namespace: N): boolean {
    if (this.empty) {
      this.headId = nsId;
      this.first = namespace;
      this.empty = false;
      return true;
    }
    if (this.headId === nsId) return false;
    const more = (this.more ??= new Map());
    if (more.has(nsId)) return false;
    more.set(nsId, namespace);
    return true;
  }

  /** Removes a namespace; false when it was not there. */
  remove(nsId: NamespaceId): boolean {
    if (this.empty) return false;
    if (this.headId === nsId) {
      this.promote();
      return true;
    }
    return this.more?.delete(nsId) ?? false;
  }

  /** The identity of the earliest-added namespace (the timers must not be empty). */
  firstId(): NamespaceId {
    return this.headId;
  }

  /** Removes and returns the earliest-added namespace (the timers must not be empty). */
  takeFirst(): N {
    const namespace = this.first;
    this.promote();
    return namespace;
  }

  /** The namespaces in insertion order. */
  *namespaces(): Generator<N, void, undefined> {
    if (this.empty) return;
    yield this.first;
    if (this.more !== undefined) yield* this.more.values();
  }

  /** Drops the first namespace: the earliest further one takes its place. */
  private promote(): void {
    const more = this.more;
    if (more === undefined || more.size === 0) {
      this.empty = true;
      this.first = undefined as N; // release the namespace
      return;
    }
    const [id, namespace] = more.entries().next().value as [NamespaceId, N];
    more.delete(id);
    this.headId = id;
    this.first = namespace;
  }
}
