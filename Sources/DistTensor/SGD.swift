/// Stochastic gradient descent with momentum (dampening 0, not Nesterov) and L2 weight decay,
/// as `torch.optim.SGD`: `b ← μ·b + (g + λ·p)` (`b ← g + λ·p` on the first step), `p ← p − lr·b`.
public final class SGD: Optimizer {
    public var settings: OptimizerSettings
    public let momentum: Float
    public var stepCount = 0
    public let momentumBuffer: UnsafeMutableBufferPointer<Float>

    public init(parameterCount: Int, settings: OptimizerSettings, momentum: Float = 0.9) {
        self.settings = settings
        self.momentum = momentum
        momentumBuffer = .allocate(capacity: Swift.max(parameterCount, 1))
        momentumBuffer.initialize(repeating: 0)
    }

    deinit { momentumBuffer.deallocate() }

    public var stateBlocks: [(name: String, values: UnsafeMutableBufferPointer<Float>)] {
        [("momentum", momentumBuffer)]
    }

    public func step(_ store: ParameterStore) {
        let first = stepCount == 0
        stepCount += 1
        let (lr, decay, mu) = (settings.learningRate, settings.weightDecay, momentum)
        let shared = UncheckedSendable((store.values.baseAddress!, store.gradients.baseAddress!, momentumBuffer.baseAddress!))
        Parallel.forEachChunk(store.parameterCount, grain: 65_536) { range in
            let (p, g, b) = shared.value
            for i in range {
                let grad = g[i] + decay * p[i]
                b[i] = first ? grad : mu * b[i] + grad
                p[i] -= lr * b[i]
            }
        }
    }
}
