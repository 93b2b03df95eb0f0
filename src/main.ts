import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Config, ConfigProvider, Context, Effect, Exit, Layer, LogLevel as Level, Option, Redacted, References, Runtime } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { createServer } from "node:http"
import * as Auth from "./adapters/http/auth/Auth.ts"
import { ReadGate } from "./adapters/http/auth/ReadGate.ts"
import * as FastPath from "./adapters/http/FastPath.ts"
import * as NotFoundCache from "./adapters/http/NotFoundCache.ts"
import * as Readiness from "./adapters/http/Readiness.ts"
import * as Routes from "./adapters/http/Routes.ts"
import * as LogLine from "./adapters/logging/LogLine.ts"
import * as Tracing from "./adapters/observability/Tracing.ts"
import * as MicrosoftAdapters from "./adapters/microsoft/MicrosoftAdapters.ts"
import * as RedisChangeMark from "./adapters/redis/RedisChangeMark.ts"
import * as RedisListLeases from "./adapters/redis/RedisListLeases.ts"
import * as RedisUrl from "./adapters/redis/RedisUrl.ts"
import * as DistributionLists from "./application/DistributionLists.ts"
import * as Settings from "./application/Settings.ts"
import type { GroupStore } from "./application/ports/GroupStore.ts"
import type { UserDirectory } from "./application/ports/UserDirectory.ts"
import * as Sandbox from "./sandbox/Server.ts"

/** The use cases over `adapters`, the `/api` authentication (which reads list owners through them), readiness (both surfaces). */
const withAuth = <E, R>(
  adapters: Layer.Layer<UserDirectory | GroupStore, E, R>,
  auth: Auth.AuthLayer
) => {
  const lists = DistributionLists.layer.pipe(Layer.provide(adapters), Layer.provide(RedisListLeases.layerConfig()))
  return Layer.mergeAll(
    lists,
    auth.pipe(Layer.provide(lists)),
    Readiness.layerFromUpstreams.pipe(Layer.provide(adapters), Layer.provide(Settings.layer))
  )
}

/**
 * Microsoft Graph and Exchange Online through the real adapters: at Microsoft when `TENANT_ID` is
 * set, otherwise at the sandbox tenant started in this process on a loopback port (whose tokens
 * the API then accepts, next to `API_KEYS` or a generated admin key). The adapters' HTTP client reaches
 * that sandbox in memory (`Sandbox.start`'s `fetch`): same requests, no loopback round trip.
 */
const Upstream = Layer.unwrap(Effect.gen(function*() {
  const tenantId = yield* Config.String("TENANT_ID").pipe(Config.withDefault(""))
  if (tenantId.trim() !== "") {
    // required with a real tenant (the sandbox has a default): missing, the service stops here, naming it
    yield* Config.String("CUSTOM_DOMAIN")
    return withAuth(MicrosoftAdapters.layer, Auth.layerConfig).pipe(Layer.provide(FetchHttpClient.layer))
  }
  const sandbox = yield* Sandbox.start
  yield* Effect.logInfo(
    `No TENANT_ID: serving on the embedded sandbox tenant at ${sandbox.baseUrl} (tenant ${sandbox.tenantDomain}).`
  )
  const port = yield* Config.Port("PORT").pipe(Config.withDefault(8080))
  const adapters = MicrosoftAdapters.layerWith({
    TENANT_ID: sandbox.tenantId,
    CLIENT_ID: sandbox.clientId,
    CLIENT_SECRET: Redacted.value(sandbox.clientSecret),
    AUTHORITY_HOST: sandbox.baseUrl,
    GRAPH_BASE_URL: `${sandbox.baseUrl}/v1.0`,
    EXCHANGE_BASE_URL: sandbox.baseUrl
  })
  return withAuth(
    adapters,
    Auth.layerSandbox({ baseUrl: `http://localhost:${port}`, authorityHost: sandbox.baseUrl, tenantId: sandbox.tenantId })
  ).pipe(Layer.provide(FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, sandbox.fetch)))))
}))

/** The fast path's cached lookups, armed once authentication is built (`ArmLookups`). */
class Lookups extends Context.Service<Lookups, FastPath.Lookups>()("distribution-list-api/main/Lookups") {}

const HttpServerLayer = Layer.unwrap(Effect.gen(function*() {
  const port = yield* Config.Port("PORT").pipe(Config.withDefault(8080))
  // requests refused by Node's parser never reach the middleware: their line goes through the same loggers
  const context = yield* Effect.context<never>()
  const accessLog: FastPath.AccessLog = ({ reason, requestId, status }) =>
    Effect.runSyncWith(context)(
      Effect.logInfo("HTTP request").pipe(Effect.annotateLogs({ requestId, status, reason }))
    )
  // a cached lookup's line as the middleware writes it, marked as answered from the cache
  const sink = yield* LogLine.CurrentSink
  const logsInfo = Level.isGreaterThanOrEqualTo("Info", yield* References.MinimumLogLevel)
  const lines = new WeakMap<NotFoundCache.NotFoundAnswer, ReturnType<typeof LogLine.prepared>>()
  const lookupLog: FastPath.LookupLog = ({ answer, durationMs, path, requestId }) => {
    if (!logsInfo) return
    let line = lines.get(answer)
    if (line === undefined) {
      line = LogLine.prepared("Info", "HTTP request", { method: "GET", path, status: 404 })
      lines.set(answer, line)
    }
    sink.write(line(new Date(), requestId, ` durationMs=${durationMs} answered=notFoundCache`))
  }
  const lookups = new FastPath.Lookups(yield* NotFoundCache.CurrentNotFoundCache, lookupLog)
  return Layer.merge(
    NodeHttpServer.layer(() => FastPath.installNode(createServer(), accessLog, lookups), { port }),
    Layer.succeed(Lookups, lookups)
  )
}))

/**
 * Arms the cached lookups once authentication is built, or turns the not-found cache off when nothing
 * could be answered from it (no API keys, or the budgets in Redis). With a Redis for the leases
 * (`LIST_LOCK_REDIS_URL`, else `RATE_LIMIT_REDIS_URL`), the instances sharing it keep their caches in step.
 */
const ArmLookups = Layer.effectDiscard(Effect.gen(function*() {
  const lookups = yield* Lookups
  const gate = yield* ReadGate
  const cache = yield* NotFoundCache.CurrentNotFoundCache
  const redis = yield* RedisUrl.config("LIST_LOCK_REDIS_URL", "RATE_LIMIT_REDIS_URL")
  const plan = NotFoundCache.plan({ cacheOn: cache.enabled, gateUsable: gate.usable, sharedRedis: Option.isSome(redis) })
  if (plan.turnOff) {
    cache.turnOff()
    yield* Effect.logInfo("Not-found cache off: API keys are off, or the rate limit's budgets are in Redis")
  }
  if (plan.writesMarks && Option.isSome(redis)) {
    const key = RedisChangeMark.keyPrefix + (yield* Settings.customDomainConfig)
    yield* RedisChangeMark.make(cache, redis.value, key, { reads: plan.readsMarks })
  }
  if (plan.answers) lookups.arm(gate.admit)
}))

/** `NOT_FOUND_CACHE_TTL_S`. */
const NotFoundCacheLayer = Layer.effect(NotFoundCache.CurrentNotFoundCache, NotFoundCache.fromConfig)

const LogLevel = Layer.unwrap(Effect.gen(function*() {
  const level = yield* Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault("Info"))
  return Layer.succeed(References.MinimumLogLevel, level)
}))

/** Environment variables first, then a `.env` file in the working directory when there is one. */
const DotEnv = ConfigProvider.layerAdd(
  ConfigProvider.fromDotEnv().pipe(
    Effect.catch(() => Effect.succeed(ConfigProvider.fromUnknown({}))),
    Effect.provide(NodeFileSystem.layer)
  )
)

/** The whole service, configured from the environment; `test/main.test.ts` builds it with its own settings. */
export const App = HttpRouter.serve(Layer.merge(Routes.layer, ArmLookups), Routes.serveOptions).pipe(
  Layer.provide(Upstream),
  Layer.provide(HttpServerLayer),
  Layer.provide(NotFoundCacheLayer),
  Layer.provide(LogLevel),
  Layer.provide(LogLine.layerBatched),
  Layer.provide(Tracing.layerOff),
  Layer.provide(DotEnv)
)

/**
 * Exit codes: a completed shutdown is a clean exit, 0 (Effect's default reports 130 for it, which process
 * supervisors take for a failure); anything else as Effect reports it. The launched layer ends only by an
 * interruption, and only a signal (SIGTERM, SIGINT) interrupts it.
 */
export const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

if (import.meta.main) NodeRuntime.runMain(Layer.launch(App), { teardown })
