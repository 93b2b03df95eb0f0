import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiScalar } from "effect/http-api"
import { flag } from "../../application/Settings.ts"
import { Api } from "./Api.ts"

/** Whether `/docs` is served (`DOCS_ENABLED`, default true). */
export const enabled = flag("DOCS_ENABLED", true)

const PATH = "/docs"

/**
 * The interactive docs page (Scalar) at `/docs`, generated from the same `Api` as `/openapi.json`.
 * Its inlined assets are several MB of JavaScript, so they are loaded on the first visit, into a
 * router of their own, not at start-up: cold start matters more than the first docs visit.
 */
export const layer = HttpRouter.use(Effect.fnUntraced(function*(router) {
  if (!(yield* enabled)) return
  const scope = yield* Effect.scope
  const page = yield* Effect.cached(Effect.gen(function*() {
    const docsRouter = yield* HttpRouter.make
    yield* Layer.buildWithMemoMap(
      HttpApiScalar.layer(Api, { path: PATH }).pipe(Layer.provide(Layer.succeed(HttpRouter.HttpRouter, docsRouter))),
      Layer.makeMemoMapUnsafe(),
      scope
    )
    return docsRouter.asHttpEffect()
  }))
  yield* router.add("GET", PATH, Effect.flatten(page))
}))
