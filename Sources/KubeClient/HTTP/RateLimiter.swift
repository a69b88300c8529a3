/// Client-side token bucket: at most `burst` requests at once, refilled at `queriesPerSecond` (client-go's flow
/// control, sized for one plugin process).
actor RateLimiter {
    private let rate: Double
    private let capacity: Double
    private var tokens: Double
    private var updated = ContinuousClock.now

    init(queriesPerSecond: Double, burst: Int) {
        rate = max(queriesPerSecond, 0.001)
        capacity = Double(max(burst, 1))
        tokens = capacity
    }

    func acquire() async {
        refill()
        tokens -= 1
        if tokens >= 0 { return }
        // Reserve the token now and sleep until it has been earned; callers queue in arrival order.
        let wait = Duration.milliseconds(Int64((-tokens / rate) * 1000))
        try? await Task.sleep(for: wait)
    }

    private func refill() {
        let now = ContinuousClock.now
        let elapsed = now - updated
        updated = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(capacity, tokens + seconds * rate)
    }
}
