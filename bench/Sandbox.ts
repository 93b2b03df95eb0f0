import { SeedClient, type SeedEndpoints, UpstreamTransient } from "./baseline/SeedClient.ts"
import { makeAgent, parseJson, request, sleep } from "./lib/HttpClient.ts"

/** The sandbox as the benchmark drives it: its control face (/_sandbox) and its wire faces for setup and checks. */
export type Surface = "identity" | "graph" | "exchange"
export const SURFACES: ReadonlyArray<Surface> = ["identity", "graph", "exchange"]

export interface StatsSnapshot {
  readonly total: number
  readonly surfaces: Readonly<Record<Surface, { readonly total: number; readonly operations: Readonly<Record<string, number>> }>>
}

/**
 * Upstream calls in one window. `identity`/`graph`/`exchange`/`total` are HTTP requests on the wire
 * (the counting proxy: a `$batch` is one call); `sandboxOps` and `operations` are the sandbox's own
 * counters, which also count every part of a `$batch` (Graph's as `$batch <op>`, Exchange's as its cmdlet).
 */
export interface Calls {
  readonly identity: number
  readonly graph: number
  readonly exchange: number
  readonly total: number
  readonly sandboxOps: number
  /** Per `surface operation`, only the ones that moved. */
  readonly operations: Readonly<Record<string, number>>
}

export interface OpsDiff {
  readonly total: number
  readonly operations: Readonly<Record<string, number>>
}

/** What the sandbox counted between two snapshots (robust whether or not the counters were reset in between). */
export const diffStats = (before: StatsSnapshot | undefined, after: StatsSnapshot): OpsDiff => {
  const operations: Record<string, number> = {}
  const per: Record<Surface, number> = { identity: 0, graph: 0, exchange: 0 }
  for (const surface of SURFACES) {
    const a = after.surfaces?.[surface]?.operations ?? {}
    const b = before?.surfaces?.[surface]?.operations ?? {}
    for (const [op, n] of Object.entries(a)) {
      const d = n - (b[op] ?? 0)
      if (d > 0) {
        operations[`${surface} ${op}`] = d
        per[surface] += d
      }
    }
  }
  return { total: per.identity + per.graph + per.exchange, operations }
}

export const scaleCalls = (c: Calls, factor: number): Calls => ({
  identity: Math.round(c.identity * factor),
  graph: Math.round(c.graph * factor),
  exchange: Math.round(c.exchange * factor),
  total: Math.round(c.total * factor),
  sandboxOps: Math.round(c.sandboxOps * factor),
  operations: Object.fromEntries(Object.entries(c.operations).map(([k, v]) => [k, Math.round(v * factor)]))
})

export interface Knobs {
  readonly latencyMillis?: number
  readonly throttleRps?: number
  readonly faultRate?: number
  readonly replicationDelayMillis?: number
  readonly graphResourceUnitsPer10s?: number
}

/** Zero latency and every throttle off (the Graph resource-unit bucket included): setup and checks. */
export const noKnobs: Knobs = { latencyMillis: 0, throttleRps: 0, graphResourceUnitsPer10s: 0 }

export class Sandbox {
  readonly baseUrl: string
  readonly endpoints: SeedEndpoints
  readonly customDomain: string
  /** A wire client for setup and verification; its calls are outside every measurement window. */
  readonly wire: SeedClient
  private readonly agent = makeAgent(512)

  constructor(baseUrl: string, endpoints: SeedEndpoints, customDomain: string) {
    this.baseUrl = baseUrl
    this.endpoints = endpoints
    this.customDomain = customDomain
    this.wire = new SeedClient(endpoints, (req) => request(req, this.agent))
  }

  async stats(): Promise<StatsSnapshot> {
    const res = await request({ method: "GET", url: `${this.baseUrl}/_sandbox/stats`, timeoutMs: 10_000 })
    if (res.status !== 200) throw new Error(`GET /_sandbox/stats answered ${res.status}`)
    return parseJson(res) as StatsSnapshot
  }

  /** Resets the counters if the sandbox offers it; callers diff snapshots either way. */
  async resetStats(): Promise<void> {
    for (const [method, path] of [["POST", "/_sandbox/stats/reset"], ["DELETE", "/_sandbox/stats"]] as const) {
      const res = await request({ method, url: `${this.baseUrl}${path}`, timeoutMs: 10_000 }).catch(() => undefined)
      if (res !== undefined && res.status < 300) return
    }
  }

  /** Changes behaviour knobs at run time; returns false if the sandbox refused every form tried. */
  async setKnobs(knobs: Knobs): Promise<boolean> {
    const body = JSON.stringify(knobs)
    for (const method of ["PATCH", "POST", "PUT"]) {
      const res = await request({
        method,
        url: `${this.baseUrl}/_sandbox/behaviour`,
        headers: { "content-type": "application/json" },
        body,
        timeoutMs: 10_000
      }).catch(() => undefined)
      if (res !== undefined && res.status < 300) return true
    }
    return false
  }

  async knobs(): Promise<unknown> {
    const res = await request({ method: "GET", url: `${this.baseUrl}/_sandbox/behaviour`, timeoutMs: 10_000 }).catch(() => undefined)
    return res?.status === 200 ? parseJson(res) : undefined
  }

  primary(alias: string): string {
    return `${alias}@${this.customDomain}`
  }

  /**
   * Creates a DL directly on the Exchange face (setup, not measured): New-DistributionGroup with up to
   * 10,000 members, the rest through `$batch`es of Add-DistributionGroupMember, `parallel` at a time.
   */
  async createGroup(alias: string, owners: ReadonlyArray<string>, members: ReadonlyArray<string>, parallel = 16): Promise<void> {
    const primary = this.primary(alias)
    const first = members.slice(0, 10_000)
    await this.wire.invoke("New-DistributionGroup", {
      Name: alias,
      Alias: alias,
      DisplayName: alias,
      PrimarySmtpAddress: primary,
      Type: "Distribution",
      ManagedBy: [...owners],
      Members: first,
      RequireSenderAuthenticationEnabled: true,
      IgnoreNamingPolicy: true
    }, owners[0] ?? primary)
    const rest = members.slice(10_000)
    const batches: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < rest.length; i += 10) batches.push(rest.slice(i, i + 10))
    let next = 0
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!
        await this.addBatch(primary, batch)
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker))
  }

  /** Up to 10 Add-DistributionGroupMember in one Exchange `$batch`. spec: exchange-admin-rest.md §1.1 "Batch" */
  private async addBatch(primary: string, members: ReadonlyArray<string>): Promise<void> {
    const e = this.endpoints
    const url = `${e.exchangeBaseUrl}/adminapi/beta/${e.tenantId}/InvokeCommand`
    const token = await this.wire.token("https://outlook.office365.com/.default")
    const res = await request({
      method: "POST",
      url: `${e.exchangeBaseUrl}/adminapi/beta/${e.tenantId}/$batch`,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-anchormailbox": `SMTP:${primary}` },
      body: JSON.stringify({
        requests: members.map((m, i) => ({
          id: String(i + 1),
          method: "POST",
          url,
          headers: { "content-type": "application/json", "x-anchormailbox": `SMTP:${primary}` },
          body: { CmdletInput: { CmdletName: "Add-DistributionGroupMember", Parameters: { Identity: primary, Member: m, BypassSecurityGroupManagerCheck: true } } }
        }))
      }),
      timeoutMs: 60_000
    }, this.agent)
    if (res.status !== 200) throw new Error(`Exchange $batch answered ${res.status}`)
    const body = parseJson(res) as { responses?: Array<{ status?: number }> } | undefined
    const failed = (body?.responses ?? []).filter((r) => r.status !== undefined && r.status >= 300)
    if (failed.length > 0) throw new Error(`Exchange $batch: ${failed.length} of ${members.length} adds failed (first status ${failed[0]!.status})`)
  }

  /**
   * The group's members as Exchange reads them (all pages), for end-state checks. Runs with the knobs
   * off (the bench's wire client is the same app as the service: it must not spend the throttle budget
   * of the next measurement) and waits out a 429 if one still comes.
   */
  async members(alias: string): Promise<ReadonlyArray<string>> {
    const primary = this.primary(alias)
    return this.withoutKnobs(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await this.wire.invoke("Get-DistributionGroupMember", { Identity: primary, ResultSize: "Unlimited" }, primary)
          return res.value.map((m) => String(m.PrimarySmtpAddress ?? "").toLowerCase())
        } catch (e) {
          if (!(e instanceof UpstreamTransient) || attempt >= 10) throw e
          await sleep(1000)
        }
      }
    })
  }

  /** The knobs measurements run with; `withoutKnobs` restores them. Undefined: run-time knobs unavailable. */
  measureKnobs: Knobs | undefined

  /** Runs setup or checks (never measured) with zero latency and no throttle, then restores the measurement knobs. */
  async withoutKnobs<A>(fn: () => Promise<A>): Promise<A> {
    const restore = this.measureKnobs
    if (restore === undefined) return fn()
    await this.setKnobs(noKnobs)
    try {
      return await fn()
    } finally {
      await this.setKnobs(restore)
    }
  }

  async removeGroup(alias: string): Promise<void> {
    const primary = this.primary(alias)
    await this.wire.invoke("Remove-DistributionGroup", { Identity: primary, BypassSecurityGroupManagerCheck: true, Confirm: false }, primary).catch(() => undefined)
  }
}

/** Compares a DL's members with the intended set; returns a short verdict for the table. */
export const stateVerdict = (actual: ReadonlyArray<string>, expected: ReadonlyArray<string>): { ok: boolean; text: string } => {
  const a = new Set(actual.map((x) => x.toLowerCase()))
  const e = new Set(expected.map((x) => x.toLowerCase()))
  let missing = 0
  let extra = 0
  for (const x of e) if (!a.has(x)) missing++
  for (const x of a) if (!e.has(x)) extra++
  return missing === 0 && extra === 0
    ? { ok: true, text: `exact (${a.size})` }
    : { ok: false, text: `${a.size} members: ${missing} missing, ${extra} extra` }
}
