package support.customerservice.client

import support.customerservice.core.TokenStore

/**
 * A session token kept in memory, for tests and previews. The app implements the same `TokenStore` interface over the
 * Android Keystore; the core calls it from its own threads, hence the volatile field.
 */
class InMemoryTokenStore(initial: String? = null) : TokenStore {
    @Volatile
    var token: String? = initial
        private set

    override fun load(): String? = token

    override fun save(token: String) {
        this.token = token
    }

    override fun clear() {
        token = null
    }
}
