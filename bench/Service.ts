import { join, resolve } from "node:path"
import { freePort, type Proc, startProc, waitReady } from "./lib/Proc.ts"

/** How to start the pieces as separate processes, on 127.0.0.1 only. */
export interface Launch {
  readonly root: string
  /** The service's entry, relative to root: the bundle `npm start` runs (`dist/main.js`), or BENCH_SERVICE_ENTRY. */
  readonly entry: string
  readonly serviceEnv: (port: number) => Record<string, string>
}

export const startService = async (launch: Launch, name: string, extraEnv: Record<string, string> = {}): Promise<{ proc: Proc; baseUrl: string }> => {
  const port = await freePort()
  // an empty value in extraEnv removes the variable (e.g. TENANT_ID for the in-process sandbox mode)
  const env = Object.fromEntries(Object.entries({ ...launch.serviceEnv(port), ...extraEnv }).filter(([, v]) => v !== ""))
  const proc = startProc(name, [resolve(launch.root, launch.entry)], env, launch.root)
  return { proc, baseUrl: `http://127.0.0.1:${port}` }
}

export const startBare = async (launch: Launch): Promise<{ proc: Proc; baseUrl: string }> => {
  const port = await freePort()
  const proc = startProc("bare-node-http", [join(launch.root, "bench/BareServer.ts")], { PORT: String(port) }, launch.root)
  await waitReady(proc, `http://127.0.0.1:${port}/healthz`, 10_000)
  return { proc, baseUrl: `http://127.0.0.1:${port}` }
}

/** The least an Effect HttpApi service can do for a 404 lookup (bench/HttpApiFloor.ts), a reference for that row. */
export const startHttpApiFloor = async (launch: Launch, apiKey: string): Promise<{ proc: Proc; baseUrl: string }> => {
  const port = await freePort()
  const proc = startProc("httpapi-floor", [join(launch.root, "bench/HttpApiFloor.ts")], { PORT: String(port), API_KEY: apiKey }, launch.root)
  // no key: the middleware answers 401 once the server is up
  await waitReady(proc, `http://127.0.0.1:${port}/api/dl/ready`, 10_000, (status) => status === 401)
  return { proc, baseUrl: `http://127.0.0.1:${port}` }
}

/** The least any service could do for a 404 lookup with this one's duties (bench/HandWrittenFloor.ts), a reference for that row. */
export const startHandWrittenFloor = async (
  launch: Launch,
  apiKey: string,
  accessLog: "line" | "batched" | "none"
): Promise<{ proc: Proc; baseUrl: string }> => {
  const port = await freePort()
  const env = { PORT: String(port), API_KEY: apiKey, ACCESS_LOG: accessLog }
  const proc = startProc(`hand-written-floor-${accessLog}`, [join(launch.root, "bench/HandWrittenFloor.ts")], env, launch.root)
  await waitReady(proc, `http://127.0.0.1:${port}/api/dl/ready`, 10_000, (status) => status === 401)
  return { proc, baseUrl: `http://127.0.0.1:${port}` }
}
