/**
 * Sets `key` in a Map used as a bounded, least-recently-set cache: the entry
 * moves to the end (Map order is insertion order), and past `max` entries the
 * oldest is forgotten.
 */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
