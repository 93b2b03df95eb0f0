import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Redacted, References, Runtime } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { createServer } from "node:http"
import * as Auth from "./adapters/http/auth/Auth.ts"
import * as FastPath from "./adapters/http/FastPath.ts"
import * as Readiness from "./adapters/http/Readiness.ts"
import * as Routes from "./adapters/http/Routes.ts"
import * as LogLine from "./adapters/logging/LogLine.ts"
import * as Tracing from "./adapters/observability/Tracing.ts"
import * as MicrosoftAdapters from "./adapters/microsoft/MicrosoftAdapters.ts"
import * as RedisListLeases from "./adapters/redis/RedisListLeases.ts"
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

const HttpServerLayer = Layer.unwrap(Effect.gen(function*() {
  const port = yield* Config.Port("PORT").pipe(Config.withDefault(8080))
  // requests refused by Node's parser never reach the middleware: their line goes through the same loggers
  const context = yield* Effect.context<never>()
  const accessLog: FastPath.AccessLog = ({ reason, requestId, status }) =>
    Effect.runSyncWith(context)(
      Effect.logInfo("HTTP request").pipe(Effect.annotateLogs({ requestId, status, reason }))
    )
  return NodeHttpServer.layer(() => FastPath.installNode(createServer(), accessLog), { port })
}))

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
export const App = HttpRouter.serve(Routes.layer, Routes.serveOptions).pipe(
  Layer.provide(Upstream),
  Layer.provide(HttpServerLayer),
  Layer.provide(LogLevel),
  Layer.provide(LogLine.layer),
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
