/// An update rule over a `ParameterStore`'s contiguous value and gradient blocks.
public protocol Optimizer: AnyObject {
    /// Applies one update from the current gradients.
    func step(_ store: ParameterStore)
    /// Learning rate and weight decay; a schedule changes the rate between steps.
    var settings: OptimizerSettings { get set }
    /// Completed steps.
    var stepCount: Int { get set }
    /// Named per-parameter state blocks (`m`, `v`, `momentum`), laid out like the values.
    var stateBlocks: [(name: String, values: UnsafeMutableBufferPointer<Float>)] { get }
}

/// Hyper-parameters shared by the optimizers.
public struct OptimizerSettings: Sendable, Equatable {
    public var learningRate: Float
    public var weightDecay: Float

    public init(learningRate: Float, weightDecay: Float) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}
