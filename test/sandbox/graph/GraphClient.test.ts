/**
 * Fidelity of the Graph face, proven by @microsoft/microsoft-graph-client 3.0.7 unmodified: its own
 * AuthenticationHandler, request builder, GraphError parsing and batching helpers. The client keeps its
 * real base URL (https://graph.microsoft.com); one middleware moves each call to the sandbox.
 */
import {
  AuthenticationHandler,
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError,
  HTTPMessageHandler,
  type Middleware
} from "@microsoft/microsoft-graph-client"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"

const toSandbox = (baseUrl: string): Middleware => {
  let next: Middleware | undefined
  return {
    setNext: (m) => (next = m),
    execute: async (context) => {
      const url = typeof context.request === "string" ? context.request : context.request.url
      const target = url.replace(/^https:\/\/graph\.microsoft\.com/i, baseUrl)
      context.request = typeof context.request === "string" ? target : new Request(target, context.request)
      // The sandbox builds @odata.nextLink on the origin the client believes it talks to.
      context.options = {
        ...context.options,
        headers: { ...(context.options?.headers as Record<string, string>), "x-forwarded-host": "graph.microsoft.com", "x-forwarded-proto": "https" }
      }
      await next!.execute(context)
    }
  }
}

const clientFor = (baseUrl: string, token: string) => {
  const auth = new AuthenticationHandler({ getAccessToken: async () => token })
  const rewrite = toSandbox(baseUrl)
  const http = new HTTPMessageHandler()
  auth.setNext(rewrite)
  rewrite.setNext!(http)
  return Client.initWithMiddleware({ middleware: auth })
}

/** A Graph token as the token endpoint issues it to the service's app. */
const graphClient = Effect.gen(function*() {
  const sandbox = yield* Sandbox
  const tokens = yield* AccessTokens
  const { token } = yield* tokens.issue({ aud: "https://graph.microsoft.com", appid: sandbox.clientId, roles: ["User.Read.All", "Directory.Read.All"] })
  return { client: clientFor(sandbox.baseUrl, token), sandbox }
})

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("msgraph-client against the Graph face", (it) => {
  it.effect("user lookup by UPN, with $select (spec §1.1)", () =>
    Effect.gen(function*() {
      const { client } = yield* graphClient
      const user = yield* Effect.promise(() => client.api("/users/adele.vance@contoso.example").get())
      assert.strictEqual(user.userPrincipalName, "adele.vance@contoso.example")
      assert.strictEqual(user.displayName, "Adele Vance")
      assert.strictEqual(user["@odata.context"], "https://graph.microsoft.com/v1.0/$metadata#users/$entity")
      assert.deepStrictEqual(Object.keys(user).slice(1), [
        "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
        "preferredLanguage", "surname", "userPrincipalName", "id"
      ])
      const selected = yield* Effect.promise(() => client.api(`/users/${user.id}`).select(["id", "mail"]).get())
      assert.deepStrictEqual(selected, {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,mail)/$entity",
        id: user.id,
        mail: "adele.vance@contoso.example"
      })
    }))

  it.effect("unknown user surfaces as GraphError 404 Request_ResourceNotFound with the request id (spec §1.4)", () =>
    Effect.gen(function*() {
      const { client } = yield* graphClient
      const id = "73f6134c-e647-4ab1-8ccb-287be982da02"
      const error = yield* Effect.promise(() => client.api(`/users/${id}`).get().then(() => undefined, (e: unknown) => e))
      assert.instanceOf(error, GraphError)
      const graphError = error as GraphError
      assert.strictEqual(graphError.statusCode, 404)
      assert.strictEqual(graphError.code, "Request_ResourceNotFound")
      assert.strictEqual(
        graphError.message,
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`
      )
      assert.match(graphError.requestId ?? "", /^[0-9a-f-]{36}$/)
    }))

  it.effect("$filter with in and proxyAddresses/any, and paging through @odata.nextLink (spec §1.2, §1.1)", () =>
    Effect.gen(function*() {
      const { client } = yield* graphClient
      const found = yield* Effect.promise(() =>
        client.api("/users")
          .filter("mail in ('adele.vance@contoso.example','nobody@contoso.example') or proxyAddresses/any(p:p eq 'smtp:alexw@contoso.example')")
          .select(["id", "mail"])
          .get()
      )
      assert.sameMembers(found.value.map((u: { mail: string }) => u.mail), ["adele.vance@contoso.example", "alex.wilber@contoso.example"])
      const first = yield* Effect.promise(() => client.api("/users").top(10).get())
      assert.lengthOf(first.value, 10)
      assert.match(first["@odata.nextLink"], /^https:\/\/graph\.microsoft\.com\/v1\.0\/users\?\$top=10&\$skiptoken=/)
      const second = yield* Effect.promise(() => client.api(first["@odata.nextLink"]).get())
      assert.notInclude(second.value.map((u: { id: string }) => u.id), first.value[0].id)
    }))

  it.effect("$batch through BatchRequestContent/BatchResponseContent: statuses, bodies, POST entries (spec §2)", () =>
    Effect.gen(function*() {
      const { client } = yield* graphClient
      const adele = yield* Effect.promise(() => client.api("/users/adele.vance@contoso.example").select(["id"]).get())
      const content = new BatchRequestContent([
        { id: "1", request: new Request("https://graph.microsoft.com/v1.0/users/adele.vance@contoso.example") },
        { id: "2", request: new Request("https://graph.microsoft.com/v1.0/users/nobody@contoso.example") },
        {
          id: "3",
          request: new Request("https://graph.microsoft.com/v1.0/directoryObjects/getByIds", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ ids: [adele.id, "00000000-0000-4000-8000-000000000000"], types: ["user"] })
          })
        }
      ])
      const raw = yield* Effect.promise(() => content.getContent().then((body) => client.api("/$batch").post(body)))
      const responses = new BatchResponseContent(raw)
      assert.strictEqual(responses.getResponseById("1").status, 200)
      const found = yield* Effect.promise(() => responses.getResponseById("1").json())
      assert.strictEqual(found.mail, "adele.vance@contoso.example")
      assert.strictEqual(responses.getResponseById("2").status, 404)
      const notFound = yield* Effect.promise(() => responses.getResponseById("2").json())
      assert.strictEqual(notFound.error.code, "Request_ResourceNotFound")
      const byIds = yield* Effect.promise(() => responses.getResponseById("3").json())
      assert.deepStrictEqual(byIds.value.map((o: Record<string, string>) => [o["@odata.type"], o["id"]]), [["#microsoft.graph.user", adele.id]])
    }))

  it.effect("$batch dependsOn: a failed dependency gives 424 to its dependents (spec §2)", () =>
    Effect.gen(function*() {
      const { client } = yield* graphClient
      const content = new BatchRequestContent([
        { id: "a", request: new Request("https://graph.microsoft.com/v1.0/users/nobody@contoso.example") },
        { id: "b", request: new Request("https://graph.microsoft.com/v1.0/users/adele.vance@contoso.example"), dependsOn: ["a"] },
        { id: "c", request: new Request("https://graph.microsoft.com/v1.0/users/alex.wilber@contoso.example"), dependsOn: ["a"] }
      ])
      const raw = yield* Effect.promise(() => content.getContent().then((body) => client.api("/$batch").post(body)))
      const responses = new BatchResponseContent(raw)
      assert.strictEqual(responses.getResponseById("a").status, 404)
      assert.strictEqual(responses.getResponseById("b").status, 424)
      assert.strictEqual(responses.getResponseById("c").status, 424)
    }))
})
