package support.customerservice.ui.app

import kotlin.coroutines.CoroutineContext
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.push.PushSelfTest
import support.customerservice.ui.call.CallAudio
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.FileOpener
import support.customerservice.ui.report.ReportExporter

/**
 * What the screens need from the platform, given once by the app (Android's Application, the desktop's main): the core,
 * the pickers and openers, the call audio, the context presenters run in (the main thread in an app), and push where
 * the platform has it.
 */
class AppGraph(
    val core: CustomerServiceCore,
    val serverUrl: String,
    val picker: AttachmentPicker,
    val opener: FileOpener,
    val audio: CallAudio,
    val presenterContext: CoroutineContext,
    /** The push self-test ("Check notifications"), where the platform has push (Android); `null` hides it. */
    val pushCheck: PushSelfTest? = null,
    /** Opens the system's notification settings for the app, when a check finds them off. */
    val openNotificationSettings: (() -> Unit)? = null,
    /** Where the daily report's CSV goes (the desktop: Downloads); `null` hides the export. */
    val reportExporter: ReportExporter? = null,
)
