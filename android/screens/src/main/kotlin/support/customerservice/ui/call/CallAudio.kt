package support.customerservice.ui.call

import support.customerservice.core.AudioDevice

/**
 * Where a call's audio comes from and goes to: the microphone and speaker (AudioRecord/AudioTrack on Android, Java
 * Sound on the desktop), or the core's built-in tone and analyser in tests. A new device per call.
 */
fun interface CallAudio {
    fun device(): AudioDevice
}
