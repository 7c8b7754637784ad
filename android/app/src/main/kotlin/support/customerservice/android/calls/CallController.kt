package support.customerservice.android.calls

import android.content.Context
import android.content.Intent
import kotlinx.coroutines.Deferred
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.AudioDevice
import support.customerservice.core.CallInfo

/** A call's audio that can be let go of: the real microphone and speaker, or a test's device. */
interface ClosableAudio : AudioDevice, AutoCloseable

/**
 * Answering, declining and hanging up from anywhere a call can be acted on (the call screen, the notification's
 * buttons), and the audio device of the call in progress, which the foreground service closes when the call ends.
 * [openAudio] opens the microphone and speaker (AndroidAudioDevice in the app).
 */
class CallController(
    private val context: Context,
    private val core: Deferred<CustomerServiceCore>,
    private val ringer: CallRinger,
    private val openAudio: () -> ClosableAudio,
) {
    @Volatile private var audio: Pair<String?, ClosableAudio>? = null

    /** A new device for a call the screens start or answer themselves (the screens' `CallAudio`). */
    fun newDevice(): AudioDevice = openAudio().also { replaceAudio(null, it) }

    /** Accept from the notification or the full-screen screen: stop ringing, open the audio, answer, go foreground. */
    suspend fun answer(callId: String): CallInfo {
        ringer.stop(callId)
        val device = openAudio()
        val call =
            try {
                core.await().acceptCall(callId, device)
            } catch (e: Exception) {
                device.close()
                throw e
            }
        replaceAudio(callId, device)
        startForeground(callId)
        return call
    }

    suspend fun decline(callId: String) {
        ringer.stop(callId)
        core.await().declineCall(callId)
    }

    suspend fun hangUp(callId: String) {
        core.await().hangUp(callId)
    }

    private val foregrounded = mutableSetOf<String>()

    /**
     * Starts the foreground service that keeps the microphone for [callId] (once per call); call it while a call screen
     * is visible.
     */
    @Synchronized
    fun startForeground(callId: String) {
        if (!foregrounded.add(callId)) return
        context.startForegroundService(
            Intent(context, CallForegroundService::class.java).putExtra(CallIntents.EXTRA_CALL_ID, callId)
        )
    }

    /** The call ended: the microphone and speaker are released. */
    fun releaseAudio() {
        audio?.second?.close()
        audio = null
    }

    private fun replaceAudio(callId: String?, device: ClosableAudio) {
        audio?.second?.close()
        audio = callId to device
    }
}
