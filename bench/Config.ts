/** The benchmark's settings, all from the environment (`BENCH_*`), with the defaults `npm run bench` uses. */
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name])
  return process.env[name] !== undefined && process.env[name] !== "" && Number.isFinite(v) ? v : fallback
}

export const config = {
  latencyMs: num("BENCH_LATENCY_MS", 25),
  /**
   * The sandbox's requests-per-second throttle, per app and surface. It applies to identity and
   * Exchange; Graph follows `graphResourceUnitsPer10s` instead while that is above 0. 100/s is a
   * judgement call: Exchange publishes no thresholds (spec exchange-admin-rest.md §7).
   */
  throttleRps: num("BENCH_THROTTLE_RPS", 100),
  /**
   * Graph's identity-and-access budget, resource units per app per 10 s (the sandbox's
   * `SANDBOX_GRAPH_RU_PER_10S`; 0 = Graph falls back to `throttleRps`). 8,000 is Microsoft's quota for
   * a large tenant (over 500 users; spec graph-and-identity.md §5), and the sandbox tenant has 60,000+.
   */
  graphResourceUnitsPer10s: Math.max(0, Math.floor(num("BENCH_GRAPH_RU_PER_10S", 8_000))), // the sandbox takes whole units only
  baselineCap: num("BENCH_BASELINE_CAP", 100),
  runBaseline: process.env.BENCH_BASELINE !== "0",
  only: (process.env.BENCH_ONLY ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""),
  /** Seconds per load round; bare and ours alternate `overheadRounds` times per path (medians kept). */
  overheadSeconds: num("BENCH_OVERHEAD_SECONDS", 2),
  overheadRounds: num("BENCH_OVERHEAD_ROUNDS", 5),
  connections: num("BENCH_CONNECTIONS", 50),
  coldRuns: num("BENCH_COLD_RUNS", 5),
  memoryMembers: num("BENCH_MEMORY_MEMBERS", 50_000),
  maxSeconds: num("BENCH_MAX_SECONDS", 900),
  domain: process.env.BENCH_CUSTOM_DOMAIN ?? "contoso.example",
  /** What `node <entry>` runs for the service; a bundle may be measured instead of src/main.ts. */
  serviceEntry: process.env.BENCH_SERVICE_ENTRY ?? "dist/main.js",
  sandboxEntry: process.env.BENCH_SANDBOX_ENTRY ?? "src/sandbox/main.ts"
}
/** BENCH_ONLY=create-1000,sync (ids or families: create, sync, add, get, concurrent, memory, cold, overhead). */
export const wanted = (id: string) => config.only.length === 0 || config.only.some((o) => id === o || id.startsWith(`${o}-`))
