import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Context, Duration, Effect, Layer, Logger, Redacted, Scope } from "effect"
import { RateLimiter, Redis } from "effect/persistence"
import * as LogGate from "./LogGate.ts"
import { describeFailure, type RedisTarget, scrubber } from "./RedisUrl.ts"

// Imported with `import()`, only when a Redis URL is set (RateLimitStore, RedisListLeases): the redis
// client, and everything only it needs, stay out of start-up and out of the main bundle chunk.

const clientOptions = (
  target: RedisTarget,
  socketTimeout: Duration.Duration,
  connected: () => boolean
): NonNullable<Parameters<typeof NodeRedis.layer>[0]> => {
  const socket = {
    host: target.host,
    port: target.port,
    connectTimeout: 2_000,
    // Bounds a handshake that gets no reply (start-up must not hang on it) and a connection that went
    // silent; the pings keep a healthy idle connection from looking silent.
    socketTimeout: Duration.toMillis(socketTimeout),
    // The first connection fails at once (it is retried by RateLimitStore); a lost one is reconnected
    // for as long as the client lives, also after a socket timeout.
    reconnectStrategy: (retries: number, cause: Error) =>
      connected() ? Math.min(2 ** retries * 50, 2_000) + Math.floor(Math.random() * 200) : cause
  }
  return {
    socket: target.tls ? { ...socket, tls: true } : socket,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: Redacted.value(target.password) }),
    database: target.database,
    name: "distribution-list-api",
    pingInterval: Math.max(1, Math.floor(Duration.toMillis(socketTimeout) * 0.4)),
    // Commands fail at once while the connection is down (the request goes through) instead of waiting.
    disableOfflineQueue: true,
    commandsQueueMaxLength: 10_000
  }
}

/** The client layer's warning per error event (@effect/platform-node NodeRedis). */
const CLIENT_ERRORS = new Set(["NodeRedis client error", "NodeRedis reserved connection error", "NodeRedis subscriber error"])

/**
 * One gate per target, shared by all its connections and by the new connection each retry makes while
 * Redis is down at start-up (a gate per connection let every one through).
 */
const clientErrors = LogGate.make()

/**
 * The loggers `loggers`, except that the client layer's warning per error (one per reconnect attempt: 1,800
 * lines an hour while Redis is down) becomes one a minute per target, naming it and the reason with the
 * password scrubbed.
 */
export const quietClientErrors = (
  loggers: ReadonlySet<Logger.Logger<unknown, unknown>>,
  target: RedisTarget
): Logger.Logger<unknown, void> => {
  const scrub = scrubber(target)
  return Logger.make((options) => {
    const [text, cause] = Array.isArray(options.message) ? options.message : [options.message]
    if (typeof text === "string" && CLIENT_ERRORS.has(text)) {
      if (!clientErrors.open(target.display, options.date.getTime())) return
      const message = `Redis ${target.display}: ${scrub(describeFailure(cause))} (said at most once a minute)`
      for (const logger of loggers) logger.log({ ...options, message })
      return
    }
    for (const logger of loggers) logger.log(options)
  })
}

/** Connects to `target` (one attempt); the connection is closed with `scope`. */
export const connect = (
  target: RedisTarget,
  socketTimeout: Duration.Duration,
  scope: Scope.Scope
): Effect.Effect<Redis.Redis["Service"], Redis.RedisError> =>
  Effect.gen(function*() {
    let connected = false
    const loggers = yield* Logger.CurrentLoggers
    const redis = yield* Layer.buildWithScope(
      NodeRedis.layer(clientOptions(target, socketTimeout, () => connected)).pipe(
        Layer.provide(Logger.layer([quietClientErrors(loggers, target)]))
      ),
      scope
    )
    connected = true
    // The layer's own release waits for commands in flight, forever if Redis hangs: shutdown must not.
    const { client } = Context.get(redis, NodeRedis.NodeRedis)
    yield* Scope.addFinalizer(scope, Effect.sync(() => client.destroy()))
    return Context.get(redis, Redis.Redis)
  })

/** Connects to `target` (one attempt) and returns Effect's Redis rate limiter store; closed with `scope`. */
export const connectRateLimiterStore = (
  target: RedisTarget,
  options: { readonly prefix: string; readonly socketTimeout: Duration.Duration },
  scope: Scope.Scope
): Effect.Effect<RateLimiter.RateLimiterStore["Service"], Redis.RedisError> =>
  connect(target, options.socketTimeout, scope).pipe(
    Effect.flatMap((redis) =>
      RateLimiter.makeStoreRedis({ prefix: options.prefix }).pipe(Effect.provideService(Redis.Redis, redis))
    )
  )
