import { guidFromString } from "../tenant/Objects.ts"
import type { ResultSize } from "./Invocation.ts"
import type { Json } from "./Output.ts"

/**
 * Paging (spec §3.3): pages of `Prefer: odata.maxpagesize` (1..1000, default 1000); `ResultSize` is
 * applied server-side (UNVERIFIED, §8.3: S7 says so, S9 says the module does it; enforcing it here makes a
 * client that forgets `ResultSize` see what it would get from the module). The next page is the same
 * body POSTed to `@odata.nextLink`, whose `$skiptoken` carries the offset, a hash of the body and an
 * expiry of 30 minutes (S7's "Default Expiry time is 00:30:00").
 */
export const MAX_PAGE_SIZE = 1000
export const NEXT_LINK_LIFETIME_MILLIS = 30 * 60 * 1000

/** §3.3: the truncation warning that comes with a nextLink, or when ResultSize cut the results. */
export const TRUNCATION_WARNING =
  "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."

/** `Prefer: odata.maxpagesize=N` (also inside a list such as `odata.maxpagesize = 1000;odata.continue-on-error`). */
export const pageSizeFrom = (prefer: string | undefined): number => {
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer ?? "")
  const n = match ? Number(match[1]) : MAX_PAGE_SIZE
  return Math.min(MAX_PAGE_SIZE, Math.max(1, n))
}

export interface Page {
  readonly objects: ReadonlyArray<Json>
  /** Another page exists within ResultSize: send a nextLink. */
  readonly hasMore: boolean
  /** More results exist than returned overall (nextLink or ResultSize cut). */
  readonly truncated: boolean
  /** With `hasMore`: the results parked just after this page, so the next page need not walk `offset` objects again. */
  readonly cursor?: Cursor | undefined
}

/** A results iterator parked at `index`, holding the object it read ahead to learn that more exist. */
export interface Cursor {
  readonly iterator: Iterator<Json>
  readonly index: number
  readonly peeked: Json
}

/**
 * One page from `offset`. With a `cursor` parked at `offset` it continues that iterator (O(page size));
 * otherwise it walks `objects` from the start (the fallback when no cursor is kept for the token).
 */
export const takePage = (
  objects: Iterable<Json>,
  resultSize: ResultSize,
  offset: number,
  pageSize: number,
  cursor?: Cursor
): Page => {
  const limit = resultSize === "Unlimited" ? Number.POSITIVE_INFINITY : resultSize
  const end = Math.min(limit, offset + pageSize)
  const resumed = cursor !== undefined && cursor.index === offset ? cursor : undefined
  const iterator = resumed?.iterator ?? objects[Symbol.iterator]()
  let pending: Json | undefined = resumed?.peeked
  const page: Array<Json> = []
  for (let index = resumed?.index ?? 0;; index++) {
    let object: Json
    if (pending !== undefined) {
      object = pending
      pending = undefined
    } else {
      const next = iterator.next()
      if (next.done) return { objects: page, hasMore: false, truncated: false }
      object = next.value
    }
    if (index >= end) {
      const hasMore = end < limit
      return { objects: page, hasMore, truncated: true, cursor: hasMore ? { iterator, index, peeked: object } : undefined }
    }
    if (index >= offset) page.push(object)
  }
}

export const bodyHash = (body: unknown): string => guidFromString(JSON.stringify(body) ?? "")

export const encodeSkipToken = (offset: number, hash: string, expiresAt: number): string =>
  btoa(JSON.stringify({ o: offset, h: hash, e: expiresAt })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

/** The offset a valid token carries, or undefined when it is malformed, expired or for another body. */
export const decodeSkipToken = (token: string, hash: string, now: number): number | undefined => {
  const parsed = ((): unknown => {
    try {
      return JSON.parse(atob(token.replace(/-/g, "+").replace(/_/g, "/")))
    } catch {
      return undefined
    }
  })()
  if (typeof parsed !== "object" || parsed === null) return undefined
  const { o, h, e } = parsed as { o?: unknown; h?: unknown; e?: unknown }
  return typeof o === "number" && Number.isInteger(o) && o >= 0 && h === hash && typeof e === "number" && now <= e
    ? o
    : undefined
}
