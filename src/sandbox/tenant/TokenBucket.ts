/**
 * A token bucket that refills continuously: it holds at most `capacity` units and gains `capacity` units
 * per `windowMillis` (spec graph-and-identity.md §5: "a token bucket of request costs", 8,000 per 10 s for
 * a large tenant). Pure: the caller keeps the bucket and passes the clock's time.
 *
 * The level is kept in unit-milliseconds (units × `windowMillis`): a millisecond of refill adds exactly
 * `capacity`. With whole-millisecond clocks and whole capacities and costs every step is integer
 * arithmetic, so `Retry-After` never drifts by a float rounding.
 */
export interface Bucket {
  /** units × windowMillis */
  readonly level: number
  /** Clock time of the last refill. */
  readonly at: number
}

export interface BucketLimit {
  readonly capacity: number
  readonly windowMillis: number
}

export type Taken =
  | { readonly _tag: "Admitted"; readonly bucket: Bucket }
  | { readonly _tag: "Refused"; readonly bucket: Bucket; readonly retryAfterSeconds: number }

/** The bucket at `now`: a new one starts full; refill never exceeds the capacity (also after it shrank). */
export const refill = (bucket: Bucket | undefined, limit: BucketLimit, now: number): Bucket => {
  const max = limit.capacity * limit.windowMillis
  if (bucket === undefined) return { level: max, at: now }
  const elapsed = Math.max(0, now - bucket.at)
  return { level: Math.min(max, bucket.level + elapsed * limit.capacity), at: Math.max(now, bucket.at) }
}

/** Units in the bucket (fractional while it refills). */
export const unitsIn = (bucket: Bucket, limit: BucketLimit): number => bucket.level / limit.windowMillis

/**
 * Takes `cost` units at `now`, or refuses without taking any and says how many whole seconds (at least 1)
 * until the bucket holds them. A cost above the capacity needs a full bucket (else it could never pass).
 */
export const take = (bucket: Bucket | undefined, cost: number, limit: BucketLimit, now: number): Taken => {
  const current = refill(bucket, limit, now)
  const need = Math.min(cost, limit.capacity) * limit.windowMillis
  if (current.level >= need) return { _tag: "Admitted", bucket: { level: current.level - need, at: current.at } }
  const waitMillis = Math.ceil((need - current.level) / limit.capacity)
  return { _tag: "Refused", bucket: current, retryAfterSeconds: Math.max(1, Math.ceil(waitMillis / 1000)) }
}
