import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { request, sleep } from "./HttpClient.ts"

/** A child process started by the benchmark; its last output lines are kept for error messages. */
export interface Proc {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  readonly startedAt: number
  readonly tail: () => string
  readonly exited: () => { code: number | null; signal: string | null } | undefined
  readonly stop: () => Promise<void>
}

const running = new Set<Proc>()

// Children write their output to files here, not to pipes: reading pipes would cost the benchmark
// process CPU while it generates load, and a file keeps the tail for error messages.
export const logDir = mkdtempSync(join(tmpdir(), "dl-bench-"))
let started = 0

export const startProc = (name: string, args: ReadonlyArray<string>, env: Record<string, string>, cwd: string): Proc => {
  const logFile = join(logDir, `${String(++started).padStart(2, "0")}-${name.replace(/[^a-z0-9-]+/gi, "_")}.log`)
  const fd = openSync(logFile, "w")
  const startedAt = performance.now()
  const child = spawn(process.execPath, [...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", fd, fd]
  })
  closeSync(fd)
  let exit: { code: number | null; signal: string | null } | undefined
  const exitedPromise = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exit = { code, signal }
      resolve()
    })
  })
  const tail = () => {
    try {
      const lines = readFileSync(logFile, "utf8").split("\n").filter((l) => l.trim() !== "")
      return lines.slice(-15).map((l) => `    ${name}| ${l.slice(0, 300)}`).join("\n") + `\n    (full output: ${logFile})`
    } catch {
      return `    (no output: ${logFile})`
    }
  }
  const proc: Proc = {
    name,
    child,
    pid: child.pid ?? -1,
    startedAt,
    tail,
    exited: () => exit,
    stop: async () => {
      running.delete(proc)
      if (exit !== undefined) return
      child.kill("SIGTERM")
      const killed = await Promise.race([exitedPromise.then(() => true), sleep(3000).then(() => false)])
      if (!killed) {
        child.kill("SIGKILL")
        await Promise.race([exitedPromise, sleep(2000)])
      }
    }
  }
  running.add(proc)
  return proc
}

/** Stops every child still running (on normal end, on errors and on Ctrl-C). */
export const stopAll = async (): Promise<void> => {
  await Promise.all([...running].map((p) => p.stop()))
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export class NotReady extends Error {}

/**
 * Polls `url` until it answers `accept(status)`, the process exits, or `timeoutMs` passes.
 * Returns the elapsed milliseconds since the process was spawned.
 */
export const waitReady = async (
  proc: Proc,
  url: string,
  timeoutMs: number,
  accept: (status: number) => boolean = (s) => s === 200,
  intervalMs = 25
): Promise<number> => {
  const deadline = performance.now() + timeoutMs
  let last = "no answer"
  while (performance.now() < deadline) {
    const exit = proc.exited()
    if (exit !== undefined) {
      throw new NotReady(`${proc.name} exited (code ${exit.code}, signal ${exit.signal}) before ${url} answered.\n${proc.tail()}`)
    }
    const res = await request({ method: "GET", url, timeoutMs: 2000 }).catch((e: Error) => ({ status: 0, error: e.message }))
    if (res.status !== 0 && accept(res.status)) return performance.now() - proc.startedAt
    last = res.status === 0 ? "connection refused" : `status ${res.status}`
    await sleep(intervalMs)
  }
  throw new NotReady(`${proc.name} not ready after ${timeoutMs} ms (${url}: ${last}).\n${proc.tail()}`)
}

/** Peak resident set (VmHWM) and current (VmRSS) of a process, in MiB, from /proc (Linux only). */
export const memoryOf = (pid: number): { hwmMiB: number; rssMiB: number } | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN)
    return { hwmMiB: kib("VmHWM") / 1024, rssMiB: kib("VmRSS") / 1024 }
  } catch {
    return undefined
  }
}
