import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Readiness } from "./Readiness.ts"

const alive = HttpServerResponse.jsonUnsafe({ status: "ok" })
const ready = HttpServerResponse.jsonUnsafe({ status: "ready" })
const notReady = HttpServerResponse.jsonUnsafe(
  { error: "Service Unavailable", details: "The service is not ready to serve requests yet." },
  { status: 503 }
)

/** `/healthz` (the process is alive) and `/readyz` (ready to serve), outside `/api` and the HttpApi machinery. */
export const layer = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const readiness = yield* Readiness
  yield* router.add("GET", "/healthz", alive)
  yield* router.add(
    "GET",
    "/readyz",
    readiness.check.pipe(
      Effect.catchCause(() => Effect.succeed(false)),
      Effect.map((isReady) => isReady ? ready : notReady)
    )
  )
}))
