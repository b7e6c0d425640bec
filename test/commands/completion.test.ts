import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {spawnCli} from '../support.js'
import '../helpers.js'

const COMMANDS = ['cp', 'find', 'link', 'mkdir', 'mv', 'rm', 'ls', 'get', 'put']

describe('shell completion (@oclif/plugin-autocomplete)', () => {
  let home: string
  let env: Record<string, string>
  let dir: string
  before(async () => {
    // The plugin writes into oclif's cache dir: keep it in a temp home.
    home = mkdtempSync(join(tmpdir(), 'alipan-home-'))
    env = {HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data')}
    dir = join(home, 'cache', 'alipan', 'autocomplete')
    const r = await spawnCli(['autocomplete', '--refresh-cache'], env)
    assert.equal(r.status, 0, r.stderr)
  })
  after(() => rmSync(home, {recursive: true, force: true}))

  it('generates bash, zsh and powershell completions naming every command and its flags', () => {
    const scripts = {
      bash: join(dir, 'functions', 'bash', 'alipan.bash'),
      zsh: join(dir, 'functions', 'zsh', '_alipan'),
      powershell: join(dir, 'functions', 'powershell', 'alipan.ps1'),
    }
    for (const [shell, file] of Object.entries(scripts)) {
      assert.ok(existsSync(file), `${shell}: ${file}`)
      const text = readFileSync(file, 'utf8')
      for (const command of COMMANDS) assert.match(text, new RegExp(`\\b${command}\\b`), `${shell} knows ${command}`)
      assert.match(text, /on-conflict/, `${shell} knows flags`)
    }
    assert.match(readFileSync(scripts.bash, 'utf8'), /^rm .*--permanent --recursive$/m)
    assert.match(readFileSync(scripts.zsh, 'utf8'), /livp options:\(jpeg mov\)/)
  })

  it('`autocomplete script <shell>` prints the line to add to the shell profile', async () => {
    for (const shell of ['bash', 'zsh', 'powershell']) {
      const r = await spawnCli(['autocomplete', 'script', shell], env)
      assert.equal(r.status, 0, r.stderr)
      const sourced = shell === 'powershell' ? join(dir, 'functions', 'powershell', 'alipan.ps1') : join(dir, `${shell}_setup`)
      assert.ok(r.stdout.includes(sourced), r.stdout)
      assert.ok(existsSync(sourced))
    }
  })

  it('the bash completion really completes (sourced in bash)', (t) => {
    let bash: string
    try {
      bash = execFileSync('bash', ['-c', 'command -v bash'], {encoding: 'utf8'}).trim()
    } catch {
      t.skip('no bash on this machine')
      return
    }
    const script = `source ${join(dir, 'bash_setup')}
COMP_WORDS=(alipan m); COMP_CWORD=1; COMP_LINE='alipan m'; _alipan_autocomplete; echo "\${COMPREPLY[*]}"
COMP_WORDS=(alipan rm --); COMP_CWORD=2; COMP_LINE='alipan rm --'; _alipan_autocomplete; echo "\${COMPREPLY[*]}"`
    const [commands, flags] = execFileSync(bash, ['-c', script], {encoding: 'utf8'}).trim().split('\n')
    assert.deepEqual(commands.split(' '), ['mkdir', 'mv'])
    assert.ok(flags.split(' ').includes('--permanent'), flags)
  })
})
