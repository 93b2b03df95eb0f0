import { Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "./Api.ts"
import * as Hygiene from "./auth/Hygiene.ts"
import * as Docs from "./Docs.ts"
import * as Handlers from "./Handlers.ts"
import * as Health from "./Health.ts"
import * as Middleware from "./Middleware.ts"
import * as Proxies from "./Proxies.ts"

/** The API under `/api` plus `/openapi.json`, from the `Api` contract. */
export const apiLayer = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide(Handlers.layer)
)

/**
 * Every route of the service with its request middleware; needs `DistributionLists` and the
 * `Authentication` middleware of `/api` (`auth/Auth.ts`: `layerConfig` or `layerSandbox`), and reads
 * `CORS_ORIGINS`, `DOCS_ENABLED`, `TRUSTED_PROXIES`. Serve with `HttpRouter.serve(layer, serveOptions)` or
 * `HttpRouter.toWebHandler(layer, serveOptions)`.
 */
export const layer = Layer.mergeAll(apiLayer, Docs.layer, Health.layer, Middleware.layer, Proxies.layer, Hygiene.layer)

/**
 * How the routes are served: no framework logger (the middleware writes the access log, with the request
 * id), and path parameters up to 4,096 characters: a dlId may be an address (320) or a display name (256),
 * each percent-encoded character up to 12 long; the router's default of 100 answered a longer one with its
 * generic 404 although the list existed. Paths match as written: the router's defaults merged a doubled
 * slash, so `DELETE /api/dl//members` (an empty dlId) deleted the list called "members", and matched
 * `/API/DL` too. Flask answers the first with a 308 to `/api/dl/members`, which a client following it
 * would take as that same deletion; here it is a 404 (Middleware). `/API/DL` is a 404 under Flask too, and
 * so is a trailing slash on a route defined without one (Flask's quickstart, "Unique URLs / Redirection
 * Behavior"): the router's default took `DELETE /api/dl/sales/` as the deletion of `sales`.
 */
export const serveOptions = {
  disableLogger: true,
  routerConfig: { maxParamLength: 4096, ignoreDuplicateSlashes: false, ignoreTrailingSlash: false, caseSensitive: true }
} as const
