/** How often, at most, a repeating Redis warning reaches the log. */
export const INTERVAL_MILLIS = 60_000

/**
 * A gate for a warning that would otherwise repeat on every retry (a Redis client reconnects every 2 s
 * while Redis is down): `open(key, now)` is true at most once per `intervalMillis` for each key.
 */
export const make = (intervalMillis: number = INTERVAL_MILLIS) => {
  const openedAt = new Map<string, number>()
  return {
    open: (key: string, now: number): boolean => {
      if (now - (openedAt.get(key) ?? Number.NEGATIVE_INFINITY) < intervalMillis) return false
      openedAt.set(key, now)
      return true
    }
  }
}
