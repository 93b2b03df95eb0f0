import { afterAll, assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Logger, Result } from "effect"
import { TestClock } from "effect/testing"
import { type NotFoundAnswer, NotFoundCache } from "../../../src/adapters/http/NotFoundCache.ts"
import * as RedisChangeMark from "../../../src/adapters/redis/RedisChangeMark.ts"
import * as RedisUrl from "../../../src/adapters/redis/RedisUrl.ts"
import { closedPort, ioTurn, redisCommand, redisUrl, removeKeys, runPrefix, startHungRedis, startRelay, testPrefix } from "../http/auth/RedisFixtures.ts"

afterAll(() => removeKeys(runPrefix))

const target = Result.getOrThrow(RedisUrl.parseRedisUrl(redisUrl))
const answer: NotFoundAnswer = { headers: ["x-request-id", ""], requestIdAt: 1, body: "{}" }

/** One instance's cache, sharing `key` (the test clock drives its reads; Redis answers in real time). */
const instance = (key: string, at = target, options: RedisChangeMark.MarkOptions = {}) =>
  Effect.gen(function*() {
    const cache = new NotFoundCache({ ttlMillis: 60_000 })
    yield* RedisChangeMark.make(cache, at, key, { timeout: "1 day", ...options })
    return cache
  })

const through = (url: string) => Result.getOrThrow(RedisUrl.parseRedisUrl(url))

/** Keeps `/api/dl/x` as a lookup would, and says whether it is answered now. */
const keepsAndAnswers = (cache: NotFoundCache) =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    cache.keep("/api/dl/x", cache.lookupStarts(), answer, now)
    return cache.answerFor("/api/dl/x", now) !== undefined
  })

/** Moves the test clock a read at a time, with turns for Redis, until `done`. */
const advanceUntil = (done: () => Effect.Effect<boolean>, steps = 100) =>
  Effect.gen(function*() {
    for (let i = 0; i < steps; i++) {
      if (yield* done()) return true
      yield* TestClock.adjust("100 millis")
      yield* redisCommand("PING")
      for (let turn = 0; turn < 20; turn++) yield* ioTurn
    }
    return yield* done()
  })

/**
 * Waits for Redis without moving the test clock: a PING of our own is answered after every command sent
 * before it (Redis takes them in order), then turns for the replies to land.
 */
const redisCatchesUp = (done: () => boolean) =>
  Effect.gen(function*() {
    for (let round = 0; round < 200 && !done(); round++) {
      yield* redisCommand("PING")
      for (let turn = 0; turn < 5; turn++) yield* ioTurn
    }
    return done()
  })

describe("RedisChangeMark", () => {
  it.effect("after a write times out, changes do not wait on Redis for 5 s (their mark is owed)", () =>
    Effect.gen(function*() {
      const hung = yield* startHungRedis("set")
      const at = Result.getOrThrow(RedisUrl.parseRedisUrl(hung.url))
      const cache = yield* instance(`${testPrefix()}mark`, at, { timeout: "250 millis", reads: false })
      const first = yield* Effect.forkChild(cache.announce)
      yield* Effect.promise(() => hung.stalled)
      yield* TestClock.adjust("249 millis")
      assert.isUndefined(first.pollUnsafe(), "the first change waits for Redis")
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(first)
      const second = yield* Effect.forkChild(cache.announce)
      for (let turn = 0; turn < 20; turn++) yield* ioTurn
      assert.isDefined(second.pollUnsafe(), "within 5 s a change does not wait")
      yield* TestClock.adjust("5 seconds")
      const third = yield* Effect.forkChild(cache.announce)
      for (let turn = 0; turn < 20; turn++) yield* ioTurn
      assert.isUndefined(third.pollUnsafe(), "after them it waits again")
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(third)
    }).pipe(Effect.scoped))

  it.effect("an instance that only writes the mark never answers from its cache", () =>
    Effect.gen(function*() {
      const key = `${testPrefix()}mark`
      const cache = yield* instance(key, target, { reads: false })
      yield* advanceUntil(() => Effect.succeed(false), 5)
      assert.isFalse(yield* keepsAndAnswers(cache))
      cache.changeStarts()
      cache.changeEnds()
      yield* cache.announce
      assert.isString(yield* redisCommand<string | null>("GET", key))
    }).pipe(Effect.scoped))

  it.effect("after a gap in its reads, an instance empties its cache even if the mark did not move", () =>
    Effect.gen(function*() {
      const key = `${testPrefix()}mark`
      const relay = yield* startRelay()
      const port = Number(new URL(relay.url).port)
      const b = yield* instance(key, through(relay.url))
      assert.isTrue(yield* advanceUntil(() => keepsAndAnswers(b)))
      // B loses Redis for a while: a change elsewhere may have gone unmarked then (its write failed too)
      relay.cut()
      assert.isTrue(yield* advanceUntil(() => Effect.map(Clock.currentTimeMillis, (now) => b.answerFor("/api/dl/x", now) === undefined)))
      const back = yield* startRelay(port)
      yield* Effect.promise(() => back.accepted)
      assert.isTrue(yield* advanceUntil(() => Effect.sync(() => b.size === 0), 300), "emptied at the first good read")
      assert.isTrue(yield* advanceUntil(() => keepsAndAnswers(b)), "and answering again")
    }).pipe(Effect.scoped))

  it.effect("a mark that could not be written is written once Redis answers", () =>
    Effect.gen(function*() {
      const key = `${testPrefix()}mark`
      const relay = yield* startRelay()
      const port = Number(new URL(relay.url).port)
      const lines: Array<string> = []
      const a = yield* instance(key, through(relay.url)).pipe(
        Effect.provide(Logger.layer([Logger.make(({ message }) => lines.push(String(message)))]))
      )
      assert.isTrue(yield* advanceUntil(() => keepsAndAnswers(a)))
      const before = yield* redisCommand<string | null>("GET", key)
      relay.cut()
      yield* a.announce.pipe(Effect.provide(Logger.layer([Logger.make(({ message }) => lines.push(String(message)))])))
      assert.isTrue(lines.some((line) => line.startsWith("Not-found cache: the other instances could not be told")), lines.join("\n"))
      assert.strictEqual(yield* redisCommand<string | null>("GET", key), before)
      const back = yield* startRelay(port)
      yield* Effect.promise(() => back.accepted)
      assert.isTrue(
        yield* advanceUntil(() => Effect.map(redisCommand<string | null>("GET", key), (now) => now !== before), 300),
        "the owed mark is written"
      )
    }).pipe(Effect.scoped))

  it.effect("a read vouches from when it was sent, not from when its reply came", () =>
    Effect.gen(function*() {
      const relay = yield* startRelay()
      const b = yield* instance(`${testPrefix()}mark`, through(relay.url))
      assert.isTrue(yield* advanceUntil(() => keepsAndAnswers(b)))
      const answers = Effect.map(Clock.currentTimeMillis, (now) => b.answerFor("/api/dl/x", now) !== undefined)
      const getsBefore = relay.sent("GET")
      relay.hold()
      // the next read goes out at t and its reply comes 250 ms later
      yield* TestClock.adjust("100 millis")
      assert.isTrue(yield* redisCatchesUp(() => relay.sent("GET") > getsBefore))
      assert.strictEqual(relay.sent("GET"), getsBefore + 1)
      const t = yield* Clock.currentTimeMillis
      yield* TestClock.adjust("250 millis")
      assert.isFalse(yield* answers, "the read before it vouched until t + 200")
      assert.isTrue(yield* redisCatchesUp(() => relay.held() !== ""), "the read's reply came to the relay")
      relay.release()
      assert.isTrue(yield* redisCatchesUp(() => b.answerFor("/api/dl/x", t + 250) !== undefined), "the late reply vouches")
      relay.hold()
      yield* TestClock.adjust("51 millis")
      assert.isFalse(yield* answers, "for 300 ms from t, not from when it came")
      relay.release()
    }).pipe(Effect.scoped))

  it.effect("a change announced while an owed mark is on its way leaves a mark owed", () =>
    Effect.gen(function*() {
      const relay = yield* startRelay()
      const cache = yield* instance(`${testPrefix()}mark`, through(relay.url), { timeout: "250 millis", reads: false })
      relay.hold()
      const first = yield* Effect.forkChild(cache.announce)
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(first) // timed out: owed, and changes do not wait for Redis for 5 s
      assert.strictEqual(relay.sent("SET"), 1)
      yield* TestClock.adjust("50 millis") // the owed mark is written (its reply held)
      assert.isTrue(yield* redisCatchesUp(() => relay.sent("SET") === 2))
      yield* cache.announce // within the 5 s: owed, not waited for
      assert.strictEqual(relay.sent("SET"), 2)
      const replies = () => relay.held().split("+OK\r\n").length - 1
      assert.isTrue(yield* redisCatchesUp(() => replies() === 2), "both writes' replies came")
      relay.release() // the write that paid the first change's mark succeeds; the second change's is still owed
      yield* redisCommand("PING")
      for (let turn = 0; turn < 20; turn++) yield* ioTurn
      assert.isTrue(yield* advanceUntil(() => Effect.sync(() => relay.sent("SET") === 3), 2), "the second mark is written")
      yield* advanceUntil(() => Effect.succeed(false), 3)
      assert.strictEqual(relay.sent("SET"), 3, "and nothing more is owed")
    }).pipe(Effect.scoped))

  it.effect("an instance answers from its cache once it has read the count, and forgets it at another's change", () =>
    Effect.gen(function*() {
      const key = `${testPrefix()}mark`
      const a = yield* instance(key)
      const b = yield* instance(key)
      assert.isTrue(yield* advanceUntil(() => keepsAndAnswers(a)), "A answers once its first read is in")
      const before = yield* redisCommand<string | null>("GET", key)
      // a change through B ends: it writes a new mark before its answer goes out
      b.changeStarts()
      b.changeEnds()
      yield* b.announce
      const after = yield* redisCommand<string | null>("GET", key)
      assert.isString(after)
      assert.notStrictEqual(after, before)
      const ttl = yield* redisCommand<number>("PTTL", key)
      assert.isAbove(ttl, 23 * 3_600_000, "a day")
      assert.isAtMost(ttl, 24 * 3_600_000, "the mark expires: nothing stays in a shared Redis")
      assert.isTrue(yield* advanceUntil(() => Effect.sync(() => a.size === 0)), "A forgot what it kept")
      assert.isTrue(yield* keepsAndAnswers(a), "and keeps again afterwards")
    }).pipe(Effect.scoped))

  it.effect("while Redis does not answer, nothing is answered from the cache, and a change still ends", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const lines: Array<string> = []
      const unreachable = { ...target, port, display: `redis://127.0.0.1:${port}/0` }
      const cache = yield* instance(`${testPrefix()}mark`, unreachable).pipe(
        Effect.provide(Logger.layer([Logger.make(({ message }) => lines.push(String(message)))]))
      )
      yield* advanceUntil(() => Effect.succeed(false), 5)
      assert.isFalse(yield* keepsAndAnswers(cache))
      yield* cache.announce
      assert.isTrue(lines.some((line) => line.startsWith("Not-found cache: Redis unreachable")), lines.join("\n"))
    }).pipe(Effect.scoped))
})
