import CDNNL
import Foundation

/// Adam (Kingma and Ba) as `torch.optim.Adam`, or AdamW (Loshchilov and Hutter) as
/// `torch.optim.AdamW` when `decoupledWeightDecay` is set.
///
/// Adam adds `weightDecay · p` to the gradient; AdamW instead shrinks `p` by
/// `1 − lr · weightDecay` before the update. Bias corrections are computed in Float64 as
/// PyTorch does with Python floats.
public final class Adam: Optimizer {
    public var settings: OptimizerSettings
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let decoupledWeightDecay: Bool
    public var stepCount = 0
    public let firstMoment: UnsafeMutableBufferPointer<Float>
    public let secondMoment: UnsafeMutableBufferPointer<Float>

    public init(parameterCount: Int, settings: OptimizerSettings, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, decoupledWeightDecay: Bool = false) {
        self.settings = settings
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoment = .allocate(capacity: Swift.max(parameterCount, 1))
        secondMoment = .allocate(capacity: Swift.max(parameterCount, 1))
        firstMoment.initialize(repeating: 0)
        secondMoment.initialize(repeating: 0)
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    public var stateBlocks: [(name: String, values: UnsafeMutableBufferPointer<Float>)] {
        [("m", firstMoment), ("v", secondMoment)]
    }

    public func step(_ store: ParameterStore) {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2Root = (1 - pow(Double(beta2), t)).squareRoot()
        let settings = cdnnl_adam_settings(learning_rate: self.settings.learningRate, weight_decay: self.settings.weightDecay,
                                           beta1: beta1, beta2: beta2, epsilon: epsilon,
                                           step_size: Float(Double(self.settings.learningRate) / correction1),
                                           correction_root: Float(correction2Root), decoupled: decoupledWeightDecay ? 1 : 0)
        let shared = UncheckedSendable((store.values.baseAddress!, store.gradients.baseAddress!,
                                        firstMoment.baseAddress!, secondMoment.baseAddress!))
        Parallel.forEachChunk(store.parameterCount, grain: 65_536) { range in
            let (p, g, m, v) = shared.value
            let i = range.lowerBound
            cdnnl_adam(p + i, g + i, m + i, v + i, range.count, settings)
        }
    }
}
