import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger, Redacted, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { createServer } from "node:http"

// A second reference for the 404-lookup overhead row: the least an Effect HttpApi service can do for
// GET /api/dl/{dlId} when the list does not exist. One endpoint, an API-key security middleware that
// compares the header with one string, a handler that fails at once with the seed's 404 body: no
// upstream call, no logging, no other middleware. What the service spends above this is its own work.

class NotFound extends Schema.Error<NotFound>("NotFound")(
  { error: Schema.String, details: Schema.String },
  { httpApiStatus: 404 }
) {}

class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")({ error: Schema.String }, { httpApiStatus: 401 }) {}

class ApiKey extends HttpApiMiddleware.Service<ApiKey>()("bench/HttpApiFloor/ApiKey", {
  security: { apiKey: HttpApiSecurity.apiKey({ key: "X-API-Key", in: "header" }) },
  error: Unauthorized
}) {}

class Api extends HttpApi.make("floor").add(
  HttpApiGroup.make("lists")
    .add(HttpApiEndpoint.get("get", "/dl/:dlId", { params: { dlId: Schema.String }, success: Schema.Struct({ dlId: Schema.String }), error: NotFound }))
    .middleware(ApiKey)
    .prefix("/api")
) {}

const key = process.env.API_KEY ?? ""

const ApiKeyLive = Layer.succeed(ApiKey, {
  apiKey: (effect, { credential }) =>
    key === "" || Redacted.value(credential) !== key
      ? Effect.fail(new Unauthorized({ error: "Unauthorized" }))
      : effect
})

const Lists = HttpApiBuilder.group(Api, "lists", (handlers) =>
  handlers.handle("get", ({ params }) =>
    Effect.fail(new NotFound({ error: "Distribution List not found", details: `Distribution List '${params.dlId}' not found.` }))))

const App = HttpRouter.serve(HttpApiBuilder.layer(Api).pipe(Layer.provide(Lists), Layer.provide(ApiKeyLive)), { disableLogger: true }).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: Number(process.env.PORT ?? "0"), host: "127.0.0.1" })),
  Layer.provide(Logger.layer([]))
)

Layer.launch(App).pipe(NodeRuntime.runMain)
