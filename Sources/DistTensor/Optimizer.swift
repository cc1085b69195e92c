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

/// Which update rule training uses.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    case adam, adamw, sgd

    /// An optimizer of this kind over `parameterCount` parameters.
    public func make(parameterCount: Int, settings: OptimizerSettings, momentum: Float = 0.9) -> Optimizer {
        switch self {
        case .adam: Adam(parameterCount: parameterCount, settings: settings)
        case .adamw: Adam(parameterCount: parameterCount, settings: settings, decoupledWeightDecay: true)
        case .sgd: SGD(parameterCount: parameterCount, settings: settings, momentum: momentum)
        }
    }
}
