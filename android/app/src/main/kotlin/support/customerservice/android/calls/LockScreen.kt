package support.customerservice.android.calls

import android.app.Activity
import android.app.KeyguardManager
import android.os.Build
import android.view.WindowManager

/** The incoming-call activity over the lock screen: shown, screen on; the keyguard is dismissed only on Answer. */
object LockScreen {
    fun showOver(activity: Activity) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O_MR1) {
            activity.setShowWhenLocked(true)
            activity.setTurnScreenOn(true)
        } else {
            @Suppress("DEPRECATION")
            activity.window.addFlags(
                WindowManager.LayoutParams.FLAG_SHOW_WHEN_LOCKED or WindowManager.LayoutParams.FLAG_TURN_SCREEN_ON
            )
        }
        activity.window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
    }

    /** After Answer: asks the user to unlock, so the app behind the call is usable. */
    fun dismiss(activity: Activity) {
        activity.getSystemService(KeyguardManager::class.java).requestDismissKeyguard(activity, null)
    }
}
