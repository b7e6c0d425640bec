// Loaded with `node --import` by the benchmark: records the process's peak RSS (KiB) at exit.
import {writeFileSync} from 'node:fs'

process.on('exit', () => {
  const file = process.env.ALIPAN_BENCH_RSS_FILE
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS))
})
