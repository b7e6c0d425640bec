// The real rclone the crypt interop tests check against (Debian's package; .ci/run installs it).
import {spawnSync} from 'node:child_process'

const probe = spawnSync('rclone', ['version'], {encoding: 'utf8'})
/** rclone's version line, when it is installed. */
export const RCLONE = probe.status === 0 ? probe.stdout.split('\n')[0] : undefined
/** The skip reason for a test that needs rclone, when it is missing. */
export const rcloneSkip = RCLONE ? undefined : 'rclone is not installed: the crypt interop tests need it (apt-get install rclone)'
