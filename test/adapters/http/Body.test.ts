import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Schema } from "effect"
import { HttpServerError, HttpServerRequest } from "effect/http"
import * as ApiErrors from "../../../src/adapters/http/ApiErrors.ts"
import * as Body from "../../../src/adapters/http/Body.ts"

const decode = Body.decoder(Schema.Struct({ name: Schema.String }))

/** A web request (as Deno.serve gives) whose body breaks off; `gone`: its caller went away. */
const brokenOff = (gone: boolean) => {
  const controller = new AbortController()
  const request = new Request("http://localhost/api/dl", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: new ReadableStream({ start: (stream) => stream.error(new Error("connection closed before message completed")) }),
    signal: controller.signal,
    duplex: "half"
  } as RequestInit)
  if (gone) controller.abort()
  return HttpServerRequest.fromWeb(request)
}

describe("Body.decoder", () => {
  it.effect("a body that breaks off because its caller went away is an interruption (499, not started), not a 400", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(decode(brokenOff(true)))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
      // marked as the server marks a caller that went away, which the access log and audit read as 499
      assert.isTrue(
        Exit.isFailure(exit) &&
          exit.cause.reasons.some((reason) => reason.annotations.has(HttpServerError.ClientAbort.key))
      )
    }))

  it.effect("a body that cannot be read while its caller is still there is a 400", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decode(brokenOff(false)))
      assert.instanceOf(error, ApiErrors.BadRequest)
      assert.strictEqual((error as ApiErrors.BadRequest).details, "The request body could not be read")
    }))
})
