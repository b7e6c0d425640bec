// The least a Node proxy can do: one GET upstream, piped to the client. `serve webdav --proxy`
// is measured against it (bench/serve.ts), so the table shows what relaying costs in Node at all.
import {createServer, get} from 'node:http'

const [target] = process.argv.slice(2)
const server = createServer((_req, res) => {
  get(target, (upstream) => {
    res.writeHead(upstream.statusCode ?? 502, {'content-length': upstream.headers['content-length']})
    upstream.pipe(res)
  })
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}/\n`))
