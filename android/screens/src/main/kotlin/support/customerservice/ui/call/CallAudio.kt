package support.customerservice.ui.call

import support.customerservice.core.AudioDevice

/**
 * Where a call's audio comes from and goes to: the microphone and speaker (AudioRecord/AudioTrack on Android, Java
 * Sound on the desktop), or the core's built-in tone and analyser in tests. A new device per call.
 */
fun interface CallAudio {
    /** Opens a device for one call; throws `AudioUnavailableException` when the microphone or speaker cannot be had. */
    fun device(): AudioDevice

    /**
     * Asks the user for the microphone where the platform asks (Android's runtime permission), right before a call is
     * placed or answered; false if they refused.
     */
    suspend fun requestMicrophone(): Boolean = true
}

/** What the call buttons say when the microphone was refused. */
const val MICROPHONE_REFUSED = "Calls need the microphone. Allow it for this app in the system settings."
