import * as http from "node:http"

// The reference for the overhead ratio: a bare node:http server answering like /healthz and a 404.
const port = Number(process.env.PORT ?? "0")
const ok = JSON.stringify({ status: "ok" })
const notFound = JSON.stringify({ error: "Distribution List not found", details: "does-not-exist" })

http
  .createServer((req, res) => {
    const healthy = req.url === "/healthz"
    const body = healthy ? ok : notFound
    res.writeHead(healthy ? 200 : 404, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    res.end(body)
  })
  .listen(port, "127.0.0.1")
