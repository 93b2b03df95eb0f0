import { Config, Context, Effect, Schema } from "effect"
import { TtlCache } from "../../application/TtlCache.ts"

/** A 404 answer as the routes gave it, but for its `X-Request-ID`: replayed as it is. */
export interface NotFoundAnswer {
  /** Header names and values, alternating (Node's raw form), `X-Request-ID`'s value left empty. */
  readonly headers: ReadonlyArray<string>
  /** Where in `headers` this request's id goes. */
  readonly requestIdAt: number
  /** As text: Node writes a text body with the head in one write, bytes in two. */
  readonly body: string
}

/** Longer paths (ids up to 4,096 characters are routed) are not kept: a few hundred are plenty for an address. */
const MAX_PATH = 512

/**
 * The 404 answers of list lookups (`GET /api/dl/{dlId}`), by path as written, for a few seconds: a client
 * that polls for a list, or checks before it creates, is answered without asking Exchange each time.
 * Any change made through this instance empties it, and a lookup that was under way when a change began is
 * not kept (its answer may predate the change). A list created elsewhere (another instance, the Exchange
 * admin center) is seen once the entry expires.
 */
export class NotFoundCache {
  private readonly answers: TtlCache<string, NotFoundAnswer>
  private generation = 0
  private changesUnderWay = 0
  /** Until when the other instances' changes are known to have been heard (see `coordinate`). */
  private heardUntil = Number.POSITIVE_INFINITY
  /** Tells the other instances that a change ended; it never fails. */
  private announcer: Effect.Effect<void> = Effect.void
  private announcing = false
  private on: boolean

  constructor(options: { readonly ttlMillis: number; readonly capacity?: number }) {
    this.on = options.ttlMillis > 0
    // small entries, few of them: a bounded few hundred kilobytes, however many names are looked up
    this.answers = new TtlCache({ capacity: options.capacity ?? 1_000, ttlMillis: options.ttlMillis })
  }

  get enabled(): boolean {
    return this.on
  }

  /** Nothing is kept or answered from now on (nothing could be answered without the pipeline). */
  turnOff(): void {
    this.on = false
    this.answers.clear()
  }

  get size(): number {
    return this.answers.size
  }

  /** Marks the start of a lookup; `keep` takes the mark back. */
  lookupStarts(): number {
    return this.generation
  }

  /** Keeps the answer unless a change began or was under way since the lookup started. */
  keep(path: string, startedAt: number, answer: NotFoundAnswer, nowMillis: number): void {
    if (!this.on || startedAt !== this.generation || this.changesUnderWay > 0 || nowMillis > this.heardUntil) return
    if (path.length > MAX_PATH) return
    this.answers.set(path, answer, nowMillis)
  }

  /** The pipeline answered this lookup otherwise (the list exists now): its kept 404 goes. */
  drop(path: string): void {
    if (this.answers.size > 0) this.answers.delete(path)
  }

  /** The kept answer for this path, while it is fresh. */
  answerFor(path: string, nowMillis: number): NotFoundAnswer | undefined {
    return this.changesUnderWay > 0 || nowMillis > this.heardUntil ? undefined : this.answers.get(path, nowMillis)
  }

  /**
   * Shared with other instances (`RedisChangeMark`): nothing is kept or answered until `heard` says
   * their changes were heard up to a time, and `announce` runs when a change here ends.
   */
  coordinate(announce: Effect.Effect<void>): void {
    this.announcer = announce
    this.announcing = true
    this.heardUntil = Number.NEGATIVE_INFINITY
  }

  /** Whether changes here are told to other instances (even with this instance's cache off). */
  get announces(): boolean {
    return this.announcing
  }

  /** Other instances' changes are known up to now; this holds until `untilMillis`. */
  heard(untilMillis: number): void {
    this.heardUntil = untilMillis
  }

  /** What a change that ended here runs before its answer goes out. */
  get announce(): Effect.Effect<void> {
    return this.announcer
  }

  /** A change starts: nothing kept before it is answered again, and nothing is kept until it ends. */
  changeStarts(): void {
    this.changesUnderWay++
    this.forget()
  }

  /** A change ended (done, failed or cut): lookups that overlapped it are not kept either. */
  changeEnds(): void {
    this.changesUnderWay = Math.max(0, this.changesUnderWay - 1)
    this.forget()
  }

  /** Nothing kept so far is answered again, nor kept from lookups under way (another instance changed a list). */
  forget(): void {
    this.generation++
    if (this.answers.size > 0) this.answers.clear()
  }
}

/** `NOT_FOUND_CACHE_TTL_S`: how long a list lookup's 404 is answered again without asking Exchange (0: never). */
export const ttlConfig = Config.schema(
  Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  "NOT_FOUND_CACHE_TTL_S"
).pipe(Config.withDefault(2))

/** The service's cache; by default a disabled one, which keeps and answers nothing. */
export const CurrentNotFoundCache = Context.Reference<NotFoundCache>(
  "distribution-list-api/adapters/http/NotFoundCache",
  { defaultValue: () => new NotFoundCache({ ttlMillis: 0 }) }
)

/** The cache `NOT_FOUND_CACHE_TTL_S` asks for. */
export const fromConfig = Effect.map(ttlConfig, (seconds) => new NotFoundCache({ ttlMillis: seconds * 1000 }))

/**
 * What an instance does with its cache, from what it has: it answers from it only when the read gate can
 * admit (API keys on, budgets in this process), reads the shared mark only then, and writes the mark
 * whenever instances share a Redis, so that the others hear of its changes even with its own cache off.
 */
export const plan = (has: { readonly cacheOn: boolean; readonly gateUsable: boolean; readonly sharedRedis: boolean }) => {
  const answers = has.cacheOn && has.gateUsable
  return {
    answers,
    turnOff: has.cacheOn && !has.gateUsable,
    readsMarks: answers && has.sharedRedis,
    writesMarks: has.sharedRedis
  }
}

const LOOKUP_PREFIX = "/api/dl/"

/**
 * The cache's key for a request whose 404 may be kept and answered again: a list lookup by API key alone
 * (a token's caller may be a self-service user, checked against the list's owners) with nothing that
 * changes its answer (no query, no body, no `Origin`, no `X-AnchorMailbox`); undefined for anything else.
 */
export const lookupKey = (
  method: string | undefined,
  url: string | undefined,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
): string | undefined => {
  if (method !== "GET" || url === undefined || !url.startsWith(LOOKUP_PREFIX) || url.length === LOOKUP_PREFIX.length) {
    return undefined
  }
  if (url.indexOf("/", LOOKUP_PREFIX.length) !== -1 || url.includes("?") || url.includes("#")) return undefined
  if (typeof headers["x-api-key"] !== "string" || headers["authorization"] !== undefined) return undefined
  if (headers["origin"] !== undefined || headers["x-anchormailbox"] !== undefined) return undefined
  // a body, even on a GET, is the pipeline's to judge (one over 1 MiB is a 413)
  if (headers["content-length"] !== undefined || headers["transfer-encoding"] !== undefined) return undefined
  return url
}

const LIST_NOT_FOUND = new TextEncoder().encode("{\"error\":\"Distribution List not found\"")

/** Whether a 404 body is the lookup's own "list not found" (not a route's or an owner check's). */
export const isListNotFound = (body: Uint8Array): boolean =>
  body.length >= LIST_NOT_FOUND.length && LIST_NOT_FOUND.every((byte, i) => body[i] === byte)
