package support.customerservice.android

import android.Manifest
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import kotlin.coroutines.resume
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import support.customerservice.android.calls.CallController
import support.customerservice.core.AudioDevice
import support.customerservice.ui.call.CallAudio

/**
 * Glue (AndroidX): the screens' call audio on the phone. Asks for the microphone right before a call is placed or
 * answered, through the activity; the device itself comes from [CallController] (AndroidAudioDevice, released by the
 * foreground service when the call ends). Create it before the activity starts.
 */
class PhoneCallAudio(private val activity: ComponentActivity, private val calls: CallController) : CallAudio {
    private var waiting: ((Boolean) -> Unit)? = null
    private val launcher =
        activity.registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            waiting?.invoke(granted)
            waiting = null
        }

    override fun device(): AudioDevice = calls.newDevice()

    override suspend fun requestMicrophone(): Boolean {
        if (Permissions.missing(activity, Permissions.forCalls).isEmpty()) return true
        return withContext(Dispatchers.Main) {
            suspendCancellableCoroutine { continuation ->
                waiting = { continuation.resume(it) }
                launcher.launch(Manifest.permission.RECORD_AUDIO)
            }
        }
    }
}
