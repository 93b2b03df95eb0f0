import { Effect, Layer, Option, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { AccessTokens } from "../identity/AccessTokens.ts"
import { baseUrlOf } from "../identity/RequestInfo.ts"
import { SandboxStats } from "../Stats.ts"
import { Behaviour, type Knobs, NonNegativeInt } from "../tenant/Behaviour.ts"
import { TenantModel } from "../tenant/TenantModel.ts"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/** `POST /_sandbox/tokens`: a token for any audience, for tests of callers of our own API. */
export const TokenOrder = Schema.Struct({
  aud: Schema.String,
  roles: Schema.optional(Schema.Array(Schema.String)),
  scp: Schema.optional(Schema.String),
  upn: Schema.optional(Schema.String),
  appid: Schema.optional(Schema.String),
  oid: Schema.optional(Schema.String),
  expiresInSeconds: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0)))
})

const NewUser = Schema.Struct({
  userPrincipalName: Schema.String,
  displayName: Schema.String,
  mail: Schema.optional(Schema.NullOr(Schema.String)),
  extraAddresses: Schema.optional(Schema.Array(Schema.String)),
  /** A legacy Exchange `Name` (a mailbox older than the naming change); by default the Name is the object id. */
  exchangeName: Schema.optional(Schema.String),
  /** How long Exchange does not yet see the new user (a Graph-created user's provisioning lag). */
  exchangeDelayMillis: Schema.optional(NonNegative)
})
const NewUsers = Schema.Union([NewUser, Schema.Array(NewUser)])

const KnobsPatch = Schema.Struct({
  latencyMillis: Schema.optional(NonNegative),
  faultRate: Schema.optional(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  replicationDelayMillis: Schema.optional(NonNegative),
  throttleRps: Schema.optional(NonNegative),
  graphResourceUnitsPer10s: Schema.optional(NonNegativeInt),
  lostReplyRate: Schema.optional(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
})

// The `appid` of minted tokens unless the order names one.
const controlAppId = "5a1db0c0-c0de-4000-8000-000000000000"

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })
const invalid = (message: string) => json({ error: "invalid_request", message }, 400)

const body = <S extends Schema.Constraint>(schema: S) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    const parsed = yield* Effect.option(Effect.try(() => JSON.parse(text === "" ? "{}" : text) as unknown))
    if (parsed._tag === "None") return yield* Effect.fail("Body is not JSON.")
    return yield* Schema.decodeUnknownEffect(schema)(parsed.value).pipe(Effect.mapError((e) => e.message))
  })

/**
 * The `/_sandbox` control face: tokens for any audience, request counts, extra users and the behaviour
 * knobs at run time. It exists only in the sandbox, never in front of a real tenant.
 */
export const layer: Layer.Layer<never, never, HttpRouter.HttpRouter | AccessTokens | SandboxStats | Behaviour | TenantModel> =
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const stats = yield* SandboxStats
      const behaviour = yield* Behaviour
      const model = yield* TenantModel

      const mint = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const order = yield* body(TokenOrder)
        // A delegated token names its user by object id too, as Entra's always do: the directory's, unless given.
        const user = order.scp !== undefined && order.oid === undefined && order.upn?.includes("@")
          ? Option.getOrUndefined(yield* model.userByIdOrUpn(order.upn))
          : undefined
        // Issued by the v2 issuer the OpenID configuration advertises, so standard verifiers accept it.
        const { token, claims } = yield* tokens.issue({
          aud: order.aud,
          iss: `${baseUrlOf(request)}/${tokens.tenantId}/v2.0`,
          appid: order.appid ?? controlAppId,
          roles: order.roles,
          scp: order.scp,
          upn: order.upn,
          oid: order.oid ?? user?.id,
          expiresInSeconds: order.expiresInSeconds
        })
        return json({ access_token: token, token_type: "Bearer", expires_in: claims.exp - claims.iat })
      }).pipe(Effect.catch((message: string) => Effect.succeed(invalid(message))))

      const addUsers = Effect.gen(function*() {
        const input = yield* body(NewUsers)
        const entries = Array.isArray(input) ? input : [input]
        const created = []
        for (const { exchangeDelayMillis, mail, ...entry } of entries) {
          const user = yield* model.addUser(
            { ...entry, mail: mail === undefined ? entry.userPrincipalName : mail },
            exchangeDelayMillis === undefined ? {} : { exchangeDelayMillis }
          ).pipe(Effect.mapError((e) => `User address already in use: ${e.address}`))
          created.push({ id: user.id, userPrincipalName: user.userPrincipalName, mail: user.mail, displayName: user.displayName })
        }
        return json(Array.isArray(input) ? created : created[0], 201)
      }).pipe(Effect.catch((message: string) => Effect.succeed(message.startsWith("User address") ? json({ error: "conflict", message }, 409) : invalid(message))))

      const patchKnobs = Effect.gen(function*() {
        const patch = yield* body(KnobsPatch)
        const knobs = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<Knobs>
        return json(yield* behaviour.set(knobs))
      }).pipe(Effect.catch((message: string) => Effect.succeed(invalid(message))))

      const reset = Effect.as(stats.reset, HttpServerResponse.empty({ status: 204 }))

      yield* router.add("POST", "/_sandbox/tokens", mint)
      yield* router.add("GET", "/_sandbox/stats", Effect.map(stats.snapshot, (s) => json(s)))
      yield* router.add("DELETE", "/_sandbox/stats", reset)
      yield* router.add("POST", "/_sandbox/stats/reset", reset)
      yield* router.add("POST", "/_sandbox/users", addUsers)
      yield* router.add("GET", "/_sandbox/behaviour", Effect.map(behaviour.knobs, (k) => json(k)))
      yield* router.add("PATCH", "/_sandbox/behaviour", patchKnobs)
    })
  )
