/**
 * Black-box check of the REST contract of the original specification (seed "API Documentation" and
 * "Endpoints") against a running service. Talks HTTP only; knows nothing of the implementation.
 *
 *   node_modules/.bin/node scripts/contract-check.ts --base http://127.0.0.1:19401 --key KEY
 *     [--domain contoso.example]        CUSTOM_DOMAIN of the service (demo directory domain)
 *     [--owners-as-members true|false]  the service's OWNERS_AS_MEMBERS (default true, as the seed)
 *     [--cors-origin http://app.example] an origin listed in the service's CORS_ORIGINS (else: none allowed)
 *     [--concurrency 6] [--bulk 1000] [--timeout-ms 300000] [--slow-ms 5000] [--verbose]
 *     [--only infrastructure,create/get,validation,members,update,delete,concurrency]  (cleanup always runs)
 *
 * Prints one line per check and a final "N passed, N failed" line; exit code 1 when anything failed.
 * Every list it creates has a run-unique name and is deleted at the end (best effort).
 */
import * as http from "node:http"
import { randomBytes } from "node:crypto"

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : fallback
}
const flag = (name: string): boolean => argv.includes(`--${name}`)

const BASE = new URL(opt("base", "http://127.0.0.1:8080"))
const KEY = opt("key", process.env.QA_API_KEY ?? "")
const DOMAIN = opt("domain", "contoso.example").toLowerCase()
const OAM = !/^(false|0|no|off)$/i.test(opt("owners-as-members", "true"))
const CORS_ORIGIN = opt("cors-origin", "")
const CONCURRENCY = Math.max(2, Math.min(50, Number(opt("concurrency", "6"))))
const BULK = Math.max(0, Math.min(10_000, Number(opt("bulk", "1000"))))
const TIMEOUT_MS = Number(opt("timeout-ms", "300000"))
const SLOW_MS = Number(opt("slow-ms", "5000"))
const VERBOSE = flag("verbose")
const ONLY = opt("only", "").split(",").map((x) => x.trim()).filter((x) => x !== "")

if (!["127.0.0.1", "localhost", "[::1]"].includes(BASE.hostname)) {
  console.error(`refusing a non-loopback base URL: ${BASE.href}`)
  process.exit(2)
}

const RUN = `qa${Date.now().toString(36).slice(-5)}${randomBytes(2).toString("hex")}`
const u = (local: string) => `${local}@${DOMAIN}`
const ADELE = u("adele.vance"), ALEX = u("alex.wilber"), MEGAN = u("megan.bowen"), LEE = u("lee.gu")
const DIEGO = u("diego.siciliani"), PATTI = u("patti.fernandez")
const NOMAILBOX = u("svc.reporting")
const gen = (n: number) => u(`user${String(n).padStart(5, "0")}`)
const ghost = (tag: string) => u(`${RUN}.${tag}.nobody`)

// ---------------------------------------------------------------- HTTP

interface Res {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  readonly json: any
  readonly ms: number
}

interface Req {
  readonly body?: unknown
  /** A raw body string, sent as is. */
  readonly raw?: string
  readonly headers?: Record<string, string>
  readonly auth?: boolean
  readonly contentType?: string | null
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const seen: Array<Res> = []

const send = (method: string, path: string, req: Req = {}): Promise<Res> =>
  new Promise((resolve, reject) => {
    const payload = req.raw ?? (req.body === undefined ? undefined : JSON.stringify(req.body))
    const headers: Record<string, string> = { accept: "application/json", ...req.headers }
    if (req.auth !== false && KEY !== "") headers["x-api-key"] = KEY
    if (payload !== undefined) {
      if (req.contentType !== null) headers["content-type"] = req.contentType ?? "application/json"
      headers["content-length"] = String(Buffer.byteLength(payload))
    }
    const started = performance.now()
    const r = http.request(
      { host: BASE.hostname.replace(/^\[|\]$/g, ""), port: BASE.port || 80, method, path, headers, agent, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          let json: unknown = undefined
          try {
            json = text === "" ? undefined : JSON.parse(text)
          } catch {
            json = undefined
          }
          const out: Res = { method, path, status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started }
          seen.push(out)
          if (VERBOSE) console.log(`    ${method} ${path} -> ${out.status} ${Math.round(out.ms)}ms`)
          resolve(out)
        })
        res.on("error", reject)
      }
    )
    r.on("timeout", () => r.destroy(new Error(`timeout after ${TIMEOUT_MS} ms: ${method} ${path}`)))
    r.on("error", reject)
    if (payload !== undefined) r.write(payload)
    r.end()
  })

const api = (id: string) => `/api/dl/${encodeURIComponent(id)}`
const apiRaw = (id: string) => `/api/dl/${id}`
const get = (id: string, req?: Req) => send("GET", api(id), req)
const create = (body: unknown, req: Req = {}) => send("POST", "/api/dl", { ...req, body })
const patch = (id: string, body: unknown, req: Req = {}) => send("PATCH", api(id), { ...req, body })
const del = (id: string, req?: Req) => send("DELETE", api(id), req)
const addMembers = (id: string, body: unknown, req: Req = {}) => send("POST", `${api(id)}/members`, { ...req, body })
const removeMembers = (id: string, body: unknown, req: Req = {}) => send("DELETE", `${api(id)}/members`, { ...req, body })

// ---------------------------------------------------------------- checks

let passed = 0
let failed = 0
const failures: Array<string> = []

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s)
const ev = (r: Res) => `${r.method} ${clip(r.path, 120)} -> ${r.status} ${clip(r.text)}`

const check = (name: string, ok: boolean, evidence: string | (() => string) = "") => {
  if (ok) {
    passed++
    console.log(`PASS ${name}`)
  } else {
    failed++
    const e = typeof evidence === "function" ? evidence() : evidence
    failures.push(name)
    console.log(`FAIL ${name}${e === "" ? "" : `\n     ${e}`}`)
  }
  return ok
}

const lower = (xs: ReadonlyArray<unknown> | undefined) => (xs ?? []).map((x) => String(x).toLowerCase())
const sameSet = (a: ReadonlyArray<unknown> | undefined, b: ReadonlyArray<string>) => {
  const x = lower(a), y = lower(b)
  return x.length === new Set(x).size && new Set(x).size === new Set(y).size && y.every((e) => x.includes(e))
}
const sortedKeys = (o: unknown) => (o && typeof o === "object" ? Object.keys(o).sort().join(",") : String(o))
const slug = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")

const isErrorShape = (r: Res) =>
  r.json !== null && typeof r.json === "object" && !Array.isArray(r.json) && typeof r.json.error === "string" && "details" in r.json

/** The seed's Pydantic-like 422: error "Validation Error", details [{type, loc, msg}], one of whose loc is `loc`. */
const expect422 = (name: string, r: Res, loc: ReadonlyArray<string | number>) => {
  const details: Array<any> = Array.isArray(r.json?.details) ? r.json.details : []
  const wellFormed = details.length > 0 && details.every((d) =>
    typeof d?.type === "string" && typeof d?.msg === "string" && Array.isArray(d?.loc)
  )
  const hit = details.some((d) => JSON.stringify(d?.loc) === JSON.stringify(loc))
  return check(`${name}: 422 Validation Error with loc ${JSON.stringify(loc)}`,
    r.status === 422 && r.json?.error === "Validation Error" && wellFormed && hit, ev(r))
}

const expectStatus = (name: string, r: Res, status: number | ReadonlyArray<number>) => {
  const ok = Array.isArray(status) ? status.includes(r.status) : r.status === status
  return check(`${name}: ${Array.isArray(status) ? status.join("|") : status}`, ok, ev(r))
}

const created = new Set<string>()
const track = (r: Res, alias: string) => {
  if (r.status === 201 || r.status >= 500) created.add(alias)
  return r
}

/** State as seen by GET, for "nothing changed" comparisons (member order is not part of the contract). */
const snapshot = (r: Res) =>
  r.status !== 200 ? `status ${r.status}` : JSON.stringify({
    ...r.json,
    owners: lower(r.json?.owners).sort(),
    members: lower(r.json?.members).sort()
  })

const expectedMembers = (members: ReadonlyArray<string>, owners: ReadonlyArray<string>) =>
  OAM ? [...new Set(lower([...members, ...owners]))] : [...new Set(lower(members))]

/** GET `id` and compare owners/members/flags with the intended state. */
const expectState = async (
  name: string,
  id: string,
  want: { owners?: ReadonlyArray<string>; members?: ReadonlyArray<string>; allowExternalSenders?: boolean; displayName?: string; alias?: string }
) => {
  const r = await get(id)
  const problems: Array<string> = []
  if (r.status !== 200) problems.push(`status ${r.status}`)
  else {
    if (want.owners && !sameSet(r.json.owners, want.owners)) problems.push(`owners ${JSON.stringify(r.json.owners)} != ${JSON.stringify(want.owners)}`)
    if (want.members && !sameSet(r.json.members, want.members)) problems.push(`members ${JSON.stringify(r.json.members)} != ${JSON.stringify(want.members)}`)
    if (want.allowExternalSenders !== undefined && r.json.allowExternalSenders !== want.allowExternalSenders) problems.push(`allowExternalSenders ${r.json.allowExternalSenders}`)
    if (want.displayName !== undefined && r.json.displayName !== want.displayName) problems.push(`displayName ${JSON.stringify(r.json.displayName)}`)
    if (want.alias !== undefined && (r.json.dlId !== want.alias || r.json.primaryEmail !== `${want.alias}@${DOMAIN}`)) problems.push(`dlId/primaryEmail ${r.json.dlId} ${r.json.primaryEmail}`)
  }
  check(`${name}: GET shows the intended state`, problems.length === 0, () => `${problems.join("; ")} | ${ev(r)}`)
  return r
}

const section = (title: string) => console.log(`\n== ${title}`)

// ---------------------------------------------------------------- infrastructure

async function infrastructure() {
  section("infrastructure: /healthz, /readyz, /openapi.json, /docs, auth, X-Request-ID, CORS")
  const h = await send("GET", "/healthz", { auth: false })
  check("GET /healthz: 200 JSON", h.status === 200 && h.json !== undefined, ev(h))
  const rd = await send("GET", "/readyz", { auth: false })
  check("GET /readyz: 200 JSON", rd.status === 200 && rd.json !== undefined, ev(rd))

  const o = await send("GET", "/openapi.json", { auth: false })
  const doc = o.json
  check("GET /openapi.json: 200, OpenAPI 3 document", o.status === 200 && typeof doc?.openapi === "string" && doc.openapi.startsWith("3."), ev(o))
  const deref = (s: any): any => {
    if (s && typeof s.$ref === "string") {
      const target = s.$ref.replace(/^#\//, "").split("/").reduce((a: any, k: string) => a?.[k], doc)
      return deref(target)
    }
    return s
  }
  const operations: Array<[string, string, ReadonlyArray<string>]> = [
    ["/api/dl", "post", ["201", "400", "404", "409", "422"]],
    ["/api/dl/{dlId}", "get", ["200", "404"]],
    ["/api/dl/{dlId}", "patch", ["200", "404", "422"]],
    ["/api/dl/{dlId}", "delete", ["200", "404"]],
    ["/api/dl/{dlId}/members", "post", ["200"]],
    ["/api/dl/{dlId}/members", "delete", ["200"]]
  ]
  for (const [path, method, codes] of operations) {
    const op = doc?.paths?.[path]?.[method]
    const have = Object.keys(op?.responses ?? {})
    check(`openapi: ${method.toUpperCase()} ${path} documented with ${codes.join(",")}`,
      op !== undefined && codes.every((c) => have.includes(c)), `responses: ${have.join(",") || "(operation missing)"}`)
  }
  const createSchema = deref(doc?.paths?.["/api/dl"]?.post?.requestBody?.content?.["application/json"]?.schema)
  check("openapi: create body has name, ownerEmails, memberEmails, allowExternalSenders; name and ownerEmails required",
    ["name", "ownerEmails", "memberEmails", "allowExternalSenders"].every((k) => k in (createSchema?.properties ?? {})) &&
      ["name", "ownerEmails"].every((k) => (createSchema?.required ?? []).includes(k)),
    clip(JSON.stringify(createSchema ?? null)))
  const patchSchema = deref(doc?.paths?.["/api/dl/{dlId}"]?.patch?.requestBody?.content?.["application/json"]?.schema)
  check("openapi: update body has name, displayName, ownerEmails, memberEmails, allowExternalSenders, none required",
    ["name", "displayName", "ownerEmails", "memberEmails", "allowExternalSenders"].every((k) => k in (patchSchema?.properties ?? {})) &&
      (patchSchema?.required ?? []).length === 0,
    clip(JSON.stringify(patchSchema ?? null)))

  const d = await send("GET", "/docs", { auth: false, headers: { accept: "text/html" } })
  check("GET /docs: 200 HTML page", d.status === 200 && /text\/html/.test(String(d.headers["content-type"])) && /<html/i.test(d.text), `${d.status} ${d.headers["content-type"]}`)

  // Authentication (seed: 401 Unauthorized)
  const noKey = await send("GET", api("anything"), { auth: false })
  check("GET /api/dl/x without credentials: 401 with {error, details}", noKey.status === 401 && isErrorShape(noKey), ev(noKey))
  const badKey = await send("GET", api("anything"), { auth: false, headers: { "x-api-key": "wrong-key-0123456789abcdef" } })
  check("GET /api/dl/x with a wrong key: 401 with {error, details}", badKey.status === 401 && isErrorShape(badKey), ev(badKey))
  const unknownRoute = await send("GET", "/api/nothing-here")
  check("unknown path: 404 with {error, details}", unknownRoute.status === 404 && isErrorShape(unknownRoute), ev(unknownRoute))

  // X-Request-ID: echoed when given, generated otherwise, on every kind of response
  const rid = `${RUN}-rid`
  const echoes: Array<[string, Promise<Res>]> = [
    ["/healthz", send("GET", "/healthz", { auth: false, headers: { "x-request-id": `${rid}-1` } })],
    ["/readyz", send("GET", "/readyz", { auth: false, headers: { "x-request-id": `${rid}-2` } })],
    ["/openapi.json", send("GET", "/openapi.json", { auth: false, headers: { "x-request-id": `${rid}-3` } })],
    ["401", send("GET", api("x"), { auth: false, headers: { "x-request-id": `${rid}-4` } })],
    ["404 DL", send("GET", api(`${RUN}-missing`), { headers: { "x-request-id": `${rid}-5` } })],
    ["400", send("POST", "/api/dl", { raw: "{", headers: { "x-request-id": `${rid}-6` } })],
    ["422", create({}, { headers: { "x-request-id": `${rid}-7` } })],
    ["unknown path", send("GET", "/nope", { headers: { "x-request-id": `${rid}-8` } })]
  ]
  for (const [i, [what, p]] of echoes.entries()) {
    const r = await p
    check(`X-Request-ID echoed on ${what}`, r.headers["x-request-id"] === `${rid}-${i + 1}`, `${ev(r)} x-request-id=${r.headers["x-request-id"]}`)
  }
  const g1 = await send("GET", "/healthz", { auth: false }), g2 = await get(`${RUN}-missing`)
  const id1 = g1.headers["x-request-id"], id2 = g2.headers["x-request-id"]
  check("X-Request-ID generated when absent (non-empty, distinct per request)",
    typeof id1 === "string" && id1.length > 0 && typeof id2 === "string" && id2.length > 0 && id1 !== id2, `${id1} / ${id2}`)

  // CORS: only CORS_ORIGINS (none by default)
  const foreign = "http://not-allowed.invalid"
  const pre = await send("OPTIONS", "/api/dl", { auth: false, headers: { origin: foreign, "access-control-request-method": "POST" } })
  check("CORS preflight from an unlisted origin: no Access-Control-Allow-Origin", pre.headers["access-control-allow-origin"] === undefined && pre.status < 500, `${pre.status} ${JSON.stringify(pre.headers)}`)
  const simple = await get(`${RUN}-missing`, { headers: { origin: foreign } })
  check("CORS simple request from an unlisted origin: no Access-Control-Allow-Origin", simple.headers["access-control-allow-origin"] === undefined, JSON.stringify(simple.headers))
  if (CORS_ORIGIN !== "") {
    const ok = await send("OPTIONS", `/api/dl/x`, {
      auth: false,
      headers: { origin: CORS_ORIGIN, "access-control-request-method": "DELETE", "access-control-request-headers": "content-type,x-request-id,x-anchormailbox,x-api-key" }
    })
    const allowHeaders = String(ok.headers["access-control-allow-headers"] ?? "").toLowerCase()
    const allowMethods = String(ok.headers["access-control-allow-methods"] ?? "").toUpperCase()
    check("CORS preflight from a listed origin: origin, the path's GET/PATCH/DELETE and Content-Type/X-Request-ID/X-AnchorMailbox allowed",
      ok.status >= 200 && ok.status < 300 && ok.headers["access-control-allow-origin"] === CORS_ORIGIN &&
        ["DELETE", "PATCH", "GET"].every((m) => allowMethods.includes(m)) &&
        ["content-type", "x-request-id", "x-anchormailbox"].every((x) => allowHeaders.includes(x) || allowHeaders.includes("*")),
      `${ok.status} ${JSON.stringify(ok.headers)}`)
    const actual = await get(`${RUN}-missing`, { headers: { origin: CORS_ORIGIN } })
    check("CORS actual request from a listed origin: Access-Control-Allow-Origin and X-Request-ID exposed",
      actual.headers["access-control-allow-origin"] === CORS_ORIGIN &&
        /x-request-id/i.test(String(actual.headers["access-control-expose-headers"] ?? "")),
      JSON.stringify(actual.headers))
  }
}

// ---------------------------------------------------------------- create + get

async function createAndGet() {
  section("POST /api/dl and GET /api/dl/{dlId}")
  const name = `QA ${RUN} Marketing Team`
  const alias = slug(name)
  const r = track(await create({ name, ownerEmails: [ADELE, ALEX], memberEmails: [MEGAN, LEE], allowExternalSenders: false }), alias)
  check("create: 201 with exactly {dlId, primaryEmail, status, failedMembers}",
    r.status === 201 && sortedKeys(r.json) === "dlId,failedMembers,primaryEmail,status", ev(r))
  check("create: dlId = slugify(name), primaryEmail = {alias}@{CUSTOM_DOMAIN}",
    r.json?.dlId === alias && r.json?.primaryEmail === `${alias}@${DOMAIN}`, ev(r))
  check("create: status \"DL '<alias>' created. All members added.\" and failedMembers []",
    r.json?.status === `DL '${alias}' created. All members added.` && Array.isArray(r.json?.failedMembers) && r.json.failedMembers.length === 0, ev(r))

  const g = await get(alias)
  check("get by alias: 200 with exactly {dlId, name, displayName, primaryEmail, owners, members, allowExternalSenders}",
    g.status === 200 && sortedKeys(g.json) === "allowExternalSenders,displayName,dlId,members,name,owners,primaryEmail", ev(g))
  check("get: dlId and name are the alias, displayName the given name, primaryEmail the address",
    g.json?.dlId === alias && g.json?.name === alias && g.json?.displayName === name && g.json?.primaryEmail === `${alias}@${DOMAIN}`, ev(g))
  check("get: owners are exactly the owners", sameSet(g.json?.owners, [ADELE, ALEX]), ev(g))
  check(`get: members ${OAM ? "are members + owners (OWNERS_AS_MEMBERS on)" : "exclude owners (OWNERS_AS_MEMBERS off)"}`,
    sameSet(g.json?.members, expectedMembers([MEGAN, LEE], [ADELE, ALEX])), ev(g))
  check("get: allowExternalSenders false", g.json?.allowExternalSenders === false, ev(g))
  check("get: owners/members are arrays of strings", [g.json?.owners, g.json?.members].every((a) => Array.isArray(a) && a.every((x: unknown) => typeof x === "string")), ev(g))

  const ways: Array<[string, string]> = [
    ["primary email (raw @)", apiRaw(`${alias}@${DOMAIN}`)],
    ["primary email (URL-encoded %40)", apiRaw(`${alias}%40${DOMAIN}`)],
    ["primary email in upper case", apiRaw(`${alias}@${DOMAIN}`.toUpperCase())],
    ["alias in upper case", apiRaw(alias.toUpperCase())],
    ["display name (seed: \"the dlId can be the name\")", api(name)]
  ]
  for (const [what, path] of ways) {
    const w = await send("GET", path)
    check(`get by ${what}: 200, same list`, w.status === 200 && w.json?.dlId === alias, ev(w))
  }
  const anchored = await get(alias, { headers: { "x-anchormailbox": `UPN:${LEE}` } })
  check("get with an X-AnchorMailbox header (UPN:…): 200", anchored.status === 200 && anchored.json?.dlId === alias, ev(anchored))
  const anchoredBare = await get(alias, { headers: { "x-anchormailbox": LEE } })
  check("get with an X-AnchorMailbox header (bare address): 200", anchoredBare.status === 200, ev(anchoredBare))

  const before = snapshot(g)
  const dup = await create({ name, ownerEmails: [LEE] })
  check("create same name again: 409 with {error, details}", dup.status === 409 && isErrorShape(dup), ev(dup))
  const dup2 = await create({ name: `qa ${RUN} marketing team!!`, ownerEmails: [LEE] })
  check("create a name with the same alias: 409", dup2.status === 409 && isErrorShape(dup2), ev(dup2))
  const after = await get(alias)
  check("409 changed nothing", snapshot(after) === before, `${before}\n     ${snapshot(after)}`)
  // The same request an owner would send again (same name, owners, flags): still a conflict every time,
  // also when upstream faults make a create attempt's outcome unknown.
  const repeats: Array<Res> = []
  for (let i = 0; i < 10; i++) {
    repeats.push(await create({ name, ownerEmails: [ADELE, ALEX], memberEmails: [gen(400 + i)], allowExternalSenders: false }))
  }
  check("10 sequential re-creates of an existing list (same owners): all 409",
    repeats.every((r) => r.status === 409), repeats.filter((r) => r.status !== 409).map(ev).join(" | "))
  const afterRepeats = await get(alias)
  check("… and none of their members was added to the existing list", snapshot(afterRepeats) === before, `${before}\n     ${snapshot(afterRepeats)}`)

  // 404 on unknown users: every unknown one named, nothing created
  const gName = `QA ${RUN} Ghosts`
  const ga = ghost("owner"), gb = ghost("member")
  const nf = track(await create({ name: gName, ownerEmails: [ga], memberEmails: [ALEX, gb] }), slug(gName))
  check("create with unknown owner and member: 404 naming both, not the known one",
    nf.status === 404 && isErrorShape(nf) && JSON.stringify(nf.json).toLowerCase().includes(ga) &&
      JSON.stringify(nf.json).toLowerCase().includes(gb) && !JSON.stringify(nf.json).toLowerCase().includes(ALEX), ev(nf))
  const nfg = await get(slug(gName))
  check("create with unknown users created nothing: GET 404", nfg.status === 404, ev(nfg))
  const nf2 = track(await create({ name: `${gName} 2`, ownerEmails: [ADELE], memberEmails: [MEGAN, ghost("m2")] }), slug(`${gName} 2`))
  check("create with one unknown member: 404", nf2.status === 404 && isErrorShape(nf2), ev(nf2))
  check("… and nothing created", (await get(slug(`${gName} 2`))).status === 404)

  // Unicode name
  const uname = `Équipe Ventes Süd ${RUN}`
  const ualias = `equipe-ventes-sud-${RUN}`
  const ur = track(await create({ name: uname, ownerEmails: [DIEGO] }), ualias)
  check("create with a unicode name: 201, alias transliterated (equipe-ventes-sud-…)", ur.status === 201 && ur.json?.dlId === ualias, ev(ur))
  await expectState("unicode name", ualias, { displayName: uname, owners: [DIEGO], members: expectedMembers([], [DIEGO]), alias: ualias })
  const ug = await send("GET", api(uname))
  check("get by unicode display name (seed: \"the dlId can be the name\"): 200", ug.status === 200 && ug.json?.dlId === ualias, ev(ug))

  // Unknown fields ignored, duplicates collapsed, allowExternalSenders true, owner also listed as member
  const xname = `QA ${RUN} Extras`
  const xr = track(await send("POST", "/api/dl", {
    raw: `{"name":${JSON.stringify(xname)},"ownerEmails":["${PATTI}","${PATTI.toUpperCase()}"],"memberEmails":["${MEGAN}","${MEGAN.toUpperCase()}","${PATTI}"],` +
      `"allowExternalSenders":true,"unknownField":1,"nested":{"a":[1,2]},"__proto__":{"admin":true},"constructor":"x"}`
  }), slug(xname))
  check("create with unknown fields, duplicated addresses and allowExternalSenders true: 201", xr.status === 201, ev(xr))
  await expectState("extras", slug(xname), { owners: [PATTI], members: expectedMembers([MEGAN, PATTI], [PATTI]), allowExternalSenders: true })

  // memberEmails omitted
  const oname = `QA ${RUN} Owners Only`
  const orr = track(await create({ name: oname, ownerEmails: [LEE] }), slug(oname))
  check("create without memberEmails: 201", orr.status === 201, ev(orr))
  await expectState("owners only", slug(oname), { owners: [LEE], members: expectedMembers([], [LEE]), allowExternalSenders: false })

  // A directory user without a mailbox as a member: reported in failedMembers, not a 5xx
  const mname = `QA ${RUN} No Mailbox`
  const mr = track(await create({ name: mname, ownerEmails: [ADELE], memberEmails: [LEE, NOMAILBOX] }), slug(mname))
  check("create with a mailbox-less directory user as member: 201 with failedMembers [that user]",
    mr.status === 201 && sameSet(mr.json?.failedMembers, [NOMAILBOX]) && !String(mr.json?.status).includes("All members added"), ev(mr))
  if (mr.status === 201) await expectState("mailbox-less member", slug(mname), { owners: [ADELE], members: expectedMembers([LEE], [ADELE]) })
  const mo = track(await create({ name: `${mname} Owner`, ownerEmails: [NOMAILBOX] }), slug(`${mname} Owner`))
  check("create with a mailbox-less owner: a 4xx with {error, details}, or 201", (mo.status >= 400 && mo.status < 500 && isErrorShape(mo)) || mo.status === 201, ev(mo))
  if (mo.status !== 201) check("… and nothing created", (await get(slug(`${mname} Owner`))).status === 404)

  // GET errors
  const missing = await get(`${RUN}-does-not-exist`)
  check("get unknown list: 404 {error, details}", missing.status === 404 && isErrorShape(missing), ev(missing))
  for (const odd of [`${RUN.slice(0, 4)}*`, "*", `qa-${RUN}-marketing-*`, "x'y", "a\"b", "..", "a/b", "ü", "%", " ", "$(Get-Date)", "x; Remove-DistributionGroup"]) {
    const w = await get(odd)
    check(`get odd id ${JSON.stringify(odd)}: 404 (no wildcard/OPATH match, no 5xx)`, w.status === 404 && isErrorShape(w), ev(w))
  }
  const longId = await send("GET", apiRaw("a".repeat(4000)))
  check("get with a 4000-character id: 4xx, not 5xx", longId.status >= 400 && longId.status < 500, ev(longId))
  return { name, alias }
}

// ---------------------------------------------------------------- validation and malformed input

async function validation() {
  section("422 validation errors and 400 malformed JSON")
  const n = `QA ${RUN} Invalid`
  expect422("create without name", await create({ ownerEmails: [ADELE] }), ["name"])
  expect422("create without ownerEmails", await create({ name: n }), ["ownerEmails"])
  expect422("create with ownerEmails []", await create({ name: n, ownerEmails: [] }), ["ownerEmails"])
  expect422("create with an invalid owner address", await create({ name: n, ownerEmails: ["not-an-email"] }), ["ownerEmails", 0])
  expect422("create with an invalid second member", await create({ name: n, ownerEmails: [ADELE], memberEmails: [LEE, "bad@"] }), ["memberEmails", 1])
  expect422("create with name 5", await create({ name: 5, ownerEmails: [ADELE] }), ["name"])
  expect422("create with name null", await create({ name: null, ownerEmails: [ADELE] }), ["name"])
  expect422("create with name \"\"", await create({ name: "", ownerEmails: [ADELE] }), ["name"])
  expect422("create with name of blanks", await create({ name: "   ", ownerEmails: [ADELE] }), ["name"])
  expect422("create with a name that slugifies to nothing (\"!!!\")", await create({ name: "!!!", ownerEmails: [ADELE] }), ["name"])
  expect422("create with a 300-character name", await create({ name: "n".repeat(300), ownerEmails: [ADELE] }), ["name"])
  expect422("create with a 100,000-character name", await create({ name: "n".repeat(100_000), ownerEmails: [ADELE] }), ["name"])
  expect422("create with ownerEmails a string", await create({ name: n, ownerEmails: ADELE }), ["ownerEmails"])
  expect422("create with an owner address of type number", await create({ name: n, ownerEmails: [ADELE, 7] }), ["ownerEmails", 1])
  expect422("create with allowExternalSenders \"maybe\"", await create({ name: n, ownerEmails: [ADELE], allowExternalSenders: "maybe" }), ["allowExternalSenders"])
  expect422("create with memberEmails an object", await create({ name: n, ownerEmails: [ADELE], memberEmails: { a: 1 } }), ["memberEmails"])
  const both = await create({ name: 5, ownerEmails: "x" })
  check("create with two bad fields: both reported in one 422",
    both.status === 422 && Array.isArray(both.json?.details) && both.json.details.length >= 2, ev(both))
  check("… and no list was created by any of the invalid bodies", (await get(slug(n))).status === 404)

  const malformed: Array<[string, string]> = [
    ["POST /api/dl", "/api/dl"], ["PATCH /api/dl/x", api(`${RUN}-any`)],
    ["POST /api/dl/x/members", `${api(`${RUN}-any`)}/members`], ["DELETE /api/dl/x/members", `${api(`${RUN}-any`)}/members`]
  ]
  for (const [what, path] of malformed) {
    const r = await send(what.split(" ")[0]!, path, { raw: '{"name": "x", ' })
    check(`${what} with malformed JSON: 400 {error, details}`, r.status === 400 && isErrorShape(r), ev(r))
  }
  const empty = await send("POST", "/api/dl", { raw: "" })
  check("POST /api/dl with an empty body: 400 or 422 with {error, details}", [400, 422].includes(empty.status) && isErrorShape(empty), ev(empty))
  const arr = await send("POST", "/api/dl", { raw: "[]" })
  check("POST /api/dl with a JSON array: 400 or 422 with {error, details}", [400, 422].includes(arr.status) && isErrorShape(arr), ev(arr))
  const bom = await send("POST", "/api/dl", { raw: "\u0000{}" })
  check("POST /api/dl with a NUL byte: 400", bom.status === 400 && isErrorShape(bom), ev(bom))

  // Huge bodies: a 4xx with the error shape, never a 5xx
  const huge = await send("POST", "/api/dl", { body: { name: n, ownerEmails: [ADELE], memberEmails: Array.from({ length: 60_000 }, (_, i) => `padding.address.${i}@${DOMAIN}`) } })
  check("POST /api/dl with a ~2.5 MB body: 4xx {error, details}", huge.status >= 400 && huge.status < 500 && isErrorShape(huge), ev(huge))
  const deep = await send("POST", "/api/dl", { raw: "[".repeat(100_000) + "]".repeat(100_000) })
  check("POST /api/dl with 100,000 nested arrays: 4xx, not 5xx", deep.status >= 400 && deep.status < 500, ev(deep))
}

// ---------------------------------------------------------------- members

async function members() {
  section("POST/DELETE /api/dl/{dlId}/members")
  const name = `QA ${RUN} Members`
  const alias = slug(name)
  const c = track(await create({ name, ownerEmails: [ADELE], memberEmails: [MEGAN] }), alias)
  if (!check("members: setup list created (201)", c.status === 201, ev(c))) return
  let expected = expectedMembers([MEGAN], [ADELE])

  const a = await addMembers(alias, { memberEmails: [gen(1), gen(2)] })
  check("add members: 200 {\"message\": \"All members added.\", \"failed\": []}",
    a.status === 200 && a.json?.message === "All members added." && Array.isArray(a.json?.failed) && a.json.failed.length === 0 && sortedKeys(a.json) === "failed,message", ev(a))
  expected = [...expected, gen(1), gen(2)]
  await expectState("after add", alias, { members: expected, owners: [ADELE] })

  const d = await addMembers(alias, { memberEmails: [MEGAN, gen(1).toUpperCase(), gen(3), gen(3)] })
  check("add existing members (any case) and a repeated address: 200, failed [] (duplicates skipped silently)",
    d.status === 200 && d.json?.message === "All members added." && d.json?.failed?.length === 0, ev(d))
  expected = [...expected, gen(3)]
  await expectState("after duplicate add", alias, { members: expected })

  const e = await addMembers(`${alias}@${DOMAIN}`, { memberEmails: [gen(4)] })
  check("add members addressing the list by primary email: 200", e.status === 200, ev(e))
  expected = [...expected, gen(4)]
  const an = await addMembers(alias, { memberEmails: [gen(5)] }, { headers: { "x-anchormailbox": `SMTP:${ADELE}` } })
  check("add members with an X-AnchorMailbox header: 200", an.status === 200, ev(an))
  expected = [...expected, gen(5)]
  await expectState("after add by email and with anchor", alias, { members: expected })

  const before = snapshot(await get(alias))
  const g = ghost("add")
  const nf = await addMembers(alias, { memberEmails: [gen(6), g] })
  check("add with an unknown user: 404 naming it", nf.status === 404 && isErrorShape(nf) && JSON.stringify(nf.json).toLowerCase().includes(g), ev(nf))
  check("… nothing added (validated before any change)", snapshot(await get(alias)) === before)

  const nm = await addMembers(alias, { memberEmails: [NOMAILBOX, gen(7)] })
  check("add a mailbox-less user: 200 with failed [that user], the other added",
    nm.status === 200 && sameSet(nm.json?.failed, [NOMAILBOX]) && nm.json?.message !== "All members added.", ev(nm))
  if (nm.status === 200) expected = [...expected, gen(7)]

  const nodl = await addMembers(`${RUN}-no-such-list`, { memberEmails: [gen(1)] })
  check("add to an unknown list: 404 {error, details}", nodl.status === 404 && isErrorShape(nodl), ev(nodl))
  expect422("add without memberEmails", await addMembers(alias, {}), ["memberEmails"])
  expect422("add with an invalid address", await addMembers(alias, { memberEmails: ["nope"] }), ["memberEmails", 0])
  expect422("add with memberEmails a string", await addMembers(alias, { memberEmails: gen(1) }), ["memberEmails"])
  const unk = await addMembers(alias, { memberEmails: [gen(8)], extra: true })
  check("add with an unknown field: 200 (ignored)", unk.status === 200, ev(unk))
  expected = [...expected, gen(8)]
  await expectState("after the error cases", alias, { members: expected, owners: [ADELE] })

  // Remove
  const r = await removeMembers(alias, { memberEmails: [gen(1), gen(2).toUpperCase()] })
  check("remove members: 200 {\"message\": \"All members removed (or already absent).\", \"failed\": []}",
    r.status === 200 && r.json?.message === "All members removed (or already absent)." && Array.isArray(r.json?.failed) && r.json.failed.length === 0 && sortedKeys(r.json) === "failed,message", ev(r))
  expected = expected.filter((m) => m !== gen(1) && m !== gen(2))
  await expectState("after remove", alias, { members: expected, owners: [ADELE] })

  const rn = await removeMembers(alias, { memberEmails: [gen(99), gen(1)] })
  check("remove non-members: 200, failed [] (idempotent)", rn.status === 200 && rn.json?.failed?.length === 0 && rn.json?.message === "All members removed (or already absent).", ev(rn))
  const rg = await removeMembers(alias, { memberEmails: [ghost("remove")] })
  check("remove a user unknown to the directory: 200 (treated as absent) or 404 naming it", rg.status === 200 || (rg.status === 404 && isErrorShape(rg)), ev(rg))
  const re = await removeMembers(`${alias}@${DOMAIN}`, { memberEmails: [gen(3)] })
  check("remove members addressing the list by primary email: 200", re.status === 200, ev(re))
  expected = expected.filter((m) => m !== gen(3))
  await expectState("after remove by email", alias, { members: expected })

  const rnodl = await removeMembers(`${RUN}-no-such-list`, { memberEmails: [gen(1)] })
  check("remove from an unknown list: 404 {error, details}", rnodl.status === 404 && isErrorShape(rnodl), ev(rnodl))
  expect422("remove without memberEmails", await removeMembers(alias, {}), ["memberEmails"])
  expect422("remove with an invalid address", await removeMembers(alias, { memberEmails: [LEE, 5] }), ["memberEmails", 1])

  // Bulk
  if (BULK > 0) {
    const bulk = Array.from({ length: BULK }, (_, i) => gen(20_001 + i))
    const t0 = performance.now()
    const b = await addMembers(alias, { memberEmails: bulk })
    check(`add ${BULK} members in one call: 200, failed []`, b.status === 200 && b.json?.failed?.length === 0, ev(b))
    console.log(`     (took ${Math.round(performance.now() - t0)} ms)`)
    expected = [...expected, ...bulk]
    await expectState(`after bulk add of ${BULK}`, alias, { members: expected })
    await memberPaging(alias)
    const br = await removeMembers(alias, { memberEmails: bulk })
    check(`remove ${BULK} members in one call: 200, failed []`, br.status === 200 && br.json?.failed?.length === 0, ev(br))
    expected = expected.filter((m) => !bulk.includes(m))
    await expectState(`after bulk remove of ${BULK}`, alias, { members: expected })
  }
}

/**
 * Optional member paging of GET (issue 5): without the query parameters nothing changes; with them the
 * pages hold the full list once, in its order, and only the last has no token.
 */
async function memberPaging(alias: string) {
  const whole = await get(alias)
  check("GET without paging parameters: the whole list, no membersNextPageToken",
    whole.status === 200 && Array.isArray(whole.json?.members) && !("membersNextPageToken" in (whole.json ?? {})), ev(whole))
  const paged: Array<string> = []
  let token: string | undefined
  let pages = 0
  let refused: Res | undefined
  do {
    const query = `?membersPageSize=400${token === undefined ? "" : `&membersPageToken=${encodeURIComponent(token)}`}`
    const page = await send("GET", `${api(alias)}${query}`)
    if (page.status !== 200 || !Array.isArray(page.json?.members)) {
      refused = page
      break
    }
    paged.push(...page.json.members)
    token = typeof page.json.membersNextPageToken === "string" ? page.json.membersNextPageToken : undefined
    pages++
  } while (token !== undefined && pages < 100)
  check(`GET in pages of 400 (${pages} pages): the whole list once, in the same order`,
    refused === undefined && JSON.stringify(paged) === JSON.stringify(whole.json?.members),
    () => refused !== undefined ? ev(refused) : `${paged.length} paged vs ${whole.json?.members?.length} whole`)
  expect422("GET with membersPageSize=0", await send("GET", `${api(alias)}?membersPageSize=0`), ["query", "membersPageSize"])
  const forged = Buffer.from(JSON.stringify({ v: 1, dl: alias, id: alias, c: "http://127.0.0.1:9/adminapi/beta/x/InvokeCommand" }))
    .toString("base64url")
  expect422("GET with a page token pointing at another host", await send("GET", `${api(alias)}?membersPageToken=${forged}`),
    ["query", "membersPageToken"])
}

// ---------------------------------------------------------------- update

async function update(other: { name: string; alias: string }) {
  section("PATCH /api/dl/{dlId}")
  const name = `QA ${RUN} Sync`
  const alias = slug(name)
  const c = track(await create({ name, ownerEmails: [ADELE], memberEmails: [ALEX, MEGAN] }), alias)
  if (!check("update: setup list created (201)", c.status === 201, ev(c))) return

  const p1 = await patch(alias, { ownerEmails: [LEE, MEGAN], memberEmails: [gen(10), ALEX] })
  check("patch owners and members: 200 {\"message\": \"Distribution List '<alias>' updated successfully.\"}",
    p1.status === 200 && p1.json?.message === `Distribution List '${alias}' updated successfully.`, ev(p1))
  await expectState("full sync of owners and members", alias, { owners: [LEE, MEGAN], members: expectedMembers([gen(10), ALEX], [LEE, MEGAN]) })

  const p2 = await patch(alias, { memberEmails: [] })
  check("patch memberEmails []: 200", p2.status === 200, ev(p2))
  await expectState(`memberEmails [] leaves ${OAM ? "only the owners" : "no members"}`, alias, { owners: [LEE, MEGAN], members: expectedMembers([], [LEE, MEGAN]) })

  const p3 = await patch(alias, { memberEmails: [gen(11), gen(12), LEE] })
  check("patch memberEmails only: 200", p3.status === 200, ev(p3))
  await expectState("members synchronised, owners untouched", alias, { owners: [LEE, MEGAN], members: expectedMembers([gen(11), gen(12), LEE], [LEE, MEGAN]) })

  const p4 = await patch(alias, { ownerEmails: [PATTI] })
  check("patch ownerEmails only: 200", p4.status === 200, ev(p4))
  const g4 = await get(alias)
  check("owners replaced completely", sameSet(g4.json?.owners, [PATTI]), ev(g4))
  if (OAM) check("OWNERS_AS_MEMBERS: the new owner is a member", lower(g4.json?.members).includes(PATTI), ev(g4))
  else check("OWNERS_AS_MEMBERS off: members untouched by an owners-only patch", sameSet(g4.json?.members, [gen(11), gen(12), LEE]), ev(g4))

  const p5 = await patch(alias, { displayName: `QA ${RUN} Sync – Display ✓` })
  check("patch displayName only: 200", p5.status === 200, ev(p5))
  await expectState("displayName changed, alias kept", alias, { displayName: `QA ${RUN} Sync – Display ✓`, alias, owners: [PATTI] })
  const p6 = await patch(alias, { allowExternalSenders: true })
  check("patch allowExternalSenders true: 200", p6.status === 200, ev(p6))
  await expectState("allowExternalSenders true", alias, { allowExternalSenders: true })
  const p7 = await patch(`${alias}@${DOMAIN}`, { allowExternalSenders: false }, { headers: { "x-anchormailbox": `UPN:${PATTI}` } })
  check("patch by primary email with X-AnchorMailbox: 200", p7.status === 200, ev(p7))
  await expectState("allowExternalSenders false", alias, { allowExternalSenders: false })

  let before = snapshot(await get(alias))
  const p8 = await patch(alias, {})
  check("patch {}: 200", p8.status === 200, ev(p8))
  const p9 = await patch(alias, { someUnknownField: [1], dlId: "x", primaryEmail: "x@y.z" })
  check("patch with unknown fields only: 200 (ignored)", p9.status === 200, ev(p9))
  check("… nothing changed by {} or unknown fields", snapshot(await get(alias)) === before)

  const g = ghost("patch")
  const nf = await patch(alias, { memberEmails: [gen(13), g] })
  check("patch with an unknown member: 404 naming it", nf.status === 404 && isErrorShape(nf) && JSON.stringify(nf.json).toLowerCase().includes(g), ev(nf))
  const nf2 = await patch(alias, { ownerEmails: [g], memberEmails: [gen(14)], displayName: "Should Not Apply" })
  check("patch with an unknown owner: 404", nf2.status === 404 && isErrorShape(nf2), ev(nf2))
  check("… nothing changed by the 404s (all users validated before any change)", snapshot(await get(alias)) === before)

  const po = await patch(alias, { ownerEmails: [] })
  if (po.status === 200) {
    const gg = await get(alias)
    check("patch ownerEmails []: 200 leaves no owners", gg.json?.owners?.length === 0, ev(gg))
    await patch(alias, { ownerEmails: [PATTI] })
    before = snapshot(await get(alias))
  } else expect422("patch ownerEmails []", po, ["ownerEmails"])
  expect422("patch name 5", await patch(alias, { name: 5 }), ["name"])
  expect422("patch memberEmails a string", await patch(alias, { memberEmails: gen(1) }), ["memberEmails"])
  expect422("patch an invalid owner", await patch(alias, { ownerEmails: [PATTI, "x"] }), ["ownerEmails", 1])
  expect422("patch allowExternalSenders \"maybe\"", await patch(alias, { allowExternalSenders: "maybe" }), ["allowExternalSenders"])
  expect422("patch a 300-character displayName", await patch(alias, { displayName: "d".repeat(300) }), ["displayName"])
  expect422("patch name \"!!!\"", await patch(alias, { name: "!!!" }), ["name"])
  check("… nothing changed by the 422s", snapshot(await get(alias)) === before)
  const nodl = await patch(`${RUN}-no-such-list`, { displayName: "x" })
  check("patch an unknown list: 404 {error, details}", nodl.status === 404 && isErrorShape(nodl), ev(nodl))

  // Rename
  const conflict = await patch(alias, { name: other.name })
  check("rename to another list's name: 409 {error, details}", conflict.status === 409 && isErrorShape(conflict), ev(conflict))
  check("… nothing changed by the 409", snapshot(await get(alias)) === before)
  const same = await patch(alias, { name })
  check("rename to its own current name: 200", same.status === 200, ev(same))
  const newName = `QA ${RUN} Renamed`
  const newAlias = slug(newName)
  const rn = await patch(alias, { name: newName })
  if (rn.status === 200) created.add(newAlias)
  check("rename: 200, the message naming the list as the request did (the seed's example)",
    rn.status === 200 && rn.json?.message === `Distribution List '${alias}' updated successfully.`, ev(rn))
  const beforeObj = JSON.parse(before.startsWith("{") ? before : "{}")
  await expectState("renamed list under its new alias and address", newAlias, { alias: newAlias, owners: beforeObj.owners ?? [PATTI], members: beforeObj.members ?? [] })
  const old = await get(alias)
  check("old alias no longer resolves: 404", old.status === 404, ev(old))
  const rb = await patch(newAlias, { name, displayName: name })
  check("rename back with name and displayName together: 200", rb.status === 200, ev(rb))
  await expectState("renamed back", alias, { alias, displayName: name })
  const gone = await get(newAlias)
  check("intermediate alias released: 404", gone.status === 404, ev(gone))
}

// ---------------------------------------------------------------- delete

async function deletion() {
  section("DELETE /api/dl/{dlId}")
  const name = `QA ${RUN} Delete Me`
  const alias = slug(name)
  const c = track(await create({ name, ownerEmails: [ADELE], memberEmails: [LEE] }), alias)
  if (!check("delete: setup list created (201)", c.status === 201, ev(c))) return
  const d = await del(alias)
  check("delete: 200 {\"message\": \"Distribution List '<dlId>' deleted successfully.\"}",
    d.status === 200 && d.json?.message === `Distribution List '${alias}' deleted successfully.`, ev(d))
  const g = await get(alias)
  check("deleted list: GET 404", g.status === 404, ev(g))
  const d2 = await del(alias)
  check("delete again: 404 {error, details}", d2.status === 404 && isErrorShape(d2), ev(d2))
  const a = await addMembers(alias, { memberEmails: [gen(1)] })
  check("add members to a deleted list: 404", a.status === 404, ev(a))
  const p = await patch(alias, { displayName: "x" })
  check("patch a deleted list: 404", p.status === 404, ev(p))
  const again = track(await create({ name, ownerEmails: [ALEX] }), alias)
  check("re-create the deleted name at once: 201 (deletion is immediate and permanent)", again.status === 201, ev(again))
  await expectState("re-created list is a new one", alias, { owners: [ALEX], members: expectedMembers([], [ALEX]) })
  const de = await send("DELETE", apiRaw(`${alias}%40${DOMAIN}`))
  check("delete by URL-encoded primary email: 200", de.status === 200 && /deleted successfully\.$/.test(String(de.json?.message)), ev(de))
  if (de.status === 200) created.delete(alias)
  const nodl = await del(`${RUN}-no-such-list`)
  check("delete an unknown list: 404 {error, details}", nodl.status === 404 && isErrorShape(nodl), ev(nodl))
  if (d.status === 200 && de.status !== 200) created.add(alias)
}

// ---------------------------------------------------------------- concurrency

async function concurrency() {
  section(`concurrency (${CONCURRENCY} parallel requests)`)
  const name = `QA ${RUN} Race`
  const alias = slug(name)
  const bodies = Array.from({ length: CONCURRENCY }, (_, i) => ({ name, ownerEmails: [ADELE], memberEmails: [gen(100 + i)] }))
  const rs = await Promise.all(bodies.map((b) => create(b)))
  for (const r of rs) track(r, alias)
  const codes = rs.map((r) => r.status)
  const winners = rs.flatMap((r, i) => (r.status === 201 ? [i] : []))
  check(`same name created ${CONCURRENCY}× at once: exactly one 201, the rest 409`,
    winners.length === 1 && codes.filter((c) => c === 409).length === CONCURRENCY - 1, `statuses ${codes.join(",")} | ${rs.filter((r) => r.status !== 201 && r.status !== 409).map(ev).join(" | ")}`)
  if (winners.length === 1) {
    await expectState("the winner's request is what exists", alias, { owners: [ADELE], members: expectedMembers(bodies[winners[0]!]!.memberEmails, [ADELE]) })
  } else {
    const state = await get(alias)
    check("the list holds one request's members only", winners.length === 0 && state.status === 404,
      `201 answers to requests with members ${winners.map((i) => bodies[i]!.memberEmails[0]).join(", ")}; ${ev(state)}`)
  }

  const distinct = Array.from({ length: CONCURRENCY }, (_, i) => `QA ${RUN} Para ${i}`)
  const ds = await Promise.all(distinct.map((n) => create({ name: n, ownerEmails: [LEE] })))
  ds.forEach((r, i) => track(r, slug(distinct[i]!)))
  check(`${CONCURRENCY} different lists created at once: all 201`, ds.every((r) => r.status === 201), ds.map(ev).join(" | "))

  // Concurrent member changes on one list (a list of its own, so a create race above cannot blur it)
  const target = slug(distinct[1]!)
  const adds = Array.from({ length: CONCURRENCY }, (_, i) => [gen(200 + 2 * i), gen(201 + 2 * i)])
  const as = await Promise.all(adds.map((m) => addMembers(target, { memberEmails: m })))
  check(`${CONCURRENCY} concurrent member additions to one list: all 200`, as.every((r) => r.status === 200 && r.json?.failed?.length === 0), as.map(ev).join(" | "))
  await expectState("every concurrently added member is present", target, { owners: [LEE], members: expectedMembers(adds.flat(), [LEE]) })

  const rms = await Promise.all(adds.map((m) => removeMembers(target, { memberEmails: [m[0]!] })))
  check(`${CONCURRENCY} concurrent member removals from one list: all 200`, rms.every((r) => r.status === 200), rms.map(ev).join(" | "))
  await expectState("exactly the concurrently removed members are gone", target, { members: expectedMembers(adds.map((m) => m[1]!), [LEE]) })

  const mixed = await Promise.all([
    addMembers(target, { memberEmails: [gen(300)] }),
    removeMembers(target, { memberEmails: [adds[0]![1]!] }),
    patch(target, { allowExternalSenders: true }),
    patch(target, { displayName: `${distinct[1]} (renamed)` })
  ])
  check("concurrent add, remove and two patches on one list: all 200", mixed.every((r) => r.status === 200), mixed.map(ev).join(" | "))
  await expectState("all four concurrent changes applied", target, {
    members: expectedMembers([...adds.slice(1).map((m) => m[1]!), gen(300)], [LEE]),
    allowExternalSenders: true,
    displayName: `${distinct[1]} (renamed)`
  })

  const victim = slug(distinct[0]!)
  const dels = await Promise.all(Array.from({ length: 3 }, () => del(victim)))
  const dcodes = dels.map((r) => r.status).sort()
  const gone = await get(victim)
  check("same list deleted 3× at once: 200 and 404 only, at least one 200, list gone",
    dcodes.every((c) => c === 200 || c === 404) && dcodes.includes(200) && gone.status === 404, `statuses ${dcodes.join(",")} | ${ev(gone)}`)
  if (dcodes.filter((c) => c === 200).length > 1) console.log(`     note: ${dcodes.filter((c) => c === 200).length} of the 3 concurrent deletes answered 200`)
  if (gone.status === 404) created.delete(victim)
}

// ---------------------------------------------------------------- cleanup and global checks

async function cleanup() {
  section("cleanup and whole-run checks")
  const left: Array<string> = []
  for (const alias of created) {
    const r = await del(alias)
    if (r.status !== 200 && r.status !== 404) left.push(ev(r))
    const g = await get(alias)
    if (g.status !== 404) left.push(`${alias} still there: ${ev(g)}`)
  }
  check(`cleanup: the ${created.size} lists this run created are gone`, left.length === 0, left.join(" | "))
}

function wholeRun() {
  const fives = seen.filter((r) => r.status >= 500)
  check(`no 5xx in ${seen.length} responses`, fives.length === 0, fives.slice(0, 5).map(ev).join(" | "))
  const noId = seen.filter((r) => typeof r.headers["x-request-id"] !== "string" || r.headers["x-request-id"] === "")
  check("every response carries X-Request-ID", noId.length === 0, noId.slice(0, 5).map(ev).join(" | "))
  const badErrors = seen.filter((r) => r.status >= 400 && r.method !== "OPTIONS" && !isErrorShape(r))
  check("every error response is JSON {error: string, details}", badErrors.length === 0, badErrors.slice(0, 5).map(ev).join(" | "))
  const nonJson = seen.filter((r) => r.path.startsWith("/api") && r.method !== "OPTIONS" && !/application\/json/.test(String(r.headers["content-type"])))
  check("every /api response is application/json", nonJson.length === 0, nonJson.slice(0, 5).map((r) => `${ev(r)} ${r.headers["content-type"]}`).join(" | "))
  const slow = [...seen].sort((a, b) => b.ms - a.ms)
  console.log(`\n  slowest: ${slow.slice(0, 5).map((r) => `${r.method} ${clip(r.path, 60)} ${r.status} ${Math.round(r.ms)}ms`).join("; ")}`)
  const overSlow = seen.filter((r) => r.ms > SLOW_MS)
  if (overSlow.length > 0) console.log(`  note: ${overSlow.length} response(s) slower than ${SLOW_MS} ms`)
}

// ---------------------------------------------------------------- main

const main = async () => {
  console.log(`contract check against ${BASE.origin} (run ${RUN}, domain ${DOMAIN}, OWNERS_AS_MEMBERS ${OAM ? "on" : "off"})`)
  const started = performance.now()
  const stages: Array<[string, () => Promise<unknown>]> = []
  let other = { name: `QA ${RUN} Marketing Team`, alias: slug(`QA ${RUN} Marketing Team`) }
  stages.push(["infrastructure", infrastructure])
  stages.push(["create/get", async () => { other = await createAndGet() }])
  stages.push(["validation", validation])
  stages.push(["members", members])
  stages.push(["update", () => update(other)])
  stages.push(["delete", deletion])
  stages.push(["concurrency", concurrency])
  stages.push(["cleanup", cleanup])
  for (const [stage, run] of stages) {
    if (ONLY.length > 0 && stage !== "cleanup" && !ONLY.includes(stage)) continue
    try {
      await run()
    } catch (error) {
      check(`${stage}: completed without a transport error`, false, String(error))
    }
  }
  wholeRun()
  agent.destroy()
  console.log(`\n${passed} passed, ${failed} failed (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  process.exitCode = failed === 0 ? 0 : 1
}

await main()
