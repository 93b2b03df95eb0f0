import { Config, Effect, Scope } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiScalar } from "effect/http-api"
import { Api } from "./Api.ts"

/** Whether `/docs` is served (`DOCS_ENABLED`, default true). */
export const enabled = Config.Boolean("DOCS_ENABLED").pipe(Config.withDefault(true))

/**
 * The interactive docs page (Scalar) at `/docs`, generated from the same `Api` as `/openapi.json`.
 * Its inlined assets are several MB of JavaScript, so they are loaded on the first visit, not at
 * start-up (cold start matters more than the first docs visit).
 */
export const layer = HttpRouter.use(Effect.fnUntraced(function*(router) {
  if (!(yield* enabled)) return
  const scope = yield* Effect.scope
  const docs = yield* Effect.cached(
    HttpRouter.toHttpEffect(HttpApiScalar.layer(Api, { path: "/docs" })).pipe(Scope.provide(scope))
  )
  yield* router.add("GET", "/docs", Effect.flatten(docs))
}))
