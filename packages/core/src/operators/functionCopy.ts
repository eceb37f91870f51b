/**
 * Each parallel subtask gets its own copy of an object-style user function,
 * as Flink gives each subtask its own deserialised copy: a function that
 * keeps its state handles on `this` in `open` must not share them with the
 * other subtasks. The copy is shallow and keeps the prototype (class
 * methods); plain functions are returned as they are.
 */
export function copyForSubtask<F>(fn: F): F {
  if (typeof fn !== 'object' || fn === null) return fn;
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object) as object, fn) as F;
}
