#!/usr/bin/env node
// The floor for a one-call command (issue 16): what a hand-written Node script pays to do the
// same API calls with node:http and nothing else. `quota`: getSpaceInfo + getVipInfo at once;
// `link PATH`: get_by_path, then getDownloadUrl. Reads the token alipan stored (ALIPAN_CONFIG_DIR).
import {readFileSync} from 'node:fs'
import {request} from 'node:http'
import {join} from 'node:path'

const api = new URL(process.env.ALIPAN_API_URL)
const credentials = JSON.parse(readFileSync(join(process.env.ALIPAN_CONFIG_DIR, 'credentials.json'), 'utf8'))

function call(path, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body)
    const req = request({host: api.hostname, port: api.port, path, method: 'POST', headers: {authorization: `Bearer ${credentials.access_token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data)}}, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`))))
    })
    req.on('error', reject)
    req.end(data)
  })
}

const [what, path] = process.argv.slice(2)
if (what === 'link') {
  const drive = credentials.default_drive_id
  const file = await call('/adrive/v1.0/openFile/get_by_path', {drive_id: drive, file_path: path})
  const {url} = await call('/adrive/v1.0/openFile/getDownloadUrl', {drive_id: drive, file_id: file.file_id, expire_sec: 900})
  process.stdout.write(`${url}\n`)
} else {
  const [space] = await Promise.all([call('/adrive/v1.0/user/getSpaceInfo', {}), call('/v1.0/user/getVipInfo', {})])
  process.stdout.write(`${JSON.stringify(space)}\n`)
}
