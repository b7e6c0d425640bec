// Users and their drives (§3). Every user gets two drives: the default one, which doubles as the
// backup drive (as in the §8.2 example), and a resource drive. Drive ids are decimal strings.
import type {Clock} from './clock.js'
import {ApiError, invalidParam} from './errors.js'
import {newUserId} from './ids.js'
import {Drive} from './tree.js'
import type {Principal, UserInfo, UserRecord} from './types.js'

export class UserStore {
  readonly users = new Map<string, UserRecord>()
  readonly drives = new Map<string, Drive>()
  private nextDriveId = 1232775

  constructor(
    private readonly clock: Clock,
    private readonly totalSpace: number,
  ) {}

  create(name: string): UserRecord {
    const user_id = newUserId()
    const now = this.clock.now()
    const main = new Drive(String(this.nextDriveId++), user_id, now)
    const resource = new Drive(String(this.nextDriveId++), user_id, now)
    this.drives.set(main.id, main)
    this.drives.set(resource.id, resource)
    const user: UserRecord = {
      user_id,
      name,
      avatar: '',
      phone: '',
      default_drive_id: main.id,
      resource_drive_id: resource.id,
      backup_drive_id: main.id,
      totalSpace: this.totalSpace,
    }
    this.users.set(user_id, user)
    return user
  }

  get(userId: string): UserRecord {
    const u = this.users.get(userId)
    if (!u) throw new Error(`unknown user ${userId}`)
    return u
  }

  /** bytes against quota across the user's drives (trashed files count, deleted ones do not) */
  spaceUsed(userId: string): number {
    let used = 0
    for (const d of this.drives.values()) if (d.ownerId === userId) used += d.used
    return used
  }

  /** The drive named by a request, which must belong to the caller (§3.3). */
  driveFor(p: Principal, driveId: string | undefined): Drive {
    if (!driveId) throw invalidParam('drive_id')
    const d = this.drives.get(driveId)
    if (!d) throw new ApiError(404, 'NotFound.Drive', 'The resource drive cannot be found.')
    if (d.ownerId !== p.userId) {
      throw new ApiError(403, 'UserNotAllowedAccessDrive', 'user not allowed access drive')
    }
    // A drive the user did not grant (§3.3, §7.2: "app not granted this drive")
    const u = this.get(p.userId)
    if (u.resourceWithheld && d.id === u.resource_drive_id && d.id !== u.default_drive_id) {
      throw new ApiError(403, 'UserNotAllowedAccessDrive', 'user not allowed access drive')
    }
    return d
  }
}

export const userInfo = (u: UserRecord): UserInfo => ({
  user_id: u.user_id,
  name: u.name,
  default_drive_id: u.default_drive_id,
  resource_drive_id: u.resource_drive_id,
  backup_drive_id: u.backup_drive_id,
})
