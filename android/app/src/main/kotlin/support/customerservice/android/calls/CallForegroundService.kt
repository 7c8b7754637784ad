package support.customerservice.android.calls

import android.app.Notification
import android.app.Person
import android.app.Service
import android.content.Intent
import android.content.pm.ServiceInfo
import android.media.AudioManager
import android.os.Build
import android.os.IBinder
import android.os.PowerManager
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import support.customerservice.android.appServices
import support.customerservice.android.audio.CallAudioRouting
import support.customerservice.android.audio.ProximityLock
import support.customerservice.android.notifications.NotificationChannels
import support.customerservice.core.CallPhase

/**
 * Keeps a call alive while the app is not on screen: a foreground service of type `microphone` (Android forbids the
 * microphone to a background app otherwise), with the ongoing-call notification and its Hang up button. It holds audio
 * focus and communication mode and the proximity lock for the call, and lets all go (audio device included) when the
 * core reports the call ended. Started from the visible call screen only, as Android 14 requires.
 */
class CallForegroundService : Service() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
    private var watching: Job? = null
    private var routing: CallAudioRouting? = null
    private var proximity: ProximityLock? = null

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val callId = intent?.getStringExtra(CallIntents.EXTRA_CALL_ID)
        if (callId == null) {
            stopSelf(startId)
            return START_NOT_STICKY
        }
        val notification = ongoingNotification(callId, callerName = null)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
            startForeground(ONGOING_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_MICROPHONE)
        } else {
            startForeground(ONGOING_ID, notification)
        }
        if (routing == null) {
            routing = CallAudioRouting(getSystemService(AudioManager::class.java)).apply { acquire() }
            proximity = ProximityLock(getSystemService(PowerManager::class.java)).apply { acquire() }
        }
        watching?.cancel()
        watching = scope.launch { watch(callId) }
        // Killed mid-call, the call is over: the core cannot resume its media, so do not restart.
        return START_NOT_STICKY
    }

    private suspend fun watch(callId: String) {
        val core = appServices.core.await()
        // The first list in which the call is over (or gone).
        core.callsFlow().first { calls -> calls.none { it.id == callId && it.phase !is CallPhase.Ended } }
        stopCall()
    }

    private fun stopCall() {
        appServices.calls.releaseAudio()
        routing?.release()
        routing = null
        proximity?.release()
        proximity = null
        stopForeground(STOP_FOREGROUND_REMOVE)
        stopSelf()
    }

    override fun onDestroy() {
        routing?.release()
        proximity?.release()
        scope.cancel()
        super.onDestroy()
    }

    private fun ongoingNotification(callId: String, callerName: String?): Notification {
        val hangUp = CallIntents.broadcast(this, CallIntents.ACTION_HANG_UP, callId)
        val builder =
            Notification.Builder(this, NotificationChannels.ONGOING_CALL)
                .setSmallIcon(appServices.callNotifier.smallIcon)
                .setContentTitle(callerName ?: "Call in progress")
                .setCategory(Notification.CATEGORY_CALL)
                .setOngoing(true)
                .setUsesChronometer(true)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            val person = Person.Builder().setName(callerName ?: "Call").setImportant(true).build()
            builder.setStyle(Notification.CallStyle.forOngoingCall(person, hangUp))
        } else {
            builder.setActions(
                Notification.Action.Builder(
                        android.graphics.drawable.Icon.createWithResource(this, appServices.callNotifier.smallIcon),
                        "Hang up",
                        hangUp,
                    )
                    .build()
            )
        }
        return builder.build()
    }

    companion object {
        const val ONGOING_ID = 3
    }
}
