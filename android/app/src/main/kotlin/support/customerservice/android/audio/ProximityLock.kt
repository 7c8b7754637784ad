package support.customerservice.android.audio

import android.os.PowerManager

/** Turns the screen off while the phone is at the ear during a call, so a cheek cannot press Hang up or Mute. */
class ProximityLock(power: PowerManager) {
    private val lock: PowerManager.WakeLock? =
        if (power.isWakeLockLevelSupported(PowerManager.PROXIMITY_SCREEN_OFF_WAKE_LOCK)) {
            power.newWakeLock(PowerManager.PROXIMITY_SCREEN_OFF_WAKE_LOCK, "CustomerService:call").apply {
                setReferenceCounted(false)
            }
        } else null

    val supported: Boolean
        get() = lock != null

    val held: Boolean
        get() = lock?.isHeld == true

    /** Held at most [maxMs] (a call that never ended must not keep it). */
    fun acquire(maxMs: Long = 4 * 60 * 60 * 1000L) {
        lock?.acquire(maxMs)
    }

    /** Lets go; the screen comes back on when the phone leaves the ear. */
    fun release() {
        if (lock?.isHeld == true) lock.release(PowerManager.RELEASE_FLAG_WAIT_FOR_NO_PROXIMITY)
    }
}
