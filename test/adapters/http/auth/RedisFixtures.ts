import { randomUUID } from "node:crypto"
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from "node:net"
import { Effect, Result } from "effect"
import { createClient } from "redis"
import { parseRedisUrl } from "../../../../src/adapters/redis/RedisUrl.ts"

/** The Redis the tests share (127.0.0.1:6379 here and on CI); keys go under `runPrefix` only. */
export const redisUrl = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"

const target = Result.getOrThrow(parseRedisUrl(redisUrl))

/** Unique to this test run; `removeKeys(runPrefix)` cleans up after it. */
export const runPrefix = `distribution-list-api:test:${randomUUID()}:`

let counter = 0
/** A fresh key prefix under `runPrefix`, one per test. */
export const testPrefix = (): string => `${runPrefix}${++counter}:`

const newClient = () => createClient({ url: redisUrl })

const withClient = <A>(use: (client: ReturnType<typeof newClient>) => Promise<A>): Promise<A> => {
  const client = newClient()
  return client.connect().then(() => use(client)).finally(() => client.destroy())
}

/** One command on a connection of its own. */
export const redisCommand = <A>(...args: Array<string>): Effect.Effect<A> =>
  Effect.promise(() => withClient(async (client) => await client.sendCommand(args) as A))

/** Every key under `prefix`, sorted. */
export const keysUnder = (prefix: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.promise(() =>
    withClient(async (client) => {
      const keys: Array<string> = []
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch)
      return keys.sort()
    })
  )

export const removeKeys = (prefix: string): Promise<void> =>
  withClient(async (client) => {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (batch.length > 0) await client.del(batch)
    }
  })

const listen = (server: Server, port = 0) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

const closeAll = (server: Server, sockets: Set<Socket>) => {
  for (const socket of sockets) socket.destroy()
  server.close()
}

/** A loopback port nothing listens on (bound once, then released). */
export const closedPort: Effect.Effect<number> = Effect.promise(async () => {
  const server = createServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
})

/**
 * A TCP relay to the test Redis on `port` (default: any free one); `cut()` drops every connection and
 * stops listening (Redis "goes away"). `accepted` settles once a client's connection reaches Redis: a
 * client reconnects on its own timer (real time, up to seconds), which a test waits for with it.
 * `hold()` keeps Redis's replies from the client (Redis still applies the commands) until `release()`;
 * `held()` is their text so far; `sent(verb)` counts the commands with that verb the client sent.
 */
export const startRelay = (port = 0) => Effect.acquireRelease(
  Effect.promise(async () => {
    const sockets = new Set<Socket>()
    const accepted = Promise.withResolvers<void>()
    let holding = false
    let held: Array<{ readonly text: string; readonly write: () => void }> = []
    let sentText = ""
    const server = createServer((client) => {
      const upstream = createConnection({ host: target.host, port: target.port }, () => accepted.resolve())
      for (const socket of [client, upstream]) {
        // without it a reply can wait ~40 ms for a delayed ACK (Nagle), longer than a test's turns
        socket.setNoDelay(true)
        sockets.add(socket)
        socket.on("error", () => {})
        socket.on("close", () => sockets.delete(socket))
      }
      client.on("data", (chunk: Buffer) => {
        sentText += chunk.toString("latin1")
        upstream.write(chunk)
      })
      upstream.on("data", (chunk: Buffer) => {
        if (holding) held.push({ text: chunk.toString("latin1"), write: () => client.write(chunk) })
        else client.write(chunk)
      })
      client.on("end", () => upstream.end())
      upstream.on("end", () => client.end())
    })
    const bound = await listen(server, port)
    return {
      url: `redis://127.0.0.1:${bound}/${target.database}`,
      accepted: accepted.promise,
      hold: () => {
        holding = true
      },
      release: () => {
        holding = false
        const pending = held
        held = []
        for (const { write } of pending) write()
      },
      held: () => held.map(({ text }) => text).join(""),
      sent: (verb: string) => {
        let count = 0
        for (let rest = sentText, command = nextCommand(rest); command !== undefined; command = nextCommand(rest)) {
          if ((command.args[0] ?? "").toUpperCase() === verb) count++
          rest = rest.slice(command.length)
        }
        return count
      },
      cut: () => closeAll(server, sockets)
    }
  }),
  (relay) => Effect.sync(relay.cut)
)

/** The next complete RESP command in `text` (an array of bulk strings, or an inline command), if any. */
const nextCommand = (text: string): { readonly length: number; readonly args: ReadonlyArray<string> } | undefined => {
  let at = 0
  const line = () => {
    const end = text.indexOf("\r\n", at)
    if (end < 0) return undefined
    const value = text.slice(at, end)
    at = end + 2
    return value
  }
  const head = line()
  if (head === undefined) return undefined
  if (!head.startsWith("*")) return { length: at, args: head.split(" ") }
  const args: Array<string> = []
  for (let i = 0; i < Number(head.slice(1)); i++) {
    const size = line()
    if (size === undefined || text.length < at + Number(size.slice(1)) + 2) return undefined
    args.push(text.slice(at, at + Number(size.slice(1))))
    at += Number(size.slice(1)) + 2
  }
  return { length: at, args }
}

/**
 * A server that hangs: it answers nothing from the first command on (`"handshake"`), or completes the
 * client's handshake (`+OK` to everything) and then never answers the first script command (`SCRIPT`,
 * `EVAL`, `EVALSHA`; `"script"`) or the first `SET` (`"set"`), nor anything after it. `stalled` resolves once it stops answering;
 * `nextUnanswered()` when bytes arrive after that.
 */
export const startHungRedis = (hangAt: "handshake" | "script" | "set") => Effect.acquireRelease(
  Effect.promise(async () => {
    const sockets = new Set<Socket>()
    let stall = () => {}
    const stalled = new Promise<void>((resolve) => {
      stall = resolve
    })
    let waiting: Array<() => void> = []
    /** Resolves when the next bytes arrive that will not be answered. */
    const nextUnanswered = () => new Promise<void>((resolve) => waiting.push(resolve))
    const unanswered = () => {
      for (const resolve of waiting) resolve()
      waiting = []
    }
    /** The verbs of the commands that arrived once the server hung (the one it hung at first). */
    const ignored: Array<string> = []
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on("error", () => {})
      let buffer = ""
      let hung = false
      socket.on("data", (chunk) => {
        buffer += chunk.toString("latin1")
        if (hung) {
          for (let command = nextCommand(buffer); command !== undefined; command = nextCommand(buffer)) {
            buffer = buffer.slice(command.length)
            ignored.push((command.args[0] ?? "").toUpperCase())
          }
          return unanswered()
        }
        for (let command = nextCommand(buffer); command !== undefined && !hung; command = nextCommand(buffer)) {
          buffer = buffer.slice(command.length)
          const verb = command.args[0] ?? ""
          if (hangAt === "handshake" || (hangAt === "set" ? /^SET$/i : /^(SCRIPT|EVAL|EVALSHA)$/i).test(verb)) {
            hung = true
            ignored.push(verb.toUpperCase())
            stall()
            unanswered()
          } else {
            socket.write("+OK\r\n")
          }
        }
      })
    })
    const port = await listen(server)
    return { url: `redis://127.0.0.1:${port}/0`, stalled, nextUnanswered, ignored, close: () => closeAll(server, sockets) }
  }),
  (server) => Effect.sync(server.close)
)

/** Lets pending I/O callbacks run (one event-loop turn; no timer). */
export const ioTurn: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
