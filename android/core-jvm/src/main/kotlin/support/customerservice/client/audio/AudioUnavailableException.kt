package support.customerservice.client.audio

/**
 * The microphone or speaker cannot be had (in use by another app, no permission, no device); the message says which.
 */
class AudioUnavailableException(message: String) : Exception(message)
