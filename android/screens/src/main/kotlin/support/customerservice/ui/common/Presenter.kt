package support.customerservice.ui.common

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.plus

/**
 * The state holder of one screen: an immutable [State] as a [StateFlow], and [onEvent] for what the user does. Views
 * only render the state and forward events; everything else happens here, so it is tested without a UI.
 *
 * Work runs in a child of [parent]: [close] (when the screen leaves) cancels it, and a failure in one job does not
 * cancel the others.
 */
abstract class Presenter<State, Event>(initial: State, parent: CoroutineScope) : AutoCloseable {
    protected val scope: CoroutineScope = parent + SupervisorJob(parent.coroutineContext[Job])

    private val mutableState = MutableStateFlow(initial)
    val state: StateFlow<State> = mutableState.asStateFlow()

    abstract fun onEvent(event: Event)

    protected fun setState(change: State.() -> State) = mutableState.update(change)

    protected val current: State
        get() = mutableState.value

    override fun close() = scope.cancel()
}
