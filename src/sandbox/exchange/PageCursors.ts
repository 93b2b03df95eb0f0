import type { TenantState } from "../tenant/TenantState.ts"
import type { Caller } from "./Invocation.ts"
import type { Cursor } from "./Paging.ts"

/** At most this many parked result sets; the oldest goes first (a client that never follows its nextLink costs nothing lasting). */
export const MAX_PARKED = 256

interface Parked {
  readonly cursor: Cursor
  readonly state: TenantState
  readonly owner: string
  readonly expiresAt: number
}

const ownerOf = (caller: Caller): string => `${caller.appId}|${caller.upn ?? ""}`

/**
 * Result iterators parked by nextLink `$skiptoken`, so following a nextLink costs one page, not a walk over
 * every object before it (paging a 50,000-member group was quadratic). One use per token: a retried or
 * shared nextLink finds nothing parked and falls back to re-running the cmdlet and walking to the offset,
 * which gives the same page. Parked iterators are live over the tenant state, like a re-run would be.
 */
export class PageCursors {
  private readonly parked = new Map<string, Parked>()

  park(token: string, cursor: Cursor, state: TenantState, caller: Caller, expiresAt: number): void {
    this.parked.delete(token)
    this.parked.set(token, { cursor, state, owner: ownerOf(caller), expiresAt })
    for (const key of this.parked.keys()) {
      if (this.parked.size <= MAX_PARKED) break
      this.parked.delete(key)
    }
  }

  /** The cursor parked for `token` by the same caller on the same state, removed; undefined when none. */
  take(token: string, state: TenantState, caller: Caller, now: number): Cursor | undefined {
    const parked = this.parked.get(token)
    if (parked === undefined) return undefined
    this.parked.delete(token)
    return parked.state === state && parked.owner === ownerOf(caller) && now <= parked.expiresAt ? parked.cursor : undefined
  }

  get size(): number {
    return this.parked.size
  }
}
