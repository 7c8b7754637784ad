package support.customerservice.android.audio

import android.media.AudioAttributes
import android.media.AudioDeviceInfo
import android.media.AudioFocusRequest
import android.media.AudioManager
import android.os.Build

/** Where the call is heard. */
enum class AudioRoute {
    EARPIECE,
    SPEAKER,
    BLUETOOTH,
    WIRED_HEADSET,
}

/**
 * The phone's audio set for a call while one is connected: communication mode, audio focus (music pauses), and the
 * route the user picks. On Android 12+ through the communication-device API; before, speakerphone and Bluetooth SCO.
 * [release] gives it all back.
 */
class CallAudioRouting(private val audio: AudioManager) {
    private val focus =
        AudioFocusRequest.Builder(AudioManager.AUDIOFOCUS_GAIN_TRANSIENT)
            .setAudioAttributes(
                AudioAttributes.Builder()
                    .setUsage(AudioAttributes.USAGE_VOICE_COMMUNICATION)
                    .setContentType(AudioAttributes.CONTENT_TYPE_SPEECH)
                    .build()
            )
            .setOnAudioFocusChangeListener {}
            .build()
    private var held = false

    /** Takes focus and enters communication mode; true if the system granted focus. */
    fun acquire(): Boolean {
        val granted = audio.requestAudioFocus(focus) == AudioManager.AUDIOFOCUS_REQUEST_GRANTED
        audio.mode = AudioManager.MODE_IN_COMMUNICATION
        held = true
        return granted
    }

    /** The routes this phone offers now (a headset or Bluetooth device plugged in or paired). */
    fun available(): List<AudioRoute> {
        val types =
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) audio.availableCommunicationDevices.map { it.type }
            else audio.getDevices(AudioManager.GET_DEVICES_OUTPUTS).map { it.type }
        return AudioRoute.entries.filter { route -> types.any { routeOf(it) == route } }
    }

    /** Sends the call to [route]; false if the phone has no such device now. */
    fun select(route: AudioRoute): Boolean {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            val device = audio.availableCommunicationDevices.firstOrNull { routeOf(it.type) == route } ?: return false
            return audio.setCommunicationDevice(device)
        }
        @Suppress("DEPRECATION")
        when (route) {
            AudioRoute.SPEAKER -> {
                audio.stopBluetoothSco()
                audio.isBluetoothScoOn = false
                audio.isSpeakerphoneOn = true
            }
            AudioRoute.BLUETOOTH -> {
                audio.isSpeakerphoneOn = false
                audio.startBluetoothSco()
                audio.isBluetoothScoOn = true
            }
            AudioRoute.EARPIECE,
            AudioRoute.WIRED_HEADSET -> {
                audio.stopBluetoothSco()
                audio.isBluetoothScoOn = false
                audio.isSpeakerphoneOn = false
            }
        }
        return true
    }

    fun release() {
        if (!held) return
        held = false
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) audio.clearCommunicationDevice() else resetLegacyRoute()
        audio.mode = AudioManager.MODE_NORMAL
        audio.abandonAudioFocusRequest(focus)
    }

    @Suppress("DEPRECATION")
    private fun resetLegacyRoute() {
        audio.isSpeakerphoneOn = false
        audio.stopBluetoothSco()
        audio.isBluetoothScoOn = false
    }

    companion object {
        fun routeOf(deviceType: Int): AudioRoute? =
            when (deviceType) {
                AudioDeviceInfo.TYPE_BUILTIN_EARPIECE -> AudioRoute.EARPIECE
                AudioDeviceInfo.TYPE_BUILTIN_SPEAKER -> AudioRoute.SPEAKER
                AudioDeviceInfo.TYPE_BLUETOOTH_SCO,
                AudioDeviceInfo.TYPE_BLE_HEADSET -> AudioRoute.BLUETOOTH
                AudioDeviceInfo.TYPE_WIRED_HEADSET,
                AudioDeviceInfo.TYPE_WIRED_HEADPHONES,
                AudioDeviceInfo.TYPE_USB_HEADSET -> AudioRoute.WIRED_HEADSET
                else -> null
            }
    }
}
